//! Demo success stories in every state of the workflow.

use crate::models::users;
use crate::state::AppState;
/// Demo success stories in every state: published (some on sponsors' profiles, one with a
/// later publication day), waiting for review, returned with feedback, and a staff draft.
/// Created through the service; the workflow moves are written straight to the table, so
/// the demo queues no email.
pub fn seed_stories(state: &AppState) -> anyhow::Result<String> {
    use crate::domain::story::Status;
    use crate::models::stories::{self, StoryText};
    use crate::services::stories::Author;
    let actor = crate::services::Actor::system("seed-demo");
    let mut conn = state.db.get()?;
    if stories::count(&mut conn, None)? > 0 {
        return Ok("The demo stories are already there.\n".into());
    }
    let today = chrono::Utc::now().date_naive();
    let sponsors = crate::models::sponsors::all(&mut conn)?;
    let editor = users::find_by_email(&mut conn, "elodie@demo.steward.example")?;
    const BODY: &str = "## Where we started\n\nFive years ago our team of four ran everything \
        on a patchwork of scripts. Moving to the project's tools meant **one language** for the \
        web service, the data pipeline and the command-line tools.\n\n## What changed\n\n\
        - Deploys went from an afternoon to ten minutes.\n- New colleagues ship in their first \
        week.\n- We contribute fixes back: [our patches](https://example.org/patches).\n\n\
        > The community answered our first question within the hour.\n\nWe sponsor the \
        foundation because the work we depend on needs people paid to do it.";
    let demo: [(&str, &str, Status, Option<i64>, &str); 7] = [
        (
            "Weather forecasts for a whole country",
            "science",
            Status::Published,
            Some(-40),
            "",
        ),
        (
            "Teaching 3,000 students a year",
            "education",
            Status::Published,
            Some(-25),
            "",
        ),
        (
            "Routing a million parcels a day",
            "infrastructure",
            Status::Published,
            Some(-10),
            "",
        ),
        (
            "A city's open-data portal",
            "public-sector",
            Status::Published,
            Some(12),
            "",
        ),
        (
            "Sensors on every wind turbine",
            "embedded",
            Status::Submitted,
            None,
            "",
        ),
        (
            "How our bank checks payments",
            "data",
            Status::Returned,
            None,
            "Lovely story! Could you add a sentence on what the team did before, and a photo?",
        ),
        (
            "Ten years of the community sprint",
            "community",
            Status::Draft,
            None,
            "",
        ),
    ];
    let mut n = 0;
    for (i, (title, category, status, offset, feedback)) in demo.into_iter().enumerate() {
        let sponsor = sponsors.get(i * 3);
        let by_sponsor = sponsor.is_some() && i != 6;
        // A sponsor's story is written by one of its contacts, the last one by the editor.
        let contact = match sponsor.filter(|_| by_sponsor) {
            Some(sp) => crate::models::sponsors::contacts(&mut conn, sp.id)?
                .into_iter()
                .next(),
            None => None,
        };
        let author = match (sponsor, contact, &editor) {
            (Some(sp), Some(c), _) => Author::Sponsor {
                sponsor_id: sp.id,
                name: c.name,
                email: c.email,
            },
            (_, _, Some(u)) => Author::Staff {
                user_id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
            },
            _ => continue,
        };
        let organisation = sponsor
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "Our community".into());
        let text = StoryText {
            title: title.to_string(),
            summary: format!(
                "How {organisation} relies on the project's work, and why they give back."
            ),
            organisation,
            category: category.to_string(),
            body: BODY.to_string(),
        };
        let id = crate::services::stories::create(&mut conn, &actor, &author, &text, None)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let publish_on = offset.map(|d| today + chrono::Duration::days(d));
        let path: &[Status] = match status {
            Status::Draft => &[],
            Status::Submitted => &[Status::Submitted],
            Status::Returned => &[Status::Submitted, Status::Returned],
            Status::Published => &[Status::Submitted, Status::Published],
        };
        let mut from = Status::Draft;
        for to in path {
            stories::set_status(&mut conn, id, from, *to, Some(feedback), Some(publish_on))?;
            from = *to;
        }
        n += 1;
    }
    // Placement counts for the impact reports: a week's worth on each of the last 17
    // Mondays-or-so (every seventh day back from today), for the first sixty sponsors in
    // each slot.
    let slots = crate::models::placement_slots::all(&mut conn)?;
    crate::db::write_tx(&mut conn, |c| {
        for (i, sp) in sponsors.iter().take(60).enumerate() {
            for (k, slot) in slots.iter().enumerate() {
                for week in 0..17i64 {
                    let day = today - chrono::Duration::days(7 * week);
                    let seed = i as i64 * 31 + k as i64 * 17 + week * 7;
                    let impressions = 150 + seed % 240;
                    let clicks = (seed % 9).max(1);
                    crate::models::placement_slots::add_counts(
                        c,
                        slot.id,
                        sp.id,
                        day,
                        impressions,
                        clicks,
                    )?;
                }
            }
        }
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(format!(
        "{n} demo success stories, in every state of the workflow; placement counts for the \
         impact reports of 60 sponsors.\n"
    ))
}
