//! Sponsorship agreements: the template staff edit (with a fixed set of placeholders), the
//! agreement generated from it and sent to the sponsor, and agreements signed elsewhere that
//! staff upload as PDF files (checked by content, stored under a random name outside any
//! served folder).
//!
//! The `agreements` table is read here too (row type and queries), so the portal can share
//! them: `find_for_sponsor` is the only look-up a sponsor's link may use.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::sponsorship::{Status, transition};
use crate::email::{self, AgreementSentEmail};
use crate::error::{AppError, AppResult};
use crate::models::{app_settings, programmes, sponsors, sponsorships, tiers};
use crate::private_files::{self, PdfProblem};

use super::audit::{self, Actor};
use super::portal;

/// Where the agreement template is kept.
pub const TEMPLATE_KEY: &str = "agreements.template";
/// Longest template accepted, in characters.
pub const TEMPLATE_MAX_CHARS: usize = 50_000;
/// Largest PDF accepted (10 MiB).
pub const MAX_PDF_BYTES: usize = 10 * 1024 * 1024;

/// The placeholders a template may use, with what each becomes.
pub const PLACEHOLDERS: [(&str, &str); 8] = [
    ("sponsor", "the sponsor's name"),
    ("tier", "the tier"),
    (
        "benefits",
        "the tier's benefits, one per line with quantities",
    ),
    ("fee", "the agreed fee"),
    ("term", "the term, e.g. 1 January 2027 to 31 December 2027"),
    ("start", "the first day of the term"),
    ("end", "the last day of the term"),
    ("foundation", "the foundation's name"),
];

/// The template until staff write their own.
pub const DEFAULT_TEMPLATE: &str = "SPONSORSHIP AGREEMENT

Between {{foundation}} (\"the Foundation\") and {{sponsor}} (\"the Sponsor\").

1. Sponsorship. The Sponsor supports the Foundation's work at the {{tier}} level for the term {{term}}.

2. Fee. The Sponsor pays the Foundation {{fee}} for the term. The Foundation sends an invoice once this agreement is accepted; it is due within 30 days.

3. Benefits. In recognition of the support, the Foundation provides during the term:
{{benefits}}

4. Recognition, not advertising. The Foundation thanks its sponsors publicly. It does not endorse the Sponsor's products or services, and the Sponsor's support gives it no say over the Foundation's decisions.

5. Logo and name. The Sponsor allows the Foundation to show its name and logo on the Foundation's pages for the term, and will provide them in a usable form.

6. Term. This agreement runs from {{start}} to {{end}}. Either party may end it early in writing; fees paid for benefits already delivered are not refunded.
";

/// A template checked for its placeholders: only those in `PLACEHOLDERS`, each closed.
pub fn check_template(template: &str) -> Result<(), String> {
    if template.trim().is_empty() {
        return Err("Write the agreement template.".into());
    }
    if template.chars().count() > TEMPLATE_MAX_CHARS {
        return Err(format!(
            "The template must be at most {TEMPLATE_MAX_CHARS} characters."
        ));
    }
    let mut unknown: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        // A stray brace or a line break before the next `}}` means this one was never closed
        // (`{{fee} for the term … }}`); quote only the start of it, not the text up to the
        // next placeholder.
        let close = match after.find("}}") {
            Some(close) if !after[..close].contains(['{', '}', '\n']) => close,
            _ => {
                let start: String = after
                    .trim_start()
                    .chars()
                    .take_while(|c| !matches!(c, '{' | '}') && !c.is_whitespace())
                    .take(18)
                    .collect();
                return Err(format!(
                    "A placeholder is not closed: `{{{{{start}` needs `}}}}`."
                ));
            }
        };
        let name = after[..close].trim();
        if !PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
            let shown = format!(
                "{{{{{}}}}}",
                after[..close].chars().take(40).collect::<String>()
            );
            if !unknown.contains(&shown) {
                unknown.push(shown);
            }
        }
        rest = &after[close + 2..];
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Unknown placeholder{} {}. The placeholders are: {}.",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", "),
            PLACEHOLDERS
                .iter()
                .map(|(p, _)| format!("{{{{{p}}}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// What the placeholders stand for in one agreement.
#[derive(Clone, Debug, Default)]
pub struct Values {
    pub sponsor: String,
    pub tier: String,
    pub benefits: Vec<String>,
    pub fee: String,
    pub start: String,
    pub end: String,
    pub foundation: String,
}

/// Plain-text substitution (the text is shown escaped, never as HTML). Placeholders are
/// replaced in one pass, so a sponsor named "{{fee}}" stays as written.
pub fn render(template: &str, v: &Values) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let value = match after[..close].trim() {
            "sponsor" => v.sponsor.clone(),
            "tier" => v.tier.clone(),
            "benefits" => {
                if v.benefits.is_empty() {
                    "- (none listed)".to_string()
                } else {
                    v.benefits
                        .iter()
                        .map(|b| format!("- {b}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            }
            "fee" => v.fee.clone(),
            "term" => format!("{} to {}", v.start, v.end),
            "start" => v.start.clone(),
            "end" => v.end.clone(),
            "foundation" => v.foundation.clone(),
            _ => format!("{{{{{}}}}}", &after[..close]),
        };
        out.push_str(&value);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The template in use: the one staff saved, or the default.
pub fn template(conn: &mut DbConn) -> AppResult<String> {
    Ok(app_settings::get(conn, TEMPLATE_KEY)?.unwrap_or_else(|| DEFAULT_TEMPLATE.to_string()))
}

/// One of the agreement templates. The foundation's standard template is always there
/// (under Billing settings); the others are optional and, when not written, fall back as
/// `chain` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// New sponsorships in every programme.
    Standard,
    /// Renewals in every programme.
    Renewal,
    /// New sponsorships in one programme.
    Programme(i64),
    /// Renewals in one programme.
    ProgrammeRenewal(i64),
}

impl Variant {
    /// Where the template is kept in the settings.
    pub fn key(self) -> String {
        match self {
            Variant::Standard => TEMPLATE_KEY.to_string(),
            Variant::Renewal => format!("{TEMPLATE_KEY}.renewal"),
            Variant::Programme(p) => format!("{TEMPLATE_KEY}.programme.{p}"),
            Variant::ProgrammeRenewal(p) => format!("{TEMPLATE_KEY}.programme.{p}.renewal"),
        }
    }

    /// Its name in addresses: `standard`, `renewal`, `programme-3`, `programme-3-renewal`.
    pub fn slug(self) -> String {
        match self {
            Variant::Standard => "standard".into(),
            Variant::Renewal => "renewal".into(),
            Variant::Programme(p) => format!("programme-{p}"),
            Variant::ProgrammeRenewal(p) => format!("programme-{p}-renewal"),
        }
    }

    /// The variant an address names, if any.
    pub fn parse(slug: &str) -> Option<Variant> {
        match slug {
            "standard" => return Some(Variant::Standard),
            "renewal" => return Some(Variant::Renewal),
            _ => {}
        }
        let rest = slug.strip_prefix("programme-")?;
        let (id, renewal) = match rest.strip_suffix("-renewal") {
            Some(id) => (id, true),
            None => (rest, false),
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || id.len() > 18 {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        Some(if renewal {
            Variant::ProgrammeRenewal(id)
        } else {
            Variant::Programme(id)
        })
    }

    /// The programme it belongs to, if any.
    pub fn programme(self) -> Option<i64> {
        match self {
            Variant::Programme(p) | Variant::ProgrammeRenewal(p) => Some(p),
            _ => None,
        }
    }

    /// The templates tried, in order, for a sponsorship of `programme` (a renewal or not):
    /// the most specific first, the standard template last. A renewal uses its programme's
    /// renewal template, else the foundation's renewal template, else what a new sponsorship
    /// of the programme would use.
    pub fn chain(programme: i64, renewal: bool) -> Vec<Variant> {
        let mut out = Vec::with_capacity(4);
        if renewal {
            out.push(Variant::ProgrammeRenewal(programme));
            out.push(Variant::Renewal);
        }
        out.push(Variant::Programme(programme));
        out.push(Variant::Standard);
        out
    }

    /// What the template is, in words, for a programme called `programme` ("the renewal
    /// template of Open Source 2027").
    pub fn describe(self, programme: &str) -> String {
        match self {
            Variant::Standard => "the standard template".into(),
            Variant::Renewal => "the renewal template".into(),
            Variant::Programme(_) => format!("the template of {programme}"),
            Variant::ProgrammeRenewal(_) => format!("the renewal template of {programme}"),
        }
    }
}

/// The text of one template as saved, or `None` when it falls back (the standard template
/// is never `None`: it has the default).
pub fn saved_template(conn: &mut DbConn, v: Variant) -> AppResult<Option<String>> {
    let saved = app_settings::get(conn, &v.key())?.filter(|t| !t.trim().is_empty());
    Ok(match (saved, v) {
        (None, Variant::Standard) => Some(DEFAULT_TEMPLATE.to_string()),
        (saved, _) => saved,
    })
}

/// The template a sponsorship of `programme` uses, and which one it is: the first written
/// along `Variant::chain`.
pub fn template_for(
    conn: &mut DbConn,
    programme: i64,
    renewal: bool,
) -> AppResult<(String, Variant)> {
    for v in Variant::chain(programme, renewal) {
        if let Some(t) = saved_template(conn, v)? {
            return Ok((t, v));
        }
    }
    Ok((DEFAULT_TEMPLATE.to_string(), Variant::Standard))
}

/// Saves one optional template; empty text removes it, so the sponsorships it covered fall
/// back along the chain. The standard template is saved under Billing settings.
pub fn save_template(
    conn: &mut DbConn,
    actor: &Actor,
    v: Variant,
    what: &str,
    text: &str,
) -> AppResult<bool> {
    write_tx(conn, |conn| {
        let before = app_settings::get(conn, &v.key())?.unwrap_or_default();
        if before == text {
            return Ok(false);
        }
        app_settings::set(conn, &v.key(), text)?;
        let note = if text.is_empty() {
            format!("{what}: removed, the fallback is used")
        } else {
            format!("{what}: changed")
        };
        audit::record(conn, actor, "settings.agreement_template", None, &note)?;
        Ok(true)
    })
}

/// An agreement filled in for one sponsorship, and the template it came from.
pub struct Filled {
    pub text: String,
    /// "the renewal template of Open Source 2027".
    pub source: String,
    pub variant: Variant,
}

/// The largest agreement text staff may send, in characters.
const MAX_BODY_CHARS: usize = 50_000;

/// An agreement's text as staff edited it for one sponsorship: line ends normalised, not
/// empty, at most 50,000 characters, nothing that cannot be shown.
pub fn check_body(text: &str) -> Result<String, String> {
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err("Write the agreement's text: the sponsor accepts exactly what is here.".into());
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(format!(
            "The agreement is too long: at most {MAX_BODY_CHARS} characters."
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("The text contains characters that cannot be shown.".into());
    }
    Ok(text.trim_end().to_string())
}

/// The agreement text for a sponsorship, from the template its programme (and whether it
/// renews an earlier term) picks.
pub fn render_for(
    conn: &mut DbConn,
    settings: &Settings,
    sponsorship_id: i64,
) -> AppResult<Filled> {
    let s = sponsorships::find(conn, sponsorship_id)?;
    let sponsor = sponsors::find(conn, s.sponsor_id)?;
    let tier = tiers::find(conn, s.tier_id)?;
    let programme = programmes::find(conn, tier.programme_id)?;
    let (template, variant) = template_for(conn, programme.id, s.renewal_of_id.is_some())?;
    let benefits = sponsorships::checklist(conn, s.id)?
        .iter()
        .map(|f| f.label())
        .collect();
    let values = Values {
        sponsor: sponsor.name,
        tier: tier.name,
        benefits,
        fee: s.fee_label(),
        start: s.start_date.format("%-d %B %Y").to_string(),
        end: s.end_date.format("%-d %B %Y").to_string(),
        foundation: settings.foundation_name.clone(),
    };
    Ok(Filled {
        text: render(&template, &values),
        source: variant.describe(&programme.title()),
        variant,
    })
}

use crate::models::agreements as rows;
pub use crate::models::agreements::Agreement;

/// Moves a sponsorship one step, checked against the table and conditional on where it is.
fn step(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    from: Status,
    to: Status,
    note: &str,
) -> AppResult<()> {
    transition(from, to).map_err(|e| AppError::Conflict(e.to_string()))?;
    if !sponsorships::set_status_if(conn, id, from, to)? {
        return Err(AppError::Conflict(
            "Someone changed this sponsorship at the same moment. Nothing was changed; reload to see where it stands.".into(),
        ));
    }
    sponsorships::add_event(conn, id, &actor.label, Some(from), to, note)?;
    Ok(())
}

/// Generates the agreement from the current template and sends it to the primary contacts:
/// approved → agreement sent. Sending again (after edits) replaces the version waiting for
/// acceptance.
pub fn generate_and_send(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    sponsorship_id: i64,
    edited: Option<&str>,
) -> AppResult<i64> {
    write_tx(conn, |conn| {
        let s = sponsorships::find(conn, sponsorship_id)?;
        let current = s.status();
        if !matches!(current, Status::Approved | Status::AgreementSent) {
            return Err(AppError::Conflict(format!(
                "An agreement is sent once the application is approved; this sponsorship is {}.",
                current.label().to_lowercase()
            )));
        }
        let filled = render_for(conn, settings, s.id)?;
        let source = filled.source;
        let generated = filled.text;
        let (body, edited) = match edited {
            Some(text) => {
                let text = check_body(text).map_err(AppError::BadRequest)?;
                let changed = text != generated;
                (text, changed)
            }
            None => (generated, false),
        };
        let replaced = rows::supersede_sent(conn, s.id)?;
        let id = rows::insert_generated(conn, s.id, &body, &actor.label)?;
        if current == Status::Approved {
            step(
                conn,
                actor,
                s.id,
                Status::Approved,
                Status::AgreementSent,
                "agreement sent",
            )?;
        } else if !sponsorships::set_status_if(
            conn,
            s.id,
            Status::AgreementSent,
            Status::AgreementSent,
        )? {
            // Still where we read it (the no-op update also orders us after a concurrent move).
            return Err(AppError::Conflict(
                "Someone changed this sponsorship at the same moment. Nothing was sent.".into(),
            ));
        }
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        let tier = tiers::find(conn, s.tier_id)?;
        for r in portal::recipients(conn, sponsor.id, "primary")? {
            let link = portal::sponsor_link(conn, settings, sponsor.id, r.email.as_str())?;
            email::enqueue(
                conn,
                &r.email,
                crate::email::About::Sponsorship(s.id),
                &AgreementSentEmail {
                    foundation: settings.foundation_name.clone(),
                    name: r.name.clone(),
                    sponsor: sponsor.name.clone(),
                    tier: tier.name.clone(),
                    link: format!("{link}?next=/portal/agreements/{id}"),
                    replaces_earlier: replaced > 0,
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            if replaced > 0 {
                "agreement.resend"
            } else {
                "agreement.send"
            },
            Some(("sponsorship", &s.id.to_string())),
            &format!(
                "agreement {id} for {} · {} · from {source}{}",
                sponsor.name,
                tier.name,
                match (replaced > 0, edited) {
                    (true, true) =>
                        " · edited for this sponsorship · replaces the version sent earlier",
                    (true, false) => " · replaces the version sent earlier",
                    (false, true) => " · edited for this sponsorship",
                    (false, false) => "",
                }
            ),
        )?;
        Ok(id)
    })
}

/// Records an agreement signed elsewhere (its PDF already stored under `file_key`): the
/// sponsorship moves to agreement accepted (through agreement sent when it was approved).
pub fn record_upload(
    conn: &mut DbConn,
    actor: &Actor,
    sponsorship_id: i64,
    file_key: &str,
    file_name: &str,
) -> AppResult<i64> {
    write_tx(conn, |conn| {
        let s = sponsorships::find(conn, sponsorship_id)?;
        let current = s.status();
        if !matches!(current, Status::Approved | Status::AgreementSent) {
            return Err(AppError::Conflict(format!(
                "A signed agreement can be added once the application is approved and before the agreement is accepted; this sponsorship is {}.",
                current.label().to_lowercase()
            )));
        }
        rows::supersede_sent(conn, s.id)?;
        let id = rows::insert_uploaded(
            conn,
            s.id,
            file_key,
            file_name,
            &actor.label,
            actor.client_addr.clone(),
        )?;
        let note = "agreement signed elsewhere, uploaded";
        if current == Status::Approved {
            step(
                conn,
                actor,
                s.id,
                Status::Approved,
                Status::AgreementSent,
                note,
            )?;
        }
        step(
            conn,
            actor,
            s.id,
            Status::AgreementSent,
            Status::AgreementAccepted,
            note,
        )?;
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        audit::record(
            conn,
            actor,
            "agreement.upload",
            Some(("sponsorship", &s.id.to_string())),
            &format!("agreement {id} for {} · PDF key {file_key}", sponsor.name),
        )?;
        Ok(id)
    })
}

// Files of agreements signed elsewhere.

/// The folder of agreement PDFs: private, beside the public media, never served as files.
pub fn files_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("private").join("agreements")
}

/// The file of a stored PDF, or None for a key that is not ours.
pub fn file_path(data_dir: &Path, key: &str) -> Option<PathBuf> {
    private_files::path(&files_dir(data_dir), key, ".pdf")
}

/// The sentence for a file over the size limit.
pub fn too_large_message() -> String {
    "The file is larger than 10 MB. Upload a smaller PDF (scan at a lower resolution).".into()
}

/// Checks an upload by its content: a complete PDF within the size limit.
pub fn check_pdf(bytes: &[u8]) -> Result<(), String> {
    private_files::check_pdf(bytes, MAX_PDF_BYTES).map_err(|p| match p {
        PdfProblem::Empty => "The file is empty. Choose the signed agreement again.".into(),
        PdfProblem::TooLarge => too_large_message(),
        PdfProblem::NotPdf => "This file is not a PDF (whatever its name says). Upload the signed agreement as a PDF file.".into(),
        PdfProblem::Incomplete => "The PDF seems incomplete (it has no end). Save or scan it again and upload the new file.".into(),
    })
}

/// Stores a checked PDF under a new random name and returns the name's key.
pub fn store_pdf(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    private_files::store(&files_dir(data_dir), ".pdf", bytes)
}

/// Removes a stored PDF (after its row could not be written); missing is fine.
pub fn delete_pdf(data_dir: &Path, key: &str) -> std::io::Result<()> {
    private_files::delete(&files_dir(data_dir), key, ".pdf")
}

/// The foundation countersigns an accepted agreement: the staff member's name and the title
/// they sign with, and the time. Once only: two people at once make one countersignature and
/// one clear refusal.
pub fn countersign(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    user_name: &str,
    agreement_id: i64,
    title: &str,
) -> AppResult<()> {
    let title =
        crate::domain::text::single_line(title, "your title", 100).map_err(AppError::BadRequest)?;
    write_tx(conn, |conn| {
        let a = rows::find(conn, agreement_id)?;
        let now = crate::models::now();
        if !rows::countersign(conn, a.id, user_id, user_name, &title, now)? {
            let a = rows::find(conn, agreement_id)?;
            return Err(AppError::Conflict(
                match (a.is_accepted(), &a.countersigned_name) {
                    (_, Some(n)) => format!("{n} countersigned this agreement already."),
                    (false, None) => {
                        "Only an agreement the sponsor has accepted can be countersigned.".into()
                    }
                    (true, None) => "The agreement changed at the same moment; try again.".into(),
                },
            ));
        }
        audit::record(
            conn,
            actor,
            "agreement.countersign",
            Some(("agreement", &a.id.to_string())),
            &format!("countersigned by {user_name}, {title}"),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_variants_round_trip_and_fall_back_in_order() {
        for v in [
            Variant::Standard,
            Variant::Renewal,
            Variant::Programme(7),
            Variant::ProgrammeRenewal(12),
        ] {
            assert_eq!(Variant::parse(&v.slug()), Some(v));
        }
        for bad in [
            "",
            "programme-",
            "programme--1",
            "programme-1x",
            "programme-1-renewal-renewal",
            "programme-99999999999999999999",
            "Renewal",
        ] {
            assert_eq!(Variant::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Variant::chain(3, true),
            [
                Variant::ProgrammeRenewal(3),
                Variant::Renewal,
                Variant::Programme(3),
                Variant::Standard
            ]
        );
        assert_eq!(
            Variant::chain(3, false),
            [Variant::Programme(3), Variant::Standard]
        );
    }

    #[test]
    fn placeholders_are_checked() {
        assert!(check_template(DEFAULT_TEMPLATE).is_ok());
        assert!(check_template("Dear {{ sponsor }}, {{fee}} for {{term}}.").is_ok());
        let e = check_template("Hello {{sponsr}} and {{ price }}").unwrap_err();
        assert!(e.contains("{{sponsr}}") && e.contains("{{ price }}"), "{e}");
        assert!(e.starts_with("Unknown placeholders"), "{e}");
        assert_eq!(
            check_template("Hello {{sponsor").unwrap_err(),
            "A placeholder is not closed: `{{sponsor` needs `}}`."
        );
        assert_eq!(
            check_template("{{fee} for the term. The Foundation sends }} later").unwrap_err(),
            "A placeholder is not closed: `{{fee` needs `}}`."
        );
        assert_eq!(
            check_template("{{sponsor\n and {{fee}}").unwrap_err(),
            "A placeholder is not closed: `{{sponsor` needs `}}`."
        );
        assert!(check_template("  ").is_err());
        assert!(check_template("No placeholders at all is fine }} too").is_ok());
    }

    #[test]
    fn rendering_is_plain_substitution_in_one_pass() {
        let v = Values {
            sponsor: "<script>{{fee}}</script>".into(),
            tier: "Gold".into(),
            benefits: vec!["4 × conference passes".into(), "Logo on the website".into()],
            fee: "$10,000.00".into(),
            start: "1 January 2027".into(),
            end: "31 December 2027".into(),
            foundation: "PSF".into(),
        };
        let out = render(
            "{{foundation}} & {{ sponsor }}: {{tier}} {{fee}} {{term}}\n{{benefits}}",
            &v,
        );
        assert_eq!(
            out,
            "PSF & <script>{{fee}}</script>: Gold $10,000.00 1 January 2027 to 31 December 2027\n- 4 × conference passes\n- Logo on the website"
        );
    }

    #[test]
    fn pdfs_are_checked_by_content() {
        assert!(check_pdf(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n").is_ok());
        assert!(check_pdf(b"").unwrap_err().contains("empty"));
        assert!(
            check_pdf(b"<!doctype html><script>alert(1)</script>%%EOF")
                .unwrap_err()
                .contains("not a PDF")
        );
        assert!(
            check_pdf(b"\x89PNG\r\n\x1a\n%%EOF")
                .unwrap_err()
                .contains("not a PDF")
        );
        assert!(
            check_pdf(b"%PDF-1.7\n1 0 obj")
                .unwrap_err()
                .contains("incomplete")
        );
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(MAX_PDF_BYTES + 1, b' ');
        assert!(check_pdf(&big).unwrap_err().contains("10 MB"));
    }

    #[test]
    fn stored_files_get_random_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = store_pdf(dir.path(), b"%PDF-1 %%EOF").unwrap();
        let b = store_pdf(dir.path(), b"%PDF-1 %%EOF").unwrap();
        assert_ne!(a, b);
        assert!(file_path(dir.path(), &a).unwrap().exists());
        assert_eq!(file_path(dir.path(), "../../x"), None);
        delete_pdf(dir.path(), &a).unwrap();
        delete_pdf(dir.path(), &a).unwrap();
        assert!(!file_path(dir.path(), &a).unwrap().exists());
        let left: Vec<_> = std::fs::read_dir(files_dir(dir.path())).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary files left behind");
    }
}
