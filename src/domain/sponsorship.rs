//! The sponsorship lifecycle: statuses and the one table of allowed moves.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Applied,
    Approved,
    AgreementSent,
    AgreementAccepted,
    Invoiced,
    Paid,
    Active,
    Expired,
    Rejected,
    Cancelled,
}

use Status::*;

/// Every allowed move. Anything not here is refused with `IllegalMove`.
pub const TRANSITIONS: &[(Status, Status)] = &[
    (Applied, Approved),
    (Applied, Rejected),
    (Applied, Cancelled),
    (Approved, AgreementSent),
    (Approved, Cancelled),
    (AgreementSent, AgreementAccepted),
    (AgreementSent, Cancelled),
    (AgreementAccepted, Invoiced),
    (AgreementAccepted, Cancelled),
    (Invoiced, Paid),
    // Only by voiding the invoice (billing::void_invoice), so that a corrected one can follow.
    (Invoiced, AgreementAccepted),
    (Invoiced, Cancelled),
    (Paid, Active),
    (Paid, Cancelled),
    (Active, Expired),
    (Active, Cancelled),
];

/// A move the table does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A sponsorship that is {} cannot become {}.", from.label().to_lowercase(), to.label().to_lowercase())]
pub struct IllegalMove {
    pub from: Status,
    pub to: Status,
}

/// Checks one move against the table.
pub fn transition(from: Status, to: Status) -> Result<Status, IllegalMove> {
    if TRANSITIONS.contains(&(from, to)) {
        Ok(to)
    } else {
        Err(IllegalMove { from, to })
    }
}

/// The statuses before the invoice is issued: what will be printed on it (purchase-order
/// number, tax ID) may still change.
pub const BEFORE_INVOICE: [Status; 4] = [
    Status::Applied,
    Status::Approved,
    Status::AgreementSent,
    Status::AgreementAccepted,
];

impl Status {
    /// Whether the invoice is still to be issued (see [`BEFORE_INVOICE`]).
    pub fn before_invoice(self) -> bool {
        BEFORE_INVOICE.contains(&self)
    }

    pub const ALL: [Status; 10] = [
        Applied,
        Approved,
        AgreementSent,
        AgreementAccepted,
        Invoiced,
        Paid,
        Active,
        Expired,
        Rejected,
        Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Applied => "applied",
            Approved => "approved",
            AgreementSent => "agreement_sent",
            AgreementAccepted => "agreement_accepted",
            Invoiced => "invoiced",
            Paid => "paid",
            Active => "active",
            Expired => "expired",
            Rejected => "rejected",
            Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Applied => "Applied",
            Approved => "Approved",
            AgreementSent => "Agreement sent",
            AgreementAccepted => "Agreement accepted",
            Invoiced => "Invoiced",
            Paid => "Paid",
            Active => "Active",
            Expired => "Expired",
            Rejected => "Rejected",
            Cancelled => "Cancelled",
        }
    }

    /// The badge colour for lists.
    pub fn badge(self) -> &'static str {
        match self {
            Active | Paid => "success",
            Applied | Approved | AgreementSent | AgreementAccepted | Invoiced => "warning",
            Rejected | Cancelled => "danger",
            Expired => "neutral",
        }
    }

    /// Where this status may go next.
    pub fn next(self) -> Vec<Status> {
        TRANSITIONS
            .iter()
            .filter(|(f, _)| *f == self)
            .map(|(_, t)| *t)
            .collect()
    }

    /// Still in play (not ended one way or another).
    pub fn is_open(self) -> bool {
        !matches!(self, Expired | Rejected | Cancelled)
    }

    /// Statuses staff may pick when recording a sponsorship agreed outside the app.
    pub const OFFLINE_START: [Status; 5] = [Approved, AgreementAccepted, Invoiced, Paid, Active];
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a sponsorship status"))
    }
}

/// Whether a sponsorship shows on the public pages on `today` — the one rule for the wall,
/// profiles, the thank-you page and placements. Until its term has ended, a sponsorship is
/// shown once it is paid (from the day of payment, even when its term starts later: the
/// sponsor has done their part) or running; before payment, only when staff published it
/// early (a deliberate, audited override). Ended, rejected and cancelled ones never show.
pub fn is_visible(
    status: Status,
    published_early: bool,
    _start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> bool {
    if today > end {
        return false;
    }
    match status {
        Paid | Active => true,
        Applied | Approved | AgreementSent | AgreementAccepted | Invoiced => published_early,
        Expired | Rejected | Cancelled => false,
    }
}

/// The waitlist rule: an application with `ahead` applications before it in its tier's line
/// (first come, first served) is waitlisted when they already claim every free place. A tier
/// without a limit (`free` None) has no waitlist.
pub fn waitlisted(ahead: i64, free: Option<i64>) -> bool {
    free.is_some_and(|free| ahead >= free)
}

/// Moves made on their own page (review, agreement, invoice), so that the contacts get their
/// emails, the waitlist its order and the records exist: never through the status form.
pub fn has_its_own_step(from: Status, to: Status) -> bool {
    matches!(
        (from, to),
        (Applied, Approved)
            | (Applied, Rejected)
            | (Approved, AgreementSent)
            | (AgreementSent, AgreementAccepted)
            | (AgreementAccepted, Invoiced)
            | (Invoiced, AgreementAccepted)
    )
}

/// Whether staff may publish a sponsorship early: it is still before payment (once paid it
/// shows by itself) and still in play.
pub fn may_publish_early(status: Status) -> bool {
    matches!(
        status,
        Applied | Approved | AgreementSent | AgreementAccepted | Invoiced
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_table_allows_the_happy_path_and_nothing_backwards_but_a_voided_invoice() {
        let path = [
            Applied,
            Approved,
            AgreementSent,
            AgreementAccepted,
            Invoiced,
            Paid,
            Active,
            Expired,
        ];
        for w in path.windows(2) {
            assert_eq!(transition(w[0], w[1]), Ok(w[1]));
        }
        for w in path.windows(2) {
            // The one step back: voiding an invoice returns to "agreement accepted".
            if (w[1], w[0]) == (Invoiced, AgreementAccepted) {
                assert_eq!(transition(w[1], w[0]), Ok(w[0]));
                continue;
            }
            assert!(transition(w[1], w[0]).is_err(), "{:?} -> {:?}", w[1], w[0]);
        }
        for s in Status::ALL {
            assert!(transition(s, s).is_err(), "no self-moves");
            assert!(transition(Rejected, s).is_err());
            assert!(transition(Cancelled, s).is_err());
            assert!(transition(Expired, s).is_err());
        }
        assert!(transition(Applied, Paid).is_err());
        assert_eq!(
            transition(Applied, Paid).unwrap_err().to_string(),
            "A sponsorship that is applied cannot become paid."
        );
    }

    #[test]
    fn the_first_in_line_get_the_free_places() {
        assert!(
            !waitlisted(0, None) && !waitlisted(99, None),
            "no limit, no waitlist"
        );
        assert!(waitlisted(0, Some(0)), "full: even the first waits");
        assert!(!waitlisted(0, Some(1)));
        assert!(
            waitlisted(1, Some(1)),
            "the second waits for the one free place"
        );
        assert!(!waitlisted(1, Some(2)));
    }

    #[test]
    fn visibility_for_every_status_and_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (start, end) = (d("2026-01-01"), d("2026-12-31"));
        let days = [
            ("before the term", d("2025-12-01"), true),
            ("first day", start, true),
            ("in the term", d("2026-06-01"), true),
            ("last day", end, true),
            ("after the term", d("2027-01-01"), false),
        ];
        for status in Status::ALL {
            for early in [false, true] {
                for (when, day, in_or_before) in days {
                    let expected = in_or_before
                        && match status {
                            Paid | Active => true,
                            Expired | Rejected | Cancelled => false,
                            _ => early,
                        };
                    assert_eq!(
                        is_visible(status, early, start, end, day),
                        expected,
                        "{status:?}, published early: {early}, {when}"
                    );
                }
            }
            assert_eq!(
                may_publish_early(status),
                status.is_open() && !matches!(status, Paid | Active),
                "{status:?}"
            );
        }
    }
}
