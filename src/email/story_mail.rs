//! Emails of the success-story workflow, to the story's author. Links use the configured base
//! URL; the editor's feedback is Markdown, sanitised like a story before it goes in the HTML.

use super::email_templates;

/// An editor returned a story with feedback.
pub struct StoryReturnedEmail {
    pub foundation: String,
    pub name: String,
    pub title: String,
    /// As the editor typed it (the text part).
    pub feedback: String,
    /// Rendered and sanitised (the HTML part's only unescaped value).
    pub feedback_html: String,
    pub link: String,
    /// The story was live and has been taken down.
    pub was_published: bool,
}
email_templates!(
    StoryReturnedEmail,
    "story_returned",
    "emails/story_returned/subject.txt",
    "emails/story_returned/body.txt",
    "emails/story_returned/body.html"
);

/// An editor published a story (now, or from a day to come).
pub struct StoryPublishedEmail {
    pub foundation: String,
    pub name: String,
    pub title: String,
    /// "now" or "from 3 March 2027".
    pub when: String,
    /// Shown from a day to come: the link works from then.
    pub scheduled: bool,
    pub link: String,
}
email_templates!(
    StoryPublishedEmail,
    "story_published",
    "emails/story_published/subject.txt",
    "emails/story_published/body.txt",
    "emails/story_published/body.html"
);
