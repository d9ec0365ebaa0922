//! Recognising an organisation we already know, by its name or its web domain. The sponsor
//! application uses it to refuse a second record of a sponsor; the usage import uses the same
//! rules to match each row to a sponsor.
//!
//! A name matches when its slug, its folded form (case and accents ignored) or its key
//! (legal suffixes such as "Inc." and "GmbH" ignored) is a known organisation's. A domain
//! matches the host of a known organisation's website, without "www.".

use std::collections::HashMap;

use super::slug::{fold, organisation_key, slugify};

/// A known organisation, as the matcher needs it.
#[derive(Clone, Debug)]
pub struct Identity {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub website: String,
}

/// What a name and a domain match among the known organisations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    None,
    One(i64),
    /// More than one organisation: a person has to say which (ids in ascending order).
    Several(Vec<i64>),
}

/// The web host of an address or a bare domain, lower case, without "www." (None when there
/// is no host in it).
pub fn host_of(website: &str) -> Option<String> {
    let w = website.trim();
    if w.is_empty() {
        return None;
    }
    let with_scheme = if w.contains("://") {
        w.to_string()
    } else {
        format!("https://{w}")
    };
    let u = url::Url::parse(&with_scheme).ok()?;
    let h = u.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    let h = h.strip_prefix("www.").unwrap_or(&h).to_string();
    (!h.is_empty()).then_some(h)
}

/// The name keys a name is known by (empty keys left out).
fn name_keys(name: &str) -> Vec<String> {
    let mut keys = vec![
        format!("s:{}", slugify(name)),
        format!("f:{}", fold(name.trim())),
        format!("k:{}", organisation_key(name)),
    ];
    keys.retain(|k| k.len() > 2);
    keys
}

/// Every known organisation by each of its name keys and by its host, for lookups in memory
/// (built once per application or import, not once per row).
#[derive(Default)]
pub struct Matcher {
    by_name: HashMap<String, Vec<i64>>,
    by_host: HashMap<String, Vec<i64>>,
}

impl Matcher {
    pub fn new(known: impl IntoIterator<Item = Identity>) -> Matcher {
        let mut m = Matcher::default();
        for o in known {
            // As the application compared them: a new name's slug against the stored slug
            // (not the known name's slug), folded names, and organisation keys.
            let mut keys: Vec<String> = name_keys(&o.name)
                .into_iter()
                .filter(|k| !k.starts_with("s:"))
                .collect();
            if !o.slug.is_empty() {
                keys.push(format!("s:{}", o.slug));
            }
            for k in keys {
                let ids = m.by_name.entry(k).or_default();
                if !ids.contains(&o.id) {
                    ids.push(o.id);
                }
            }
            if let Some(h) = host_of(&o.website) {
                let ids = m.by_host.entry(h).or_default();
                if !ids.contains(&o.id) {
                    ids.push(o.id);
                }
            }
        }
        m
    }

    /// The organisations known by this name.
    pub fn by_name(&self, name: &str) -> Vec<i64> {
        let mut ids: Vec<i64> = name_keys(name)
            .iter()
            .filter_map(|k| self.by_name.get(k))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The organisations whose website is on this domain.
    pub fn by_domain(&self, domain: &str) -> Vec<i64> {
        let mut ids = host_of(domain)
            .and_then(|h| self.by_host.get(&h))
            .cloned()
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    /// What a name and a domain point to together: one organisation, several, or none.
    pub fn find(&self, name: &str, domain: &str) -> Match {
        let mut ids = self.by_name(name);
        ids.extend(self.by_domain(domain));
        ids.sort_unstable();
        ids.dedup();
        match ids.as_slice() {
            [] => Match::None,
            [one] => Match::One(*one),
            _ => Match::Several(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Matcher {
        Matcher::new([
            Identity {
                id: 1,
                name: "Acme Software Inc.".into(),
                slug: "acme-software".into(),
                website: "https://www.acme.example/about".into(),
            },
            Identity {
                id: 2,
                name: "Société Générale des Logiciels".into(),
                slug: "sgl".into(),
                website: "http://sgl.example".into(),
            },
            Identity {
                id: 3,
                name: "Beta Labs".into(),
                slug: "beta-labs".into(),
                website: "https://acme.example".into(),
            },
        ])
    }

    #[test]
    fn names_match_whatever_their_case_accents_or_legal_suffix() {
        let m = known();
        assert_eq!(m.by_name("ACME SOFTWARE"), vec![1]);
        assert_eq!(m.by_name("Acme Software, Inc"), vec![1]);
        assert_eq!(m.by_name("societe generale des logiciels"), vec![2]);
        assert_eq!(m.by_name("sgl"), vec![2], "the short name (slug)");
        assert!(m.by_name("Acme").is_empty());
        assert!(m.by_name("   ").is_empty());
    }

    #[test]
    fn domains_match_the_websites_host_without_www() {
        assert_eq!(
            host_of("https://WWW.Acme.example/x?y"),
            Some("acme.example".into())
        );
        assert_eq!(host_of("acme.example"), Some("acme.example".into()));
        assert_eq!(
            host_of("sub.acme.example."),
            Some("sub.acme.example".into())
        );
        assert_eq!(host_of(""), None);
        assert_eq!(host_of("not a domain"), None);
        let m = known();
        assert_eq!(m.by_domain("sgl.example"), vec![2]);
        assert!(
            m.by_domain("sub.sgl.example").is_empty(),
            "a sub-domain is not the host"
        );
    }

    #[test]
    fn a_name_and_a_domain_together_find_one_several_or_none() {
        let m = known();
        assert_eq!(m.find("SGL", "sgl.example"), Match::One(2));
        assert_eq!(m.find("Unknown Org", "sgl.example"), Match::One(2));
        // Two sponsors on one domain, or a name and a domain that disagree: ask a person.
        assert_eq!(
            m.find("Unknown Org", "www.acme.example"),
            Match::Several(vec![1, 3])
        );
        assert_eq!(
            m.find("Beta Labs", "sgl.example"),
            Match::Several(vec![2, 3])
        );
        assert_eq!(m.find("Nobody", ""), Match::None);
    }
}
