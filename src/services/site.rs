//! What the public website says about the foundation: a few paragraphs at the top of the
//! home page ("who we are"), and the one sentence that search engines and link previews show.
//! Both are optional; until staff write them, plain defaults built from the foundation's
//! name stand in.

use crate::db::{DbConn, write_tx};
use crate::domain::{FormErrors, text};
use crate::error::AppResult;
use crate::models::app_settings;
use crate::services::{Actor, audit};

pub const ABOUT_KEY: &str = "site.about";
pub const DESCRIPTION_KEY: &str = "site.description";
pub const ABOUT_MAX: usize = 2000;
pub const DESCRIPTION_MAX: usize = 300;

/// The text as stored (empty when not written yet).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteText {
    pub about: String,
    pub description: String,
}

impl SiteText {
    /// The home page's paragraphs about the foundation.
    pub fn about_paragraphs(&self, foundation: &str) -> Vec<String> {
        if self.about.trim().is_empty() {
            return vec![format!(
                "{foundation} looks after the project's code, infrastructure and community. \
                 Our sponsors fund the grants, events and people that keep it going."
            )];
        }
        self.about
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// The description for search engines and link previews.
    pub fn description_or_default(&self, foundation: &str) -> String {
        if self.description.trim().is_empty() {
            default_description(foundation)
        } else {
            self.description.clone()
        }
    }
}

/// What public pages say about themselves when they have nothing more particular to say.
pub fn default_description(foundation: &str) -> String {
    format!(
        "{foundation}: who sponsors our work, what their support makes possible, our grants, \
         and how your organisation can help."
    )
}

/// The stored text (one query).
pub fn load(conn: &mut DbConn) -> AppResult<SiteText> {
    let mut t = SiteText::default();
    for (k, v) in app_settings::with_prefix(conn, "site.")? {
        match k.as_str() {
            ABOUT_KEY => t.about = v,
            DESCRIPTION_KEY => t.description = v,
            _ => {}
        }
    }
    Ok(t)
}

/// Checks the text as typed: the about text may have paragraphs (blank lines between them),
/// the description is one line. Messages are keyed by field.
pub fn parse(about: &str, description: &str) -> Result<SiteText, FormErrors> {
    let mut errors = FormErrors::new();
    let about = text::optional_multi_line(about, "the text about the foundation", ABOUT_MAX)
        .map_err(|m| errors.add("about", m))
        .unwrap_or_default();
    let description = text::optional_single_line(description, "the description", DESCRIPTION_MAX)
        .map_err(|m| errors.add("description", m))
        .unwrap_or_default();
    if errors.is_empty() {
        Ok(SiteText { about, description })
    } else {
        Err(errors)
    }
}

/// Saves both; returns whether anything changed (and was recorded in the audit log).
pub fn save(conn: &mut DbConn, actor: &Actor, t: &SiteText) -> AppResult<bool> {
    write_tx(conn, |c| {
        let mut changed = Vec::new();
        for (key, value, what) in [
            (ABOUT_KEY, &t.about, "about the foundation"),
            (DESCRIPTION_KEY, &t.description, "description"),
        ] {
            if app_settings::get(c, key)?.unwrap_or_default() != *value {
                app_settings::set(c, key, value)?;
                changed.push(what);
            }
        }
        if !changed.is_empty() {
            audit::record(
                c,
                actor,
                "settings.site",
                None,
                &format!("changed: {}", changed.join(", ")),
            )?;
        }
        Ok(!changed.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_on_blank_lines_and_defaults_stand_in() {
        let t = SiteText {
            about: "First.\nStill first.\n\n\n  Second.  \n\n".into(),
            description: String::new(),
        };
        assert_eq!(
            t.about_paragraphs("F"),
            vec!["First.\nStill first.".to_string(), "Second.".to_string()]
        );
        assert!(
            t.description_or_default("Acme Foundation")
                .starts_with("Acme Foundation:")
        );
        assert!(SiteText::default().about_paragraphs("Acme")[0].starts_with("Acme looks after"));
    }

    #[test]
    fn long_or_unshowable_text_is_refused_next_to_its_field() {
        let errors = parse(&"a".repeat(ABOUT_MAX + 1), "two\u{7}bells").unwrap_err();
        assert!(errors.has("about"));
        assert!(errors.has("description"));
        let ok = parse(" We build things.\r\n\r\nTogether. ", " One line. ").unwrap();
        assert_eq!(ok.about, "We build things.\n\nTogether.");
        assert_eq!(ok.description, "One line.");
    }
}
