//! What the public sees of sponsorship: the logo wall by tier in a fair daily order, sponsor
//! profiles, the thank-you page (with in-kind donors) and the jobs fair. Read-only; every
//! function takes `today`, so the visibility rule and the daily order are testable.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use crate::db::DbConn;
use crate::domain::sponsorship::Status;
use crate::error::{AppError, AppResult};
use crate::models::jobs;
use crate::models::programmes::{self, Programme};
use crate::models::sponsors::{self, Sponsor};
use crate::models::sponsorships::{self, Row};
use crate::models::tiers::{self, TierRank};

/// One sponsor on the wall or in a list of names.
#[derive(Clone, Debug)]
pub struct WallSponsor {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub tagline: String,
    /// The approved logo at the size this tier shows, if there is one.
    pub logo_url: Option<String>,
}

/// A tier with the sponsors visible in it today, in today's fair order.
#[derive(Clone, Debug)]
pub struct TierGroup {
    pub tier_id: i64,
    pub name: String,
    pub slug: String,
    /// One of xl, l, m, s, xs (the CSS size class).
    pub logo_size: String,
    pub programme: String,
    /// Another visible tier has the same name (two programmes): say which programme this is.
    pub show_programme: bool,
    /// The sponsors shown here (the first of today's fair order, or one page of the tier).
    pub sponsors: Vec<WallSponsor>,
    /// How many sponsors the tier has today in all.
    pub total: usize,
}

impl TierGroup {
    /// How many sponsors the tier has, for people ("6,100").
    pub fn total_label(&self) -> String {
        crate::domain::text::thousands(self.total as i64)
    }
    /// A stable id for the heading (`tier-gold`, `tier-gold-12` when names repeat).
    pub fn anchor(&self) -> String {
        if self.show_programme {
            format!("tier-{}-{}", self.slug, self.tier_id)
        } else {
            format!("tier-{}", self.slug)
        }
    }
}

/// A sponsor's public profile.
#[derive(Clone, Debug)]
pub struct Profile {
    pub sponsor: Sponsor,
    /// The tiers it is visible in today, best first.
    pub tiers: Vec<TierBadge>,
    pub logo_url: Option<String>,
    /// The description as paragraphs of lines (plain text; the template escapes it).
    pub paragraphs: Vec<Vec<String>>,
    /// The website, when it is an http(s) address (it is validated on input; this is a
    /// second line of defence so that no other scheme ever becomes a link).
    pub website: Option<String>,
    pub in_kind: Option<InKind>,
    pub topics: Vec<String>,
    /// Its current job listings (only while it has an active sponsorship).
    pub jobs: Vec<JobView>,
    /// Its published success stories.
    pub stories: Vec<crate::models::stories::Story>,
}

/// A tier a sponsor is shown in, for its profile.
#[derive(Clone, Debug)]
pub struct TierBadge {
    pub name: String,
    pub programme: String,
}

/// What a donor gives in kind, and its estimated value a month.
#[derive(Clone, Debug)]
pub struct InKind {
    pub what: String,
    /// "$4,000.00", when an estimate is recorded.
    pub monthly_value: Option<String>,
}

/// An in-kind donor on the thank-you page.
#[derive(Clone, Debug)]
pub struct InKindDonor {
    pub name: String,
    /// Set when the donor is also a visible sponsor (its profile exists).
    pub slug: Option<String>,
    pub in_kind: InKind,
}

/// The thank-you page.
#[derive(Clone, Debug)]
pub struct Thanks {
    pub tiers: Vec<TierGroup>,
    pub in_kind: Vec<InKindDonor>,
}

impl Thanks {
    /// Nobody to thank (the page shows its empty state).
    pub fn is_empty(&self) -> bool {
        self.tiers.is_empty() && self.in_kind.is_empty()
    }
}

/// A job listing as the public sees it.
#[derive(Clone, Debug)]
pub struct JobView {
    pub title: String,
    pub location: String,
    pub remote: bool,
    /// The listing's address, when it is an http(s) address.
    pub url: Option<String>,
    pub expires_on: NaiveDate,
}

/// One sponsor's current listings.
#[derive(Clone, Debug)]
pub struct JobGroup {
    pub sponsor_name: String,
    pub sponsor_slug: String,
    pub jobs: Vec<JobView>,
}

/// A level a new sponsor could choose, for the "become a sponsor" section.
#[derive(Clone, Debug)]
pub struct Level {
    pub name: String,
    pub programme: String,
    pub price: String,
    pub description: String,
}

/// Sponsors a tier shows on the wall and the thank-you page. A busy tier's other sponsors
/// are on its own page (`/sponsors/level/{tier}`), so the wall stays a page a visitor can
/// take in (and a fixed amount of work) whatever the number of sponsors; the daily fair order
/// gives each of them their turn at the top.
pub const WALL_PER_TIER: usize = 60;
/// The home page shows the sponsors of this many tiers (the highest), at most
/// `HOME_PER_TIER` each, and the newest `HOME_STORIES` stories.
pub const HOME_TIERS: usize = 2;
pub const HOME_PER_TIER: usize = 12;
pub const HOME_STORIES: i64 = 3;

/// What the home page shows besides its frame.
#[derive(Clone, Debug)]
pub struct Home {
    pub site: crate::services::site::SiteText,
    /// The highest tiers with sponsors today, each with its first sponsors in today's order.
    pub groups: Vec<TierGroup>,
    /// Sponsors visible today in all tiers.
    pub sponsors: usize,
    pub stories: Vec<crate::models::stories::Story>,
    pub programmes: Vec<crate::models::grant_programmes::GrantProgramme>,
    /// Whether any level is open to apply for (else the page does not offer to).
    pub may_apply: bool,
}

/// The home page's content: a handful of bounded queries whatever the size of the data.
pub fn home(conn: &mut DbConn, today: NaiveDate) -> AppResult<Home> {
    // Each tier's first sponsors of the day only (the wall's 60 would be read to be dropped).
    let (mut groups, _) = wall(conn, today, None, 0, HOME_PER_TIER)?;
    let sponsors = groups.iter().map(|g| g.total).sum();
    groups.truncate(HOME_TIERS);
    let (stories, _) = crate::models::stories::public_page(conn, today, None, 0, HOME_STORIES)?;
    Ok(Home {
        site: crate::services::site::load(conn)?,
        groups,
        sponsors,
        stories,
        programmes: crate::models::grant_programmes::open(conn)?,
        may_apply: !sponsor_levels(conn, today)?.is_empty(),
    })
}

/// The logo wall: visible sponsorships grouped by tier (display order, then price, highest
/// first), one entry per sponsor per tier, each tier in today's fair order and cut to its
/// first [`WALL_PER_TIER`].
pub fn sponsor_wall(conn: &mut DbConn, today: NaiveDate) -> AppResult<Vec<TierGroup>> {
    Ok(wall(conn, today, None, 0, WALL_PER_TIER)?.0)
}

/// One page of a tier's sponsors in today's fair order (None when the tier shows nobody).
pub fn tier_page(
    conn: &mut DbConn,
    today: NaiveDate,
    tier_id: i64,
    offset: usize,
    limit: usize,
) -> AppResult<Option<TierGroup>> {
    Ok(wall(conn, today, Some(tier_id), offset, limit)?.0.pop())
}

/// The wall's tiers (all, or one) with `limit` sponsors each from `offset`, and every
/// sponsor visible today. Reads the visible (tier, sponsor) pairs without their text, orders
/// them, then reads only the sponsors shown.
fn wall(
    conn: &mut DbConn,
    today: NaiveDate,
    only_tier: Option<i64>,
    offset: usize,
    limit: usize,
) -> AppResult<(Vec<TierGroup>, HashSet<i64>)> {
    let pairs = sponsorships::visible_pairs(conn, today, None)?;
    let visible: HashSet<i64> = pairs.iter().map(|p| p.1).collect();
    let mut by_tier: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut seen: HashSet<(i64, i64)> = HashSet::new();
    for (tier, sponsor) in pairs {
        if seen.insert((tier, sponsor)) {
            by_tier.entry(tier).or_default().push(sponsor);
        }
    }
    let tiers: HashMap<i64, tiers::Tier> = tiers::all(conn)?
        .into_iter()
        .filter(|t| by_tier.contains_key(&t.id))
        .map(|t| (t.id, t))
        .collect();
    let mut names: HashMap<String, usize> = HashMap::new();
    for t in tiers.values() {
        *names.entry(t.name.to_lowercase()).or_default() += 1;
    }
    let mut order: Vec<&tiers::Tier> = tiers
        .values()
        .filter(|t| only_tier.is_none_or(|id| id == t.id))
        .collect();
    order.sort_by_key(|t| t.rank());
    let mut shown: Vec<(&tiers::Tier, Vec<i64>, usize)> = Vec::new();
    for t in order {
        let mut ids = by_tier.remove(&t.id).unwrap_or_default();
        fair_order(&mut ids, |id| *id, today);
        let total = ids.len();
        let page: Vec<i64> = ids.into_iter().skip(offset).take(limit).collect();
        shown.push((t, page, total));
    }
    let ids: Vec<i64> = shown.iter().flat_map(|s| s.1.iter().copied()).collect();
    let sponsors = sponsors::find_many(conn, &ids)?;
    let programmes = programme_names(conn)?;
    let groups = shown
        .into_iter()
        .map(|(tier, page, total)| {
            let size = logo_size_class(&tier.logo_size);
            TierGroup {
                tier_id: tier.id,
                name: tier.name.clone(),
                slug: tier.slug.clone(),
                logo_size: size.to_string(),
                programme: programmes
                    .get(&tier.programme_id)
                    .map(Programme::title)
                    .unwrap_or_default(),
                show_programme: names.get(&tier.name.to_lowercase()).copied().unwrap_or(0) > 1,
                sponsors: page
                    .iter()
                    .filter_map(|id| sponsors.get(id))
                    .map(|s| WallSponsor {
                        id: s.id,
                        logo_url: s.logo_url(logo_variant(size)),
                        name: s.name.clone(),
                        slug: s.slug.clone(),
                        tagline: s.tagline.clone(),
                    })
                    .collect(),
                total,
            }
        })
        .collect();
    Ok((groups, visible))
}

/// The profile of a sponsor visible today; NotFound for unknown slugs and for sponsors that
/// are not visible (unpaid, refused, ended, not started), so nothing leaks before staff say.
pub fn profile(conn: &mut DbConn, slug: &str, today: NaiveDate) -> AppResult<Profile> {
    let sponsor = sponsors::find_by_slug(conn, slug)?.ok_or(AppError::NotFound)?;
    let mut rows: Vec<Row> = sponsorships::candidates_for_public_of(conn, today, sponsor.id)?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let programmes = programme_names(conn)?;
    rows.sort_by_key(|r| r.tier.rank());
    let mut seen = HashSet::new();
    let tiers = rows
        .iter()
        .filter(|r| seen.insert(r.tier.id))
        .map(|r| TierBadge {
            name: r.tier.name.clone(),
            programme: programmes
                .get(&r.tier.programme_id)
                .map(Programme::title)
                .unwrap_or_default(),
        })
        .collect();
    let has_active = rows
        .iter()
        .any(|r| r.sponsorship.status() == Status::Active);
    let jobs = if has_active {
        jobs::current_of(conn, today, sponsor.id)?
            .into_iter()
            .map(job_view)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Profile {
        logo_url: sponsor.logo_url("l"),
        paragraphs: paragraphs(&sponsor.description),
        website: web_link(&sponsor.website),
        in_kind: in_kind_of(&sponsor),
        topics: sponsor.topic_list().into_iter().map(String::from).collect(),
        tiers,
        jobs,
        stories: crate::models::stories::public_for_sponsor(conn, today, sponsor.id)?,
        sponsor,
    })
}

/// Everyone who supports the foundation today, by tier, and every in-kind donor with what
/// they give. A donor whose only sponsorships are pending, refused or cancelled is left out
/// until staff make it visible; a past sponsor that still gives in kind is thanked.
pub fn thanks(conn: &mut DbConn, today: NaiveDate) -> AppResult<Thanks> {
    let (tiers, visible) = wall(conn, today, None, 0, WALL_PER_TIER)?;
    let unannounced: HashSet<i64> = sponsorships::sponsors_with_unfinished_or_refused(conn)?
        .into_iter()
        .collect();
    let in_kind = sponsors::in_kind_donors(conn)?
        .into_iter()
        .filter(|s| visible.contains(&s.id) || !unannounced.contains(&s.id))
        .filter_map(|s| {
            let in_kind = in_kind_of(&s)?;
            Some(InKindDonor {
                slug: visible.contains(&s.id).then(|| s.slug.clone()),
                name: s.name,
                in_kind,
            })
        })
        .collect();
    Ok(Thanks { tiers, in_kind })
}

/// Current job listings (not expired) of sponsors with an active sponsorship in its term
/// today (publishing a logo early does not open the jobs fair). Sponsors in tier order, then
/// in today's fair order; each sponsor's newest listing first.
pub fn jobs(conn: &mut DbConn, today: NaiveDate) -> AppResult<Vec<JobGroup>> {
    // Listings are few; their sponsors' rows are read, not the whole wall.
    let current = jobs::current(conn, today)?;
    let mut with_jobs: Vec<i64> = current.iter().map(|j| j.sponsor_id).collect();
    with_jobs.sort_unstable();
    with_jobs.dedup();
    let mut best: HashMap<i64, (TierRank, Sponsor)> = HashMap::new();
    for r in sponsorships::candidates_for_public_of_many(conn, today, &with_jobs)? {
        // The jobs fair is for sponsors whose term is running, not merely paid or
        // published early.
        if r.sponsorship.status() != Status::Active || r.sponsorship.start_date > today {
            continue;
        }
        let rank = r.tier.rank();
        match best.get_mut(&r.sponsor.id) {
            Some((have, _)) if *have <= rank => {}
            Some(entry) => entry.0 = rank,
            None => {
                best.insert(r.sponsor.id, (rank, r.sponsor));
            }
        }
    }
    let mut by_sponsor: HashMap<i64, Vec<JobView>> = HashMap::new();
    for j in current {
        if best.contains_key(&j.sponsor_id) {
            by_sponsor
                .entry(j.sponsor_id)
                .or_default()
                .push(job_view(j));
        }
    }
    let mut groups: Vec<(TierRank, [u8; 8], JobGroup)> = by_sponsor
        .into_iter()
        .filter_map(|(id, jobs)| {
            let (rank, sponsor) = best.remove(&id)?;
            Some((
                rank,
                shuffle_key(today.num_days_from_ce() as i64, id),
                JobGroup {
                    sponsor_name: sponsor.name,
                    sponsor_slug: sponsor.slug,
                    jobs,
                },
            ))
        })
        .collect();
    groups.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(groups.into_iter().map(|(_, _, g)| g).collect())
}

/// Advertised levels for people thinking of sponsoring: of each programme, its newest year
/// that is not in the past (next year's levels replace this year's once they exist).
pub fn sponsor_levels(conn: &mut DbConn, today: NaiveDate) -> AppResult<Vec<Level>> {
    let programmes = programme_names(conn)?;
    let mut newest: HashMap<&str, i32> = HashMap::new();
    for p in programmes.values().filter(|p| p.year >= today.year()) {
        let y = newest.entry(p.name.as_str()).or_insert(p.year);
        *y = (*y).max(p.year);
    }
    let mut levels: Vec<(TierRank, Level)> = tiers::all(conn)?
        .into_iter()
        .filter(|t| t.advertised)
        .filter_map(|t| {
            let p = programmes.get(&t.programme_id)?;
            (newest.get(p.name.as_str()) == Some(&p.year)).then(|| {
                (
                    t.rank(),
                    Level {
                        programme: p.title(),
                        price: t.price().to_string(),
                        description: t.description.clone(),
                        name: t.name,
                    },
                )
            })
        })
        .collect();
    levels.sort_by_key(|l| l.0);
    Ok(levels.into_iter().map(|(_, l)| l).collect())
}

/// Orders `items` fairly for `today`: each day a different sponsor comes first, and over
/// `n` consecutive days (a cycle, n = number of items) every sponsor takes every position
/// exactly once. Each cycle starts from a new shuffle (a hash of the cycle number and the
/// sponsor id), so neighbours change too. The same day always gives the same order, on every
/// server. No one is privileged by their name.
pub fn fair_order<T>(items: &mut [T], id: impl Fn(&T) -> i64, today: NaiveDate) {
    let n = items.len() as i64;
    if n < 2 {
        return;
    }
    let day = today.num_days_from_ce() as i64;
    let (cycle, offset) = (day.div_euclid(n), day.rem_euclid(n) as usize);
    items.sort_by_cached_key(|x| (shuffle_key(cycle, id(x)), id(x)));
    items.rotate_left(offset);
}

/// A stable pseudo-random sort key for a sponsor in a period.
fn shuffle_key(period: i64, sponsor_id: i64) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(b"steward fair order\0");
    h.update(period.to_be_bytes());
    h.update(sponsor_id.to_be_bytes());
    let digest = h.finalize();
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    key
}

/// Tiers sort by display order, then price (highest first), then newer programme, then id.
fn programme_names(conn: &mut DbConn) -> AppResult<HashMap<i64, Programme>> {
    Ok(programmes::list(conn)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

fn logo_size_class(s: &str) -> &'static str {
    match s {
        "xl" => "xl",
        "l" => "l",
        "s" => "s",
        "xs" => "xs",
        _ => "m",
    }
}

/// Large tiles use the large rendition of a logo, small tiles the small one.
fn logo_variant(size: &str) -> &'static str {
    match size {
        "s" | "xs" => "s",
        _ => "l",
    }
}

/// An address that may become a link: http or https only.
fn web_link(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.to_string())
}

fn in_kind_of(s: &Sponsor) -> Option<InKind> {
    s.gives_in_kind().then(|| InKind {
        what: s.inkind_description.trim().to_string(),
        monthly_value: s.inkind_value().map(|m| m.to_string()),
    })
}

fn job_view(j: jobs::Job) -> JobView {
    JobView {
        url: web_link(&j.url),
        title: j.title,
        location: j.location,
        remote: j.remote,
        expires_on: j.expires_on,
    }
}

/// Plain text to paragraphs (split at blank lines) of lines; nothing is interpreted.
fn paragraphs(text: &str) -> Vec<Vec<String>> {
    let text = text.replace("\r\n", "\n");
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line.to_string());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + chrono::Duration::days(n)
    }

    fn order(ids: &[i64], d: NaiveDate) -> Vec<i64> {
        let mut v = ids.to_vec();
        fair_order(&mut v, |x| *x, d);
        v
    }

    #[test]
    fn every_sponsor_comes_first_and_takes_every_place_in_turn() {
        let ids: Vec<i64> = (101..111).collect();
        let mut first = HashMap::new();
        let mut places: HashMap<(i64, usize), usize> = HashMap::new();
        for n in 0..60 {
            let o = order(&ids, day(n));
            let mut sorted = o.clone();
            sorted.sort();
            assert_eq!(sorted, ids, "a permutation: nobody lost or doubled");
            *first.entry(o[0]).or_insert(0) += 1;
            for (place, id) in o.iter().enumerate() {
                *places.entry((*id, place)).or_default() += 1;
            }
            assert_eq!(o, order(&ids, day(n)), "the same day, the same order");
            assert_ne!(o, order(&ids, day(n + 1)), "the next day differs");
        }
        assert_eq!(first.len(), 10, "everyone first at least once: {first:?}");
        // 60 days hold at least five whole cycles of ten days.
        for id in &ids {
            for place in 0..10 {
                assert!(places[&(*id, place)] >= 5, "{id} at {place}: {places:?}");
            }
        }
    }

    #[test]
    fn the_order_is_not_alphabetical_or_by_id_and_does_not_depend_on_input_order() {
        let ids: Vec<i64> = (1..=10).collect();
        let mut reversed = ids.clone();
        reversed.reverse();
        let mut by_id_days = 0;
        for n in 0..30 {
            let o = order(&ids, day(n));
            assert_eq!(o, order(&reversed, day(n)));
            if o == ids {
                by_id_days += 1;
            }
        }
        assert!(by_id_days <= 1, "not simply by id");
        assert_eq!(order(&[7], day(0)), vec![7]);
        assert_eq!(order(&[], day(0)), Vec::<i64>::new());
    }

    #[test]
    fn descriptions_keep_paragraphs_and_lines() {
        assert_eq!(
            paragraphs("One\nline two\r\n\r\n\n  \nTwo <b>"),
            vec![
                vec!["One".to_string(), "line two".to_string()],
                vec!["Two <b>".to_string()]
            ]
        );
        assert!(paragraphs("  \n ").is_empty());
    }

    #[test]
    fn only_web_addresses_become_links_and_logo_keys_are_checked() {
        assert_eq!(
            web_link("https://example.org/"),
            Some("https://example.org/".into())
        );
        assert_eq!(web_link("javascript:alert(1)"), None);
        assert_eq!(web_link(" JavaScript:alert(1)"), None);
        assert_eq!(web_link("data:text/html,x"), None);
    }
}
