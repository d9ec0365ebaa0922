//! Prospects: the stages an organisation goes through from "we should ask them" to a
//! sponsorship, the moves allowed between them, and the form that edits a prospect.

use chrono::NaiveDate;

use super::FormErrors;
use super::dates::parse_date;
use super::text::{optional_multi_line, optional_single_line, single_line};

pub const NAME_MAX: usize = 200;
pub const NOTES_MAX: usize = 10_000;

/// Where a prospect stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Identified,
    Contacted,
    InConversation,
    Applied,
    Won,
    Declined,
    NotNow,
}

/// Every stage, in pipeline order.
pub const STAGES: [Stage; 7] = [
    Stage::Identified,
    Stage::Contacted,
    Stage::InConversation,
    Stage::Applied,
    Stage::Won,
    Stage::Declined,
    Stage::NotNow,
];

/// The moves staff may make (the system makes the same ones: a first outreach email moves
/// "identified" to "contacted", an application moves an open prospect to "applied", a term
/// that ended without renewal moves "won" back to "identified").
const MOVES: &[(Stage, &[Stage])] = {
    use Stage::*;
    &[
        (
            Identified,
            &[Contacted, InConversation, Applied, Won, Declined, NotNow],
        ),
        (
            Contacted,
            &[Identified, InConversation, Applied, Won, Declined, NotNow],
        ),
        (InConversation, &[Contacted, Applied, Won, Declined, NotNow]),
        (Applied, &[InConversation, Won, Declined, NotNow]),
        (Won, &[Identified]),
        (Declined, &[Identified, Contacted, InConversation]),
        (NotNow, &[Identified, Contacted, InConversation]),
    ]
};

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Identified => "identified",
            Stage::Contacted => "contacted",
            Stage::InConversation => "in_conversation",
            Stage::Applied => "applied",
            Stage::Won => "won",
            Stage::Declined => "declined",
            Stage::NotNow => "not_now",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        STAGES.iter().copied().find(|st| st.as_str() == s)
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Identified => "Identified",
            Stage::Contacted => "Contacted",
            Stage::InConversation => "In conversation",
            Stage::Applied => "Applied",
            Stage::Won => "Won",
            Stage::Declined => "Declined",
            Stage::NotNow => "Not now",
        }
    }

    /// Still being worked on (follow-ups count; outreach may be sent).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Stage::Identified | Stage::Contacted | Stage::InConversation | Stage::Applied
        )
    }

    /// The stages this one may move to.
    pub fn moves(self) -> &'static [Stage] {
        MOVES
            .iter()
            .find(|(from, _)| *from == self)
            .map(|(_, to)| *to)
            .unwrap_or(&[])
    }
}

/// Why a move is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveError {
    Same,
    NotAllowed { from: Stage, to: Stage },
    NeedsNotBefore,
}

impl std::fmt::Display for MoveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MoveError::Same => write!(f, "The prospect is already at that stage."),
            MoveError::NotAllowed { from, to } => write!(
                f,
                "A prospect cannot move from \u{201c}{}\u{201d} to \u{201c}{}\u{201d}.",
                from.label(),
                to.label()
            ),
            MoveError::NeedsNotBefore => write!(
                f,
                "Say until when not to ask: enter the \u{201c}not before\u{201d} date."
            ),
        }
    }
}

/// Checks a move; "not now" needs the date before which not to ask again.
pub fn transition(from: Stage, to: Stage, not_before: Option<NaiveDate>) -> Result<(), MoveError> {
    if from == to {
        return Err(MoveError::Same);
    }
    if !from.moves().contains(&to) {
        return Err(MoveError::NotAllowed { from, to });
    }
    if to == Stage::NotNow && not_before.is_none() {
        return Err(MoveError::NeedsNotBefore);
    }
    Ok(())
}

/// What the prospect form edits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProspectForm {
    pub name: String,
    pub domain: String,
    pub org_size: String,
    pub owner_id: String,
    pub follow_up_on: String,
    pub not_before: String,
    pub asked_tier_id: String,
    pub notes: String,
}

/// The form, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProspectFields {
    pub name: String,
    /// Web host, lower case, without "www." ("" when not known).
    pub domain: String,
    pub org_size: Option<i32>,
    pub owner_id: Option<i64>,
    pub follow_up_on: Option<NaiveDate>,
    pub not_before: Option<NaiveDate>,
    pub asked_tier_id: Option<i64>,
    pub notes: String,
}

fn optional_date(input: &str, label: &str) -> Result<Option<NaiveDate>, String> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(input, label).map(Some)
    }
}

fn optional_id(input: &str) -> Option<i64> {
    input.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

impl ProspectForm {
    /// Every problem named beside its field.
    pub fn parse(&self) -> Result<ProspectFields, FormErrors> {
        let mut errors = FormErrors::new();
        let name = single_line(&self.name, "the organisation's name", NAME_MAX)
            .map_err(|e| errors.add("name", e))
            .unwrap_or_default();
        let domain = match optional_single_line(&self.domain, "the web domain", 253) {
            Ok(d) if d.is_empty() => String::new(),
            Ok(d) => match super::organisations::host_of(&d) {
                Some(h) if h.contains('.') => h,
                _ => {
                    errors.add(
                        "domain",
                        "Enter a web domain such as example.org, or leave it empty.",
                    );
                    String::new()
                }
            },
            Err(e) => {
                errors.add("domain", e);
                String::new()
            }
        };
        let org_size = match self.org_size.trim() {
            "" => None,
            s => match s.replace([',', ' '], "").parse::<i32>() {
                Ok(n) if (1..=10_000_000).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        "org_size",
                        "Enter the number of people as a whole number, or leave it empty.",
                    );
                    None
                }
            },
        };
        let follow_up_on = optional_date(&self.follow_up_on, "the follow-up date")
            .map_err(|e| errors.add("follow_up_on", e))
            .unwrap_or(None);
        let not_before = optional_date(&self.not_before, "the \u{201c}not before\u{201d} date")
            .map_err(|e| errors.add("not_before", e))
            .unwrap_or(None);
        let notes = optional_multi_line(&self.notes, "the notes", NOTES_MAX)
            .map_err(|e| errors.add("notes", e))
            .unwrap_or_default();
        if errors.is_empty() {
            Ok(ProspectFields {
                name,
                domain,
                org_size,
                owner_id: optional_id(&self.owner_id),
                follow_up_on,
                not_before,
                asked_tier_id: optional_id(&self.asked_tier_id),
                notes,
            })
        } else {
            Err(errors)
        }
    }
}

/// A figure as a sentence reads it: "48 million", "1.2 billion", "3,400".
pub fn figure_words(v: f64) -> String {
    let v = v.max(0.0);
    let (scaled, word) = if v >= 1e9 {
        (v / 1e9, " billion")
    } else if v >= 1e6 {
        (v / 1e6, " million")
    } else {
        return super::text::thousands(v.round() as i64);
    };
    let rounded = (scaled * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}{word}", rounded as i64)
    } else {
        format!("{rounded:.1}{word}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_table() {
        use Stage::*;
        assert_eq!(transition(Identified, Contacted, None), Ok(()));
        assert_eq!(
            transition(Identified, Identified, None),
            Err(MoveError::Same)
        );
        assert_eq!(
            transition(Won, Declined, None),
            Err(MoveError::NotAllowed {
                from: Won,
                to: Declined
            })
        );
        assert_eq!(
            transition(Contacted, NotNow, None),
            Err(MoveError::NeedsNotBefore)
        );
        let d = NaiveDate::from_ymd_opt(2027, 1, 1);
        assert_eq!(transition(Contacted, NotNow, d), Ok(()));
        for s in STAGES {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            assert!(!s.moves().contains(&s));
        }
        assert_eq!(Stage::parse("lost"), None);
    }

    #[test]
    fn the_form_names_each_problem() {
        let f = ProspectForm {
            name: " ".into(),
            domain: "not a domain".into(),
            org_size: "-3".into(),
            follow_up_on: "tomorrow".into(),
            notes: "a\u{0}b".into(),
            ..Default::default()
        };
        let e = f.parse().unwrap_err();
        for field in ["name", "domain", "org_size", "follow_up_on", "notes"] {
            assert!(e.has(field), "{field}");
        }
        let ok = ProspectForm {
            name: "Acme Inc.".into(),
            domain: "https://www.Acme.example/x".into(),
            org_size: "1,200".into(),
            owner_id: "3".into(),
            follow_up_on: "2027-02-01".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.domain, "acme.example");
        assert_eq!(ok.org_size, Some(1200));
        assert_eq!(ok.owner_id, Some(3));
    }

    #[test]
    fn figures_read_as_words() {
        assert_eq!(figure_words(48_000_000.0), "48 million");
        assert_eq!(figure_words(1_230_000_000.0), "1.2 billion");
        assert_eq!(figure_words(3_400.0), "3,400");
    }
}
