//! Staff roles. A user may hold several.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Sponsorships,
    GrantsReviewer,
    GrantsDecider,
    Treasurer,
    Editor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Sponsorships,
        Role::GrantsReviewer,
        Role::GrantsDecider,
        Role::Treasurer,
        Role::Editor,
    ];

    /// The value stored in the database and used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Sponsorships => "sponsorships",
            Role::GrantsReviewer => "grants_reviewer",
            Role::GrantsDecider => "grants_decider",
            Role::Treasurer => "treasurer",
            Role::Editor => "editor",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Sponsorships => "Sponsorships",
            Role::GrantsReviewer => "Grants reviewer",
            Role::GrantsDecider => "Grants decider",
            Role::Treasurer => "Treasurer",
            Role::Editor => "Editor",
        }
    }

    /// What the role lets someone do, for the user form.
    pub fn description(self) -> &'static str {
        match self {
            Role::Admin => "Manages staff accounts, settings, the email outbox and the audit log.",
            Role::Sponsorships => "Manages sponsors, tiers, sponsorships and placements.",
            Role::GrantsReviewer => "Reviews grant applications and votes on them.",
            Role::GrantsDecider => "Decides grant applications against the budget.",
            Role::Treasurer => "Records payments and manages conference budgets.",
            Role::Editor => "Edits success stories and thank-you placements.",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a role"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().expect("parse"), r);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
