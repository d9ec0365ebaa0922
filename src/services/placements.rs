//! Thank-you placements: who fills a slot on a given day (one rule shared by the embed, the
//! JSON feed and the click redirect), the in-memory impression and click counter with its
//! flush to `placement_stats`, and the staff use cases that create and change slots.
//!
//! Counting happens in memory so that a page view never writes to the database: the worker
//! adds the counts to `placement_stats` every `placement_flush_secs` in one transaction, and
//! the server flushes once more when it stops. A failed flush puts the counts back. What a
//! hard crash (SIGKILL, power loss) has not flushed yet is lost; that is the price of not
//! writing per view, and at most one interval's worth.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{Datelike, NaiveDate};
use diesel::QueryResult;
use sha2::{Digest, Sha256};

use crate::db::{Db, DbConn, write_tx};
use crate::error::{AppError, AppResult};
use crate::models::placement_slots::{self, Slot};
use crate::models::sponsors::{self, Sponsor};
use crate::models::sponsorships;
use crate::models::tiers::{self, Tier, TierRank};
use crate::services::audit::{self, Actor};

/// Today in UTC: the day placements rotate on and counts are kept under.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

// ---------------------------------------------------------------------------------------
// Who fills a slot
// ---------------------------------------------------------------------------------------

/// A sponsor placed in a slot, with the tier that earns the place.
#[derive(Clone, Debug)]
pub struct Placed {
    pub sponsor: Sponsor,
    pub tier: Tier,
}

/// True when a sponsor's topic tags (comma-separated, as stored) include `topic` (any case).
pub fn topics_include(topics: &str, topic: &str) -> bool {
    let want = topic.trim().to_lowercase();
    topics
        .split(',')
        .map(str::trim)
        .any(|t| !t.is_empty() && t.to_lowercase() == want)
}

/// Everyone who may appear in `slot` on `day`, as (sponsor id, tier id), in rotation order,
/// before the cap: visible on `day` in an eligible tier (the best such tier when several),
/// carrying the slot's topic if it has one. Reads ids and topics only, never the sponsors'
/// text, so a slot over thousands of sponsors stays cheap. The click redirect accepts any of
/// them, so a link from a snippet cached across midnight still works.
pub fn eligible_ids(
    conn: &mut DbConn,
    slot: &Slot,
    day: NaiveDate,
) -> QueryResult<Vec<(i64, i64)>> {
    let tier_ids = placement_slots::tier_ids(conn, slot.id)?;
    if tier_ids.is_empty() {
        return Ok(Vec::new());
    }
    let pairs = sponsorships::visible_pairs(conn, day, Some(&tier_ids))?;
    let ranks: HashMap<i64, TierRank> = tiers::all(conn)?
        .into_iter()
        .filter(|t| tier_ids.contains(&t.id))
        .map(|t| (t.id, t.rank()))
        .collect();
    let mut best: HashMap<i64, i64> = HashMap::new();
    for (tier, sponsor) in pairs {
        let Some(rank) = ranks.get(&tier) else {
            continue;
        };
        match best.get(&sponsor) {
            // Of two visible sponsorships of one sponsor, the better-ranked tier is shown.
            Some(have) if ranks.get(have).is_some_and(|h| h <= rank) => {}
            _ => {
                best.insert(sponsor, tier);
            }
        }
    }
    let topic = slot
        .topic
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(topic) = topic {
        let ids: Vec<i64> = best.keys().copied().collect();
        let topics = sponsors::topics_of(conn, &ids)?;
        best.retain(|id, _| topics.get(id).is_some_and(|t| topics_include(t, topic)));
    }
    Ok(rotate(best.into_iter().collect(), |p| p.0, slot.id, day))
}

/// Who fills `slot` on `day`: the eligible sponsors in the day's rotation order, at most
/// `max_sponsors` of them, read in full. The embed, the JSON feed and the staff list use this.
pub fn fill(conn: &mut DbConn, slot: &Slot, day: NaiveDate) -> QueryResult<Vec<Placed>> {
    let mut ids = eligible_ids(conn, slot, day)?;
    ids.truncate(slot.max_sponsors.clamp(1, 100) as usize);
    let sponsor_ids: Vec<i64> = ids.iter().map(|p| p.0).collect();
    let mut sponsors = sponsors::find_many(conn, &sponsor_ids)?;
    let tiers: HashMap<i64, Tier> = tiers::all(conn)?.into_iter().map(|t| (t.id, t)).collect();
    Ok(ids
        .into_iter()
        .filter_map(|(sponsor, tier)| {
            Some(Placed {
                sponsor: sponsors.remove(&sponsor)?,
                tier: tiers.get(&tier)?.clone(),
            })
        })
        .collect())
}

/// A sponsor's fixed place in a slot's cycle: a hash of slot and sponsor, so the order is
/// neither alphabetical nor by age, differs between slots, and is the same on every server.
fn cycle_rank(slot_id: i64, sponsor_id: i64) -> u64 {
    let digest = Sha256::digest(format!("placement:{slot_id}:{sponsor_id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Orders items for a slot on a day: a fixed cycle per slot, started one place further on
/// each day. Over any `n` consecutive days each of `n` sponsors leads exactly once and holds
/// every position exactly once, so a cap of `k` shows each of them on exactly `k` of those
/// days. The order is stable within a day, which keeps the ETag stable too.
pub fn rotate<T>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> i64,
    slot_id: i64,
    day: NaiveDate,
) -> Vec<T> {
    items.sort_by_cached_key(|it| {
        let i = id(it);
        (cycle_rank(slot_id, i), i)
    });
    if !items.is_empty() {
        let shift = day.num_days_from_ce().rem_euclid(items.len() as i32) as usize;
        items.rotate_left(shift);
    }
    items
}

// ---------------------------------------------------------------------------------------
// Counting impressions and clicks
// ---------------------------------------------------------------------------------------

/// Counts for one slot, sponsor and day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub impressions: i64,
    pub clicks: i64,
}

/// (slot id, sponsor id, day)
pub type CountKey = (i64, i64, NaiveDate);

/// Impressions and clicks not yet written to the database; shared by every worker thread.
#[derive(Debug, Default)]
pub struct PlacementCounter {
    pending: Mutex<HashMap<CountKey, Counts>>,
}

impl PlacementCounter {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CountKey, Counts>> {
        // A panic while holding the lock cannot leave the map half-updated (each change is a
        // single addition), so a poisoned lock is still good to use.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One impression for each sponsor shown in `slot_id` on `day`.
    pub fn add_impressions(
        &self,
        slot_id: i64,
        sponsor_ids: impl IntoIterator<Item = i64>,
        day: NaiveDate,
    ) {
        let mut map = self.lock();
        for s in sponsor_ids {
            map.entry((slot_id, s, day)).or_default().impressions += 1;
        }
    }

    /// One click through to a sponsor from `slot_id` on `day`.
    pub fn add_click(&self, slot_id: i64, sponsor_id: i64, day: NaiveDate) {
        self.lock()
            .entry((slot_id, sponsor_id, day))
            .or_default()
            .clicks += 1;
    }

    /// What is waiting to be written, in key order (for tests and diagnostics).
    pub fn pending(&self) -> Vec<(CountKey, Counts)> {
        let mut v: Vec<_> = self.lock().iter().map(|(k, c)| (*k, *c)).collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }

    /// Takes everything waiting, leaving the counter empty.
    fn take(&self) -> HashMap<CountKey, Counts> {
        std::mem::take(&mut *self.lock())
    }

    /// Adds counts back after a failed write (new counts may have arrived meanwhile).
    fn put_back(&self, taken: HashMap<CountKey, Counts>) {
        let mut map = self.lock();
        for (k, c) in taken {
            let e = map.entry(k).or_default();
            e.impressions += c.impressions;
            e.clicks += c.clicks;
        }
    }
}

/// Writes the waiting counts to `placement_stats` in one transaction; returns how many
/// (slot, sponsor, day) rows it added to. On failure the counts go back into the counter,
/// to be written by the next flush.
pub async fn flush(counter: &PlacementCounter, db: &Db) -> AppResult<usize> {
    let taken = counter.take();
    if taken.is_empty() {
        return Ok(0);
    }
    let mut rows: Vec<(CountKey, Counts)> = taken.iter().map(|(k, c)| (*k, *c)).collect();
    // The same lock order on every server, so two instances flushing at once cannot deadlock.
    rows.sort_by_key(|(k, _)| *k);
    let result = db
        .run(move |c| {
            write_tx(c, |c| {
                let mut slot_ids: Vec<i64> = rows.iter().map(|((s, _, _), _)| *s).collect();
                let mut sponsor_ids: Vec<i64> = rows.iter().map(|((_, s, _), _)| *s).collect();
                slot_ids.sort_unstable();
                slot_ids.dedup();
                sponsor_ids.sort_unstable();
                sponsor_ids.dedup();
                let (known_slots, known_sponsors) =
                    placement_slots::existing_targets(c, &slot_ids, &sponsor_ids)?;
                let mut written = 0;
                for ((slot, sponsor, day), counts) in &rows {
                    // A slot or sponsor removed since the view: nothing left to count for.
                    if !known_slots.contains(slot) || !known_sponsors.contains(sponsor) {
                        continue;
                    }
                    placement_slots::add_counts(
                        c,
                        *slot,
                        *sponsor,
                        *day,
                        counts.impressions,
                        counts.clicks,
                    )?;
                    written += 1;
                }
                Ok(written)
            })
        })
        .await;
    if result.is_err() {
        counter.put_back(taken);
    }
    result
}

// ---------------------------------------------------------------------------------------
// Slots: what staff enter, and the use cases that store it
// ---------------------------------------------------------------------------------------

/// The prefix of keys for topic slots, e.g. `topic:cloud`.
pub const TOPIC_PREFIX: &str = "topic:";

/// The height, in CSS pixels, of the iframe in the embed snippet. The embed keeps its logos on
/// one row (a longer row scrolls sideways), so its page is never taller than this at any
/// width; the browser test measures it.
pub const EMBED_HEIGHT_PX: u32 = 160;

/// Checks a slot key: lower-case letters, digits and single hyphens, with an optional
/// `topic:` prefix (`home-footer`, `docs-footer`, `topic:cloud`). Keys appear in the URLs other
/// sites embed, so they never change once created.
pub fn parse_key(input: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter a key, like docs-footer or topic:cloud.".into());
    }
    let rest = s.strip_prefix(TOPIC_PREFIX).unwrap_or(s);
    if rest.is_empty() {
        return Err("Add the topic after topic:, like topic:cloud.".into());
    }
    if s.len() > 60 {
        return Err("Use at most 60 characters.".into());
    }
    let ok = rest
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !rest.starts_with('-')
        && !rest.ends_with('-')
        && !rest.contains("--");
    if !ok {
        return Err("Use lower-case letters, digits and single hyphens, optionally after topic:, like docs-footer or topic:cloud.".into());
    }
    Ok(s.to_string())
}

/// Checks an optional topic tag (as in a sponsor's topics): stored in lower case.
pub fn parse_topic(input: &str) -> Result<Option<String>, String> {
    let s = input.trim().to_lowercase();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > 50 {
        return Err("Use at most 50 characters.".into());
    }
    if !s
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == ' ')
    {
        return Err("Use one topic of letters, digits, spaces and hyphens, like cloud.".into());
    }
    Ok(Some(s))
}

/// Checks the most sponsors a slot shows at once.
pub fn parse_max_sponsors(input: &str) -> Result<i32, String> {
    match input.trim().parse::<i32>() {
        Ok(n) if (1..=100).contains(&n) => Ok(n),
        Ok(_) => Err("Choose a number from 1 to 100.".into()),
        Err(_) => Err("Enter a whole number from 1 to 100.".into()),
    }
}

/// What staff set on a slot (all but the key, which is fixed at creation).
#[derive(Clone, Debug)]
pub struct SlotFields {
    pub name: String,
    pub description: String,
    pub topic: Option<String>,
    pub max_sponsors: i32,
    pub tier_ids: Vec<i64>,
}

impl SlotFields {
    fn summary(&self) -> String {
        format!(
            "{} · topic {} · up to {} · tiers {:?}",
            self.name,
            self.topic.as_deref().unwrap_or("none"),
            self.max_sponsors,
            self.tier_ids
        )
    }
}

/// The message when a key is taken.
pub const KEY_TAKEN: &str = "Another slot already uses this key. Choose another one.";

fn is_unique_violation(e: &AppError) -> bool {
    matches!(e, AppError::Unexpected(err) if matches!(
        err.downcast_ref::<diesel::result::Error>(),
        Some(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    ))
}

/// Creates a slot; `Conflict(KEY_TAKEN)` when the key is in use (also when another staff
/// member took it a moment ago).
pub fn create_slot(conn: &mut DbConn, actor: &Actor, key: &str, f: &SlotFields) -> AppResult<i64> {
    let r = write_tx(conn, |c| {
        if placement_slots::key_taken(c, key)? {
            return Err(AppError::Conflict(KEY_TAKEN.into()));
        }
        let id = placement_slots::insert(
            c,
            key,
            &f.name,
            &f.description,
            f.topic.as_deref(),
            f.max_sponsors,
            &f.tier_ids,
        )?;
        audit::record(
            c,
            actor,
            "placement_slot.create",
            Some(("placement_slot", &id.to_string())),
            &format!("{key} · {}", f.summary()),
        )?;
        Ok(id)
    });
    match r {
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(KEY_TAKEN.into())),
        other => other,
    }
}

/// Changes a slot's name, description, topic, cap and eligible tiers.
pub fn update_slot(conn: &mut DbConn, actor: &Actor, id: i64, f: &SlotFields) -> AppResult<()> {
    write_tx(conn, |c| {
        let before = placement_slots::find(c, id)?;
        placement_slots::update(
            c,
            id,
            &f.name,
            &f.description,
            f.topic.as_deref(),
            f.max_sponsors,
            &f.tier_ids,
        )?;
        audit::record(
            c,
            actor,
            "placement_slot.update",
            Some(("placement_slot", &id.to_string())),
            &format!("{} · {}", before.key, f.summary()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn keys() {
        for ok in [
            "home-footer",
            "docs-footer",
            "topic:cloud",
            "a1",
            "topic:machine-learning",
        ] {
            assert_eq!(parse_key(ok).unwrap(), ok);
        }
        assert_eq!(parse_key("  docs  ").unwrap(), "docs");
        for bad in [
            "",
            "topic:",
            "Home",
            "home_footer",
            "-home",
            "home-",
            "home--footer",
            "home footer",
            "topic:Cloud",
            "other:cloud",
            "<script>",
            "topic:topic:x",
        ] {
            assert!(parse_key(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_key(&"a".repeat(61)).is_err());
    }

    #[test]
    fn topics_and_caps() {
        assert_eq!(parse_topic("  Cloud ").unwrap(), Some("cloud".into()));
        assert_eq!(parse_topic("").unwrap(), None);
        assert!(parse_topic("cloud, web").is_err());
        assert_eq!(parse_max_sponsors("6").unwrap(), 6);
        for bad in ["0", "101", "-1", "six", ""] {
            assert!(parse_max_sponsors(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rotation_is_stable_per_day_and_fair_over_a_cycle() {
        let ids: Vec<i64> = (1..=5).collect();
        let day = d("2026-03-01");
        let a = rotate(ids.clone(), |i| *i, 7, day);
        assert_eq!(
            a,
            rotate(ids.clone(), |i| *i, 7, day),
            "stable within a day"
        );
        assert_eq!(
            rotate(vec![5, 3, 1, 4, 2], |i| *i, 7, day),
            a,
            "independent of load order"
        );
        let mut leads = HashMap::new();
        let mut shown_in_top2 = HashMap::new();
        for n in 0..5 {
            let o = rotate(ids.clone(), |i| *i, 7, day + chrono::Duration::days(n));
            *leads.entry(o[0]).or_insert(0) += 1;
            for i in &o[..2] {
                *shown_in_top2.entry(*i).or_insert(0) += 1;
            }
        }
        assert!(leads.values().all(|n| *n == 1), "{leads:?}");
        assert!(shown_in_top2.values().all(|n| *n == 2), "{shown_in_top2:?}");
        assert!(rotate(Vec::<i64>::new(), |i| *i, 7, day).is_empty());
    }

    #[test]
    fn counter_adds_takes_and_puts_back() {
        let c = PlacementCounter::new();
        let day = d("2026-03-01");
        c.add_impressions(1, [10, 11], day);
        c.add_impressions(1, [10], day);
        c.add_click(1, 10, day);
        assert_eq!(
            c.pending(),
            vec![
                (
                    (1, 10, day),
                    Counts {
                        impressions: 2,
                        clicks: 1
                    }
                ),
                (
                    (1, 11, day),
                    Counts {
                        impressions: 1,
                        clicks: 0
                    }
                ),
            ]
        );
        let taken = c.take();
        assert!(c.pending().is_empty());
        c.add_click(1, 10, day);
        c.put_back(taken);
        assert_eq!(
            c.pending()[0],
            (
                (1, 10, day),
                Counts {
                    impressions: 2,
                    clicks: 2
                }
            )
        );
    }
}
