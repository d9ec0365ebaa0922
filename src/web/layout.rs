//! What every page shares: the signed-in user, navigation by role, flash messages, the CSRF
//! token for its forms, and asset URLs.

use actix_web::cookie::Cookie;

use crate::domain::Role;
use crate::web::extract::{
    ConferenceStaff, GrantsAdmin, GrantsMoney, GrantsStaff, OutreachStaff, RoleRule, SiteEditors,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Error,
    Info,
    Warning,
}

impl FlashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Error => "error",
            FlashKind::Info => "info",
            FlashKind::Warning => "warning",
        }
    }
    fn parse(s: &str) -> FlashKind {
        match s {
            "success" => FlashKind::Success,
            "error" => FlashKind::Error,
            "warning" => FlashKind::Warning,
            _ => FlashKind::Info,
        }
    }
}

/// A one-time message shown on the next page.
#[derive(Clone, Debug)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

/// The cookie carrying a flash message to the next page.
pub fn flash_cookie(kind: FlashKind, message: &str) -> Cookie<'static> {
    let value = format!("{}:{}", kind.as_str(), message);
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    Cookie::build(super::middleware::FLASH_COOKIE, encoded)
        .path("/")
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish()
}

/// Reads a flash cookie's value (text from the browser: it is escaped when shown).
pub fn parse_flash(raw: &str) -> Option<Flash> {
    let decoded: String = url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let (kind, message) = decoded.split_once(':')?;
    let message: String = message.chars().take(500).collect();
    if message.trim().is_empty() {
        return None;
    }
    Some(Flash {
        kind: FlashKind::parse(kind),
        message,
    })
}

/// The signed-in user as pages show them.
#[derive(Clone, Debug)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
}

impl UserView {
    pub fn has(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }
    /// Reviews or decides grant applications.
    pub fn grants_reviews(&self) -> bool {
        GrantsStaff::allows(&self.roles)
    }
    /// Sees grant budgets and payments: the routes' own rule, so the grants sub-navigation
    /// offers exactly the pages that open.
    pub fn grants_money(&self) -> bool {
        GrantsMoney::allows(&self.roles)
    }
    /// Opens sponsorship pages (the routes' own rule), so other pages link them only then.
    pub fn sponsorships(&self) -> bool {
        crate::web::extract::SponsorshipsStaff::allows(&self.roles)
    }
    /// Sets up grant programmes and settings (the routes' own rule too).
    pub fn grants_setup(&self) -> bool {
        GrantsAdmin::allows(&self.roles)
    }
}

#[derive(Clone, Debug)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// The data of `base.html`.
#[derive(Clone, Debug)]
pub struct Layout {
    pub title: String,
    pub foundation: String,
    pub user: Option<UserView>,
    pub nav: Vec<NavItem>,
    pub flashes: Vec<Flash>,
    pub csrf: String,
    pub css_url: String,
    pub js_url: String,
    pub favicon_url: String,
    /// A sponsor portal page: the header shows the portal's navigation (`nav`) instead of
    /// the staff or public one.
    pub portal: bool,
    /// A grant applicant's page: the header offers to leave the applicant portal.
    pub grant_portal: bool,
    /// A public page's own address (for link previews); empty on private pages, which then
    /// carry no description or preview tags.
    pub page_url: String,
    /// What a public page says about itself to search engines and link previews.
    pub description: String,
}

impl Layout {
    /// Whether the signed-in user may open sponsorship pages (links to them show only then).
    pub fn may_open_sponsorships(&self) -> bool {
        self.user.as_ref().is_some_and(UserView::sponsorships)
    }

    /// Whether the signed-in user may change the public website's text (admins and editors).
    pub fn may_edit_site(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| SiteEditors::allows(&u.roles))
    }

    /// A page without user or navigation (error pages).
    pub fn bare(title: &str, foundation: &str) -> Layout {
        Layout {
            title: title.to_string(),
            foundation: foundation.to_string(),
            user: None,
            nav: Vec::new(),
            flashes: Vec::new(),
            csrf: String::new(),
            css_url: super::assets::url("css/steward.css"),
            js_url: super::assets::url("js/steward.js"),
            favicon_url: super::assets::url("img/favicon.svg"),
            portal: false,
            grant_portal: false,
            page_url: String::new(),
            description: String::new(),
        }
    }

    /// Marks a page as public when `path` is: its address (from the configured base URL) and
    /// the foundation's default description go into the head for search engines and link
    /// previews. Staff pages, portals and one-time links stay without.
    pub fn public_at(mut self, base_url: &str, path: &str) -> Layout {
        const PRIVATE: &[&str] = &[
            "/staff",
            "/portal",
            "/grants/portal",
            "/setup",
            "/account",
            "/usage",
        ];
        if !PRIVATE
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
        {
            self.page_url = format!("{}{path}", base_url.trim_end_matches('/'));
            self.description = crate::services::site::default_description(&self.foundation);
        }
        self
    }

    /// A public page's own description (instead of the foundation's default).
    pub fn described(mut self, description: &str) -> Layout {
        if !self.page_url.is_empty() && !description.trim().is_empty() {
            self.description = description.trim().to_string();
        }
        self
    }

    /// Navigation of the sponsor portal; `current` is the href of the active section.
    pub fn portal_nav(current: &str) -> Vec<NavItem> {
        [
            ("Overview", "/portal"),
            ("Invoices", "/portal/invoices"),
            ("What we need", "/portal/assets"),
            ("Your organisation", "/portal/profile"),
            ("Stories", "/portal/stories"),
            ("Impact", "/portal/impact"),
        ]
        .into_iter()
        .map(|(label, href)| NavItem {
            label,
            href,
            current: href == current,
        })
        .collect()
    }

    /// Turns a page into an applicant portal page (header without staff or sponsor navigation).
    pub fn for_grant_portal(mut self) -> Layout {
        self.grant_portal = true;
        self.nav = Vec::new();
        self
    }

    /// Navigation for a user's roles; `current` is the href of the active section.
    pub fn nav_for(user: &UserView, current: &str) -> Vec<NavItem> {
        let mut items: Vec<(&'static str, &'static str)> = vec![("Dashboard", "/staff")];
        if user.has(Role::Sponsorships) {
            items.push(("Applications", "/staff/applications"));
            items.push(("Sponsors", "/staff/sponsors"));
            items.push(("Sponsorships", "/staff/sponsorships"));
            items.push(("Tiers", "/staff/programmes"));
        }
        if OutreachStaff::allows(&user.roles) {
            items.push(("Prospects", "/staff/prospects"));
        }
        if user.has(Role::Sponsorships) || user.has(Role::Treasurer) {
            items.push(("Invoices", "/staff/invoices"));
        }
        if user.has(Role::Sponsorships) || user.has(Role::Editor) {
            items.push(("Placements", "/staff/placements"));
        }
        if user.has(Role::Editor) {
            items.push(("Stories", "/staff/stories"));
        }
        if user.has(Role::GrantsReviewer)
            || user.has(Role::GrantsDecider)
            || user.has(Role::Treasurer)
        {
            items.push(("Grants", "/staff/grants"));
        }
        if ConferenceStaff::allows(&user.roles) {
            items.push(("Conferences", "/staff/conferences"));
        }
        if SiteEditors::allows(&user.roles) {
            items.push(("Website", "/staff/settings/site"));
        }
        if user.has(Role::Admin) {
            items.push(("Staff", "/staff/users"));
            items.push(("Email outbox", "/staff/outbox"));
            items.push(("Audit log", "/staff/audit"));
        }
        items
            .into_iter()
            .map(|(label, href)| NavItem {
                label,
                href,
                current: href == current,
            })
            .collect()
    }
}
