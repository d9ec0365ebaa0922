//! Success stories: writing, submitting, publishing and returning them. Each use case runs
//! in one transaction, checks the move against the workflow table, changes the row only if
//! it is still in the status it was read in, writes the audit entry, and queues the email to
//! the author in the same transaction.

use chrono::NaiveDate;

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::form::Fields;
use crate::domain::story::{self, Status, transition};
use crate::domain::{EmailAddress, FormErrors, text};
use crate::email::{self, story_mail::*};
use crate::error::{AppError, AppResult};
use crate::models::stories::{self, NewStory, Story, StoryText};
use crate::services::audit::{self, Actor};

/// Who is writing a new story.
pub enum Author {
    /// A sponsor contact in the portal: the story belongs to that sponsor's portal and is
    /// linked to its profile.
    Sponsor {
        sponsor_id: i64,
        name: String,
        email: String,
    },
    /// A staff member (editor).
    Staff {
        user_id: i64,
        name: String,
        email: String,
    },
}

/// The sponsor contact with this address, if it is (still) one of the sponsor's.
fn contact_of(
    conn: &mut DbConn,
    sponsor_id: i64,
    email: &str,
) -> AppResult<Option<crate::models::sponsors::Contact>> {
    Ok(crate::models::sponsors::contacts(conn, sponsor_id)?
        .into_iter()
        .find(|c| c.email.eq_ignore_ascii_case(email)))
}

impl Author {
    /// A sponsor contact signed in to the portal as `email`: their own name if we know it,
    /// else their address.
    pub fn sponsor_contact(conn: &mut DbConn, sponsor_id: i64, email: &str) -> AppResult<Author> {
        let name = contact_of(conn, sponsor_id, email)?
            .map(|c| c.name)
            .unwrap_or_else(|| email.to_string());
        Ok(Author::Sponsor {
            sponsor_id,
            name,
            email: email.to_string(),
        })
    }
}

/// Reads the author's fields; every problem is named next to its field.
/// What could not be saved: the fields as typed, and a message per field.
pub type Refused = Box<(StoryText, FormErrors)>;

pub fn parse_text(f: &Fields) -> Result<StoryText, Refused> {
    let mut errors = FormErrors::new();
    let typed = StoryText {
        title: f.get("title"),
        organisation: f.get("organisation"),
        category: f.get("category"),
        summary: f.get("summary"),
        body: f.get("body"),
    };
    let mut out = StoryText::default();
    match text::single_line(&typed.title, "a title", 150) {
        Ok(t) => out.title = t,
        Err(m) => errors.add("title", m),
    }
    match text::single_line(&typed.organisation, "the organisation's name", 150) {
        Ok(t) => out.organisation = t,
        Err(m) => errors.add("organisation", m),
    }
    match story::parse_category(&typed.category) {
        Ok(c) => out.category = c,
        Err(m) => errors.add("category", m),
    }
    match text::optional_multi_line(&typed.summary, "the summary", 400) {
        Ok(t) if t.is_empty() => errors.add(
            "summary",
            "Write a sentence or two for the list of stories and the feed.",
        ),
        Ok(t) => out.summary = t,
        Err(m) => errors.add("summary", m),
    }
    match text::optional_multi_line(&typed.body, "the story", story::MAX_BODY) {
        Ok(t) if t.is_empty() => errors.add("body", "Write the story."),
        Ok(t) => out.body = t,
        Err(m) => errors.add("body", m),
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Box::new((typed, errors)))
    }
}

/// A slug from the title that no other story has ("our-story", "our-story-2", …).
fn free_slug(conn: &mut DbConn, title: &str) -> AppResult<String> {
    let mut base = crate::domain::slug::slugify(title);
    if base.is_empty() {
        base = "story".into();
    }
    base.truncate(80);
    let base = base.trim_end_matches('-').to_string();
    let mut slug = base.clone();
    let mut n = 2;
    while stories::slug_taken(conn, &slug)? {
        slug = format!("{base}-{n}");
        n += 1;
    }
    Ok(slug)
}

/// Saves a new draft; returns its id.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    author: &Author,
    text: &StoryText,
    sponsor_id: Option<i64>,
) -> AppResult<i64> {
    write_tx(conn, |conn| {
        let now = crate::models::now();
        let (sponsor_id, author_sponsor_id, author_user_id, name, email) = match author {
            Author::Sponsor {
                sponsor_id,
                name,
                email,
            } => (
                Some(*sponsor_id),
                Some(*sponsor_id),
                None,
                name.clone(),
                email.clone(),
            ),
            Author::Staff {
                user_id,
                name,
                email,
            } => (
                sponsor_id,
                None,
                Some(*user_id),
                name.clone(),
                email.clone(),
            ),
        };
        if let Some(s) = sponsor_id {
            crate::models::sponsors::find(conn, s)?;
        }
        // Two stories with the same title at once must not both pick the same free slug.
        crate::db::serialize_on(conn, crate::db::lock_keys::STORY_SLUGS)?;
        let slug = free_slug(conn, &text.title)?;
        let id = stories::insert(
            conn,
            &NewStory {
                slug,
                title: text.title.clone(),
                organisation: text.organisation.clone(),
                sponsor_id,
                category: text.category.clone(),
                summary: text.summary.clone(),
                body: text.body.clone(),
                // Described with its picture (the picture form), not with the text.
                image_alt: String::new(),
                status: Status::Draft.as_str().into(),
                author_sponsor_id,
                author_user_id,
                author_name: name,
                author_email: email,
                created_at: now,
                updated_at: now,
            },
        )?;
        audit::record(
            conn,
            actor,
            "story.created",
            Some(("story", &id.to_string())),
            &text.title,
        )?;
        Ok(id)
    })
}

/// Saves changed text. A sponsor (`by_editor` false) may change a draft or a returned story
/// only; an editor may change any, and may link it to a sponsor. `seen` and `seen_at` are
/// the status and last save the form was opened with: if the story changed since, nothing
/// is saved.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    (seen, seen_at): (Status, Option<chrono::NaiveDateTime>),
    text: &StoryText,
    by_editor: bool,
    sponsor_id: Option<i64>,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        if s.status() != seen {
            return Err(moved_on(&s));
        }
        if seen_at.is_some_and(|t| t != s.updated_at) {
            return Err(AppError::Conflict(
                "Someone saved this story after you opened it. Nothing was saved; open it \
                 again to see their changes, then make yours."
                    .into(),
            ));
        }
        if !by_editor && !seen.author_may_edit() {
            return Err(AppError::Conflict(
                "This story is with our editors now, so it cannot be changed. They will \
                 return it to you if anything needs work."
                    .into(),
            ));
        }
        let link = if by_editor {
            if let Some(sid) = sponsor_id {
                crate::models::sponsors::find(conn, sid)?;
            }
            Some(sponsor_id)
        } else {
            None
        };
        if stories::update_text(conn, id, seen, seen_at.unwrap_or(s.updated_at), text, link)? == 0 {
            return Err(moved_on(&stories::find(conn, id)?));
        }
        audit::record(
            conn,
            actor,
            "story.edited",
            Some(("story", &id.to_string())),
            &text.title,
        )?;
        Ok(())
    })
}

fn moved_on(s: &Story) -> AppError {
    AppError::Conflict(format!(
        "Someone changed this story meanwhile: it is {} now. Nothing was saved; open it \
         again to see the latest version.",
        s.status().label().to_lowercase()
    ))
}

/// One move of the workflow, conditional on the status the user saw.
fn mv(
    conn: &mut DbConn,
    s: &Story,
    seen: Status,
    to: Status,
    feedback: Option<&str>,
    publish_on: Option<Option<NaiveDate>>,
) -> AppResult<()> {
    if s.status() != seen {
        return Err(moved_on(s));
    }
    transition(seen, to).map_err(|e| AppError::Conflict(e.to_string()))?;
    if stories::set_status(conn, s.id, seen, to, feedback, publish_on)? == 0 {
        return Err(moved_on(&stories::find(conn, s.id)?));
    }
    Ok(())
}

/// The author sends the story to the editors.
pub fn submit(conn: &mut DbConn, actor: &Actor, id: i64, seen: Status) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        mv(conn, &s, seen, Status::Submitted, None, None)?;
        audit::record(
            conn,
            actor,
            "story.submitted",
            Some(("story", &id.to_string())),
            &s.title,
        )?;
        Ok(())
    })
}

/// The author takes a submitted story back to change it (before an editor acts on it).
pub fn take_back(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        mv(conn, &s, Status::Submitted, Status::Draft, None, None)?;
        audit::record(
            conn,
            actor,
            "story.taken_back",
            Some(("story", &id.to_string())),
            &s.title,
        )?;
        Ok(())
    })
}

/// An editor publishes a submitted story, now or from `publish_on`; the author is told.
pub fn publish(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    publish_on: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<()> {
    story::check_publish_day(publish_on, today).map_err(AppError::BadRequest)?;
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        // "Now" is stored as today, so lists and the feed sort by one date on both backends.
        let day = publish_on.filter(|d| *d > today).unwrap_or(today);
        mv(
            conn,
            &s,
            Status::Submitted,
            Status::Published,
            None,
            Some(Some(day)),
        )?;
        let when = match publish_on.filter(|d| *d > today) {
            Some(d) => format!("from {}", d.format("%-d %B %Y")),
            None => "now".to_string(),
        };
        if let Ok(to) = EmailAddress::parse(&s.author_email) {
            email::enqueue(
                conn,
                &to,
                crate::email::About::Story(id),
                &StoryPublishedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: s.author_name.clone(),
                    title: s.title.clone(),
                    when: when.clone(),
                    scheduled: day > today,
                    link: format!("{}/stories/{}", settings.base_url, s.slug),
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "story.published",
            Some(("story", &id.to_string())),
            &format!("{} (shown {when})", s.title),
        )?;
        Ok(())
    })
}

/// An editor returns a submitted or published story to its author with feedback, which is
/// emailed to the author.
pub fn return_to_author(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    seen: Status,
    feedback: &str,
) -> AppResult<()> {
    let feedback = story::parse_feedback(feedback).map_err(AppError::BadRequest)?;
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        mv(conn, &s, seen, Status::Returned, Some(&feedback), None)?;
        if let Ok(to) = EmailAddress::parse(&s.author_email) {
            let base = settings.base_url.trim_end_matches('/');
            let link = match s.author_sponsor_id {
                // A private link only for someone who is still one of the sponsor's
                // contacts; anyone else is sent to the page where contacts ask for one.
                Some(sid) if contact_of(conn, sid, to.as_str())?.is_some() => {
                    let portal =
                        crate::services::portal::sponsor_link(conn, settings, sid, to.as_str())?;
                    format!("{portal}?next=/portal/stories/{id}")
                }
                Some(_) => format!("{base}/portal/link"),
                None => format!("{base}/staff/stories/{id}"),
            };
            email::enqueue(
                conn,
                &to,
                crate::email::About::Story(id),
                &StoryReturnedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: s.author_name.clone(),
                    title: s.title.clone(),
                    feedback_html: story::render_markdown(&feedback),
                    feedback: feedback.clone(),
                    link,
                    was_published: seen == Status::Published,
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "story.returned",
            Some(("story", &id.to_string())),
            &s.title,
        )?;
        Ok(())
    })
}

/// Sets or clears the picture (the files were checked and stored already); returns the key
/// it replaces. A sponsor may change it only while they may edit the text.
/// Sets (or, with `key` None, removes) a story's picture together with what it shows.
pub fn set_image(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    key: Option<&str>,
    alt: &str,
    by_editor: bool,
) -> AppResult<Option<String>> {
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        if !by_editor && !s.status().author_may_edit() {
            return Err(AppError::Conflict(
                "This story is with our editors now, so its picture cannot be changed.".into(),
            ));
        }
        let allowed: &[Status] = if by_editor {
            &Status::ALL
        } else {
            &[Status::Draft, Status::Returned]
        };
        let Some(old) = stories::set_image(conn, id, key, alt, allowed)? else {
            return Err(moved_on(&stories::find(conn, id)?));
        };
        audit::record(
            conn,
            actor,
            if key.is_some() {
                "story.image_set"
            } else {
                "story.image_removed"
            },
            Some(("story", &id.to_string())),
            &s.title,
        )?;
        Ok(old)
    })
}

/// Changes what a story's picture shows (its text for readers who cannot see it).
pub fn describe_image(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    alt: &str,
    by_editor: bool,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        if !by_editor && !s.status().author_may_edit() {
            return Err(AppError::Conflict(
                "This story is with our editors now, so its picture cannot be changed.".into(),
            ));
        }
        let Some(key) = s.image_key.clone() else {
            return Err(AppError::BadRequest("Choose a picture to upload.".into()));
        };
        let allowed: &[Status] = if by_editor {
            &Status::ALL
        } else {
            &[Status::Draft, Status::Returned]
        };
        if stories::set_image(conn, id, Some(&key), alt, allowed)?.is_none() {
            return Err(moved_on(&stories::find(conn, id)?));
        }
        audit::record(
            conn,
            actor,
            "story.image_described",
            Some(("story", &id.to_string())),
            &s.title,
        )?;
        Ok(())
    })
}

/// Deletes a story that was never published (a draft or a returned one).
pub fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    by_editor: bool,
) -> AppResult<Option<String>> {
    write_tx(conn, |conn| {
        let s = stories::find(conn, id)?;
        let allowed = if by_editor {
            s.status() != Status::Published
        } else {
            s.status().author_may_edit()
        };
        if !allowed {
            return Err(AppError::Conflict(if by_editor {
                "A published story cannot be deleted. Return it to its author first.".into()
            } else {
                "This story is with our editors now, so it cannot be deleted.".into()
            }));
        }
        if stories::delete(conn, id, s.status())? == 0 {
            return Err(moved_on(&stories::find(conn, id)?));
        }
        audit::record(
            conn,
            actor,
            "story.deleted",
            Some(("story", &id.to_string())),
            &s.title,
        )?;
        Ok(s.image_key)
    })
}
