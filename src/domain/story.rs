//! Success stories: their workflow (one table of allowed moves), their categories, and
//! Markdown turned into HTML that is safe to show anywhere (page, feed, email).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Submitted,
    Published,
    Returned,
}

use Status::*;

/// Every allowed move. Anything not here is refused with `IllegalMove`.
pub const TRANSITIONS: &[(Status, Status)] = &[
    // The author sends a draft, or a returned story after working on the feedback.
    (Draft, Submitted),
    (Returned, Submitted),
    // The author takes a submitted story back to change it before an editor has acted.
    (Submitted, Draft),
    // An editor publishes a submitted story, or returns it with feedback.
    (Submitted, Published),
    (Submitted, Returned),
    // An editor takes a published story down again; it goes back to its author as returned.
    (Published, Returned),
];

/// A move the table does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A story that is {} cannot become {}.", from.label().to_lowercase(), to.label().to_lowercase())]
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

impl Status {
    pub const ALL: [Status; 4] = [Draft, Submitted, Returned, Published];

    pub fn as_str(self) -> &'static str {
        match self {
            Draft => "draft",
            Submitted => "submitted",
            Published => "published",
            Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Draft => "Draft",
            Submitted => "Submitted",
            Published => "Published",
            Returned => "Returned",
        }
    }

    /// The badge class for lists.
    pub fn badge(self) -> &'static str {
        match self {
            Draft => "badge-neutral",
            Submitted => "badge-info",
            Published => "badge-success",
            Returned => "badge-warning",
        }
    }

    /// The author may still change the text (a sponsor cannot edit what waits for review
    /// or is live; editors can edit in every state).
    pub fn author_may_edit(self) -> bool {
        matches!(self, Draft | Returned)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown story status {s:?}"))
    }
}

/// The categories a story can be filed under: (key, label). Keys are stored and used in
/// the public filter's URL.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("web", "Web and services"),
    ("science", "Science and research"),
    ("data", "Data and machine learning"),
    ("education", "Education"),
    ("infrastructure", "Infrastructure and operations"),
    ("embedded", "Embedded and devices"),
    ("public-sector", "Government and public sector"),
    ("community", "Community and open source"),
    ("other", "Other"),
];

/// The label of a category key ("Other" for a key no longer in the list).
pub fn category_label(key: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("Other")
}

/// A category key from a form, or the sentence for the field.
pub fn parse_category(input: &str) -> Result<String, String> {
    let key = input.trim();
    if key.is_empty() {
        return Err("Choose the category that fits the story best.".into());
    }
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(k, _)| k.to_string())
        .ok_or_else(|| "Choose one of the categories in the list.".into())
}

/// An editor's feedback to the author, or the sentence for the field.
pub fn parse_feedback(input: &str) -> Result<String, String> {
    let text = input.replace("\r\n", "\n").trim().to_string();
    if text.is_empty() {
        return Err("Write what the author should change: it is sent to them.".into());
    }
    if text.chars().count() > 5000 {
        return Err("The feedback must be at most 5,000 characters.".into());
    }
    Ok(text)
}

/// The day a story is shown from: None for "now"; a day that has passed is refused.
pub fn check_publish_day(day: Option<NaiveDate>, today: NaiveDate) -> Result<(), String> {
    match day {
        Some(d) if d < today => {
            Err("That day has passed. Leave the field empty to publish now.".into())
        }
        _ => Ok(()),
    }
}

/// The publication-day field as typed: empty for "now", else a day to come.
pub fn parse_publish_day(input: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    let day = super::dates::parse_date(input, "the publication day")?;
    check_publish_day(Some(day), today)?;
    Ok(Some(day))
}

/// Longest body accepted, in characters.
pub const MAX_BODY: usize = 40_000;

/// Markdown to HTML that is safe in a page, an Atom feed and an email.
///
/// Two layers. First, raw HTML in the Markdown is turned into text, so `<script>` shows as
/// what the author typed instead of being run or silently dropped. Then the rendered HTML
/// goes through ammonia with a short allow-list: no images (a story's picture is the checked
/// upload; a remote image would track readers), links only to http, https and mailto
/// (no `javascript:`, `data:` or relative tricks), and every link marked `nofollow noopener
/// noreferrer`.
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        // A block of raw HTML becomes a paragraph of its text, so it sits apart from what
        // follows as it did in the editor; its lines and inline HTML become text.
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        // The page's title is the only h1; deeper levels than h4 read as h4.
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: heading_level(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(heading_level(level))),
        other => other,
    });
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, parser);
    sanitiser().clean(&unsafe_html).to_string()
}

/// The only elements a rendered story may contain.
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Story headings start at h2 (the page title is h1) and stop at h4.
fn heading_level(level: pulldown_cmark::HeadingLevel) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel::*;
    match level {
        H1 | H2 => H2,
        H3 => H3,
        H4 | H5 | H6 => H4,
    }
}

fn sanitiser() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.add_tags(ALLOWED_TAGS)
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        // Whatever is inside a removed script or style element goes with it.
        .clean_content_tags(["script", "style"].into_iter().collect());
    b
}

/// Walks HTML made by [`render_markdown`]: every tag must be on the allow-list, every
/// attribute one we allow, every link http, https or mailto. Text may mention `<script>`
/// escaped, or the word "javascript:", which is harmless as text. For tests (unit and
/// integration) that check what reaches pages, feeds and emails.
pub fn check_inert(html: &str) -> Result<(), String> {
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let end = after
            .find('>')
            .ok_or_else(|| format!("unclosed tag in {html}"))?;
        let tag = after[..end].trim_start_matches('/').trim_end_matches('/');
        let mut parts = tag.splitn(2, ' ');
        let name = parts.next().unwrap_or_default().to_lowercase();
        if !ALLOWED_TAGS.contains(&name.as_str()) {
            return Err(format!("<{name}> survived in {html}"));
        }
        let mut attrs = parts.next().unwrap_or_default();
        while let Some(eq) = attrs.find("=\"") {
            let attr = attrs[..eq].trim();
            let value_end = attrs[eq + 2..]
                .find('"')
                .ok_or_else(|| format!("unquoted attribute in {html}"))?;
            let value = &attrs[eq + 2..eq + 2 + value_end];
            if !["href", "rel", "start", "align"].contains(&attr) {
                return Err(format!("attribute {attr} survived in {html}"));
            }
            if attr == "href"
                && !["http://", "https://", "mailto:"]
                    .iter()
                    .any(|p| value.starts_with(p))
            {
                return Err(format!("link {value} survived in {html}"));
            }
            attrs = &attrs[eq + 2 + value_end + 1..];
        }
        if !attrs.trim().is_empty() {
            return Err(format!(
                "attribute {attrs} without a quoted value in {html}"
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_table_moves() {
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(
                    transition(from, to).is_ok(),
                    TRANSITIONS.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
        assert!(transition(Draft, Published).is_err());
        assert!(transition(Returned, Published).is_err());
        assert!(transition(Published, Submitted).is_err());
        assert_eq!(
            transition(Draft, Published).unwrap_err().to_string(),
            "A story that is draft cannot become published."
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
        assert!("live".parse::<Status>().is_err());
    }

    #[test]
    fn feedback_and_publication_days_parse() {
        assert_eq!(
            parse_feedback("  Add a photo.\r\nThanks "),
            Ok("Add a photo.\nThanks".into())
        );
        assert!(parse_feedback(" \n ").is_err());
        assert!(parse_feedback(&"x".repeat(5001)).is_err());
        let today = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        assert_eq!(parse_publish_day("", today), Ok(None));
        assert_eq!(parse_publish_day("2027-03-10", today), Ok(Some(today)));
        assert!(parse_publish_day("2027-03-09", today).is_err());
        assert!(parse_publish_day("2027-02-30", today).is_err());
        assert!(parse_publish_day("tomorrow", today).is_err());
    }

    #[test]
    fn categories_parse() {
        assert_eq!(parse_category(" science "), Ok("science".into()));
        assert!(parse_category("").is_err());
        assert!(parse_category("<script>").is_err());
        assert_eq!(category_label("gone"), "Other");
    }

    #[test]
    fn markdown_renders_the_usual_things() {
        let html = render_markdown(
            "## How we use it\n\nWe **run** [our site](https://example.org) on it.\n\n- one\n- two\n\n`code`",
        );
        assert!(html.contains("<h2>How we use it</h2>"), "{html}");
        assert!(html.contains("<strong>run</strong>"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://example.org\" rel=\"nofollow noopener noreferrer\">our site</a>"
            ),
            "{html}"
        );
        assert!(html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(render_markdown("mail [us](mailto:a@example.org)").contains("href=\"mailto:"));
        assert_eq!(render_markdown("# Top").trim(), "<h2>Top</h2>");
        assert_eq!(render_markdown("###### Deep").trim(), "<h4>Deep</h4>");
    }

    /// Each of these must come out with no element, attribute or URL that can run script
    /// or load anything.
    pub const HOSTILE: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "![x](https://tracker.example/p.gif)",
        "![x](x\" onerror=\"alert(1))",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        "[click](//evil.example/)",
        "[click](/relative)",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<<script>script>alert(1)<</script>/script>",
        "<scr<script>ipt>alert(1)</script>",
        "<div onmouseover=\"alert(1)\">hover</div>",
        "<style>body{display:none}</style>",
        "[x]: javascript:alert(1)\n\n[link][x]",
        "<https://ok.example> <javascript:alert(1)>",
        "<a href='x' style='x'>a</a><form action=https://evil.example><input></form>",
        "`<script>` and ```\n<script>alert(1)</script>\n```",
        "<details open ontoggle=alert(1)>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    ];

    #[test]
    fn the_checker_catches_what_it_should() {
        assert!(
            check_inert("<p>ok <a href=\"https://x.example\" rel=\"nofollow\">x</a></p>").is_ok()
        );
        assert!(check_inert("<img src=\"x\">").is_err());
        assert!(check_inert("<a href=\"javascript:alert(1)\">x</a>").is_err());
        assert!(check_inert("<p onclick=\"x\">x</p>").is_err());
        assert!(check_inert("<p hidden>x</p>").is_err());
    }

    #[test]
    fn hostile_markdown_is_inert() {
        for input in HOSTILE {
            let html = render_markdown(input);
            assert_eq!(check_inert(&html), Ok(()));
        }
        // Raw HTML shows as the text the author typed, a block of it as its own paragraph.
        assert!(render_markdown("<b>hi</b>").contains("&lt;b&gt;hi&lt;/b&gt;"));
        assert_eq!(
            render_markdown("<div>x</div>\n\nnext"),
            "<p>&lt;div&gt;x&lt;/div&gt;\n</p>\n<p>next</p>\n"
        );
        assert_eq!(
            render_markdown("<div>\nx\n</div>"),
            "<p>&lt;div&gt;\nx\n&lt;/div&gt;</p>\n"
        );
        // A safe link next to a hostile one survives.
        let html = render_markdown("<https://ok.example> <javascript:alert(1)>");
        assert!(html.contains("href=\"https://ok.example\""), "{html}");
    }
}
