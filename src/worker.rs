//! Background work in the server process: delivering the email outbox with retries and
//! backoff, saving placement counts, and housekeeping. Safe to run on every instance: each
//! message is claimed by a conditional update before it is sent, and placement counts are
//! added to, never overwritten.

use std::time::Duration as StdDuration;

use chrono::Duration;
use tokio::sync::watch;

use crate::config::Settings;
use crate::db::Db;
use crate::email::Mailer;
use crate::models::{self, login_failures, outbox, sessions};
use crate::services::audit::{self, Actor};
use crate::services::placements::PlacementCounter;

/// How long a claimed message stays ours beyond the longest a delivery may take: the claim
/// outlives every send (which `Mailer::send` cuts off at the SMTP time limit), so another
/// instance can never pick up a message while it is still being sent.
const LEASE_MARGIN_SECS: i64 = 60;
/// How long a message already being sent at shutdown may still take.
const SHUTDOWN_GRACE: StdDuration = StdDuration::from_secs(10);

/// How long one claim lasts with these settings.
pub fn lease(settings: &Settings) -> Duration {
    Duration::seconds(settings.smtp_timeout_secs.min(600) as i64 + LEASE_MARGIN_SECS)
}

/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 6 * 3600;

/// Delay before attempt number `attempts + 1`: base × 2^attempts, capped.
pub fn backoff(base_secs: i64, attempts: i32) -> Duration {
    let factor = 1i64
        .checked_shl(attempts.clamp(0, 30) as u32)
        .unwrap_or(i64::MAX);
    Duration::seconds(base_secs.saturating_mul(factor).clamp(1, MAX_BACKOFF_SECS))
}

/// Runs until `shutdown` turns true. Messages are sent a few at a time: a free slot takes
/// the next due message at once, so one slow message holds up only its own slot. At shutdown
/// the messages in hand get a short grace; sends still running then are dropped, their
/// claims run out by themselves, and the next worker sends them (with the same Message-ID,
/// so a copy the server did take is recognisable as one).
pub async fn run(
    db: Db,
    mailer: Mailer,
    settings: std::sync::Arc<Settings>,
    placements: std::sync::Arc<PlacementCounter>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Their own tasks, so a slow SMTP server holds up neither the counts nor the jobs.
    let flusher = tokio::spawn(flush_placements(
        db.clone(),
        placements,
        StdDuration::from_secs(settings.placement_flush_secs.max(1)),
        shutdown.clone(),
    ));
    let jobs = tokio::spawn(periodic_jobs(
        db.clone(),
        settings.clone(),
        shutdown.clone(),
    ));
    let imports = tokio::spawn(read_usage_files(
        db.clone(),
        settings.clone(),
        shutdown.clone(),
    ));
    let poll = StdDuration::from_millis(settings.outbox_poll_ms.max(10));
    let slots = settings.outbox_concurrency.clamp(1, 32);
    // Each send is a task of its own, so it goes on while this loop waits for the database.
    let mut in_flight: tokio::task::JoinSet<anyhow::Result<bool>> = tokio::task::JoinSet::new();
    let mut sending: std::collections::HashMap<tokio::task::Id, i64> =
        std::collections::HashMap::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let free = slots.saturating_sub(in_flight.len());
        if free > 0 {
            // Ask for a few more than the free slots: some may be ours already.
            let want = (free + sending.len()) as i64;
            match db.run(move |c| Ok(outbox::due_ids(c, want)?)).await {
                Ok(ids) => {
                    let new: Vec<i64> = ids
                        .into_iter()
                        .filter(|id| !sending.values().any(|s| s == id))
                        .take(free)
                        .collect();
                    for id in new {
                        let (db, mailer, settings) = (db.clone(), mailer.clone(), settings.clone());
                        let task = in_flight
                            .spawn(async move { deliver_one(&db, &mailer, &settings, id).await });
                        sending.insert(task.id(), id);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "cannot read the outbox; trying again shortly");
                }
            }
        }
        tokio::select! {
            Some(done) = in_flight.join_next_with_id(), if !in_flight.is_empty() => {
                finished(&mut sending, done);
            }
            _ = tokio::time::sleep(poll) => {}
            // A dropped sender means nobody can ask us to stop any more: stop now.
            r = shutdown.changed() => if r.is_err() { break },
        }
    }
    // Stopping: the messages in hand, the counts and the jobs share one short grace; what is
    // still running then is dropped (an email's claim runs out by itself and it is sent later).
    let grace = tokio::time::sleep(SHUTDOWN_GRACE);
    tokio::pin!(grace);
    while !in_flight.is_empty() {
        tokio::select! {
            Some(done) = in_flight.join_next_with_id() => finished(&mut sending, done),
            _ = &mut grace => {
                tracing::warn!(messages = in_flight.len(), "stopping with emails still being sent; they will be retried");
                in_flight.abort_all();
                break;
            }
        }
    }
    for task in [flusher, jobs, imports] {
        let abort = task.abort_handle();
        tokio::select! {
            _ = task => {}
            _ = &mut grace => abort.abort(),
        }
    }
    tracing::info!("outbox worker stopped");
}

/// Books a finished send: its slot is free again; a failure to record the outcome is logged.
fn finished(
    sending: &mut std::collections::HashMap<tokio::task::Id, i64>,
    done: Result<(tokio::task::Id, anyhow::Result<bool>), tokio::task::JoinError>,
) {
    match done {
        Ok((task, r)) => {
            let id = sending.remove(&task).unwrap_or_default();
            if let Err(e) = r {
                tracing::error!(outbox_id = id, error = %format!("{e:#}"), "email delivery could not be recorded");
            }
        }
        Err(e) => {
            let id = sending.remove(&e.id()).unwrap_or_default();
            if !e.is_cancelled() {
                tracing::error!(outbox_id = id, error = %e, "email delivery task failed");
            }
        }
    }
}

/// Housekeeping every ten minutes (the first run at start), until `shutdown` turns true.
async fn periodic_jobs(
    db: Db,
    settings: std::sync::Arc<Settings>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let s = settings.clone();
        if let Err(e) = db
            .run(move |c| housekeeping(c, &s, chrono::Utc::now().date_naive()))
            .await
        {
            tracing::error!(error = %format!("{e:#}"), "housekeeping failed; it runs again in ten minutes");
        }
        // Card checkouts still open for invoices settled some other way: close them.
        crate::payments::checkout::expire_stale(&db, &settings).await;
        let changed = tokio::select! {
            _ = tokio::time::sleep(StdDuration::from_secs(600)) => Ok(()),
            r = shutdown.changed() => r,
        };
        if changed.is_err() || *shutdown.borrow() {
            break;
        }
    }
}

/// The periodic jobs, for `today`: purge expired sessions and links, move sponsorships
/// along their terms (paid → active when the term starts, active → expired when it ends),
/// send renewal and benefit-asset reminders, move paid grants whose event is over to "report due" and send
/// their report reminders.
/// Each step is idempotent, so every instance may run it.
pub fn housekeeping(
    c: &mut crate::db::DbConn,
    settings: &Settings,
    today: chrono::NaiveDate,
) -> crate::error::AppResult<()> {
    sessions::purge_expired(c, Duration::minutes(settings.session_idle_minutes))?;
    login_failures::purge_older_than(c, Duration::days(1))?;
    crate::models::portal_tokens::delete_expired(c)?;
    crate::services::billing::activate_started(c, today)?;
    crate::services::sponsorships::expire_ended(c, settings, today)?;
    crate::services::sponsorship_review::settle_all_waitlists(c, settings)?;
    crate::services::renewals::send_reminders(c, settings, today)?;
    crate::services::assets::send_reminders(c, settings, today)?;
    crate::services::grant_money::report_jobs(c, settings, today)?;
    crate::services::prospects::lapsed_to_prospects(c)?;
    crate::services::prospects::settle_applications(c)?;
    crate::services::prospects::send_follow_up_digests(c, settings, today)?;
    // Retention: the text of sent emails goes after its time; the communications log stays.
    let keep_from =
        today.and_time(chrono::NaiveTime::MIN) - Duration::days(settings.outbox_keep_bodies_days);
    crate::models::outbox::prune_bodies(c, keep_from)?;
    Ok(())
}

/// Reads uploaded usage files one after another, looking for the next every poll interval
/// (a reader that stopped half-way leaves its claim to run out; the file is then read again
/// from the start).
async fn read_usage_files(
    db: Db,
    settings: std::sync::Arc<Settings>,
    mut shutdown: watch::Receiver<bool>,
) {
    let poll = StdDuration::from_millis(settings.outbox_poll_ms.clamp(10, 2000));
    loop {
        let dir = settings.data_dir.clone();
        let found = db
            .run(move |c| crate::services::usage_import::read_next(c, &dir))
            .await;
        let wait = match found {
            Ok(true) => StdDuration::ZERO,
            Ok(false) => poll,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "looking for usage files to read failed");
                poll * 10
            }
        };
        let changed = tokio::select! {
            _ = tokio::time::sleep(wait) => Ok(()),
            r = shutdown.changed() => r,
        };
        if changed.is_err() || *shutdown.borrow() {
            break;
        }
    }
}

/// Writes placement counts every `every` until `shutdown` turns true (the final flush is
/// the server's, after the last request).
async fn flush_placements(
    db: Db,
    counter: std::sync::Arc<PlacementCounter>,
    every: StdDuration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let changed = tokio::select! {
            _ = tokio::time::sleep(every) => Ok(()),
            r = shutdown.changed() => r,
        };
        // A dropped sender also means stop (rather than spinning).
        if changed.is_err() || *shutdown.borrow() {
            break;
        }
        if let Err(e) = crate::services::placements::flush(&counter, &db).await {
            tracing::warn!(error = %format!("{e:#}"), "saving placement counts failed; they are kept for the next try");
        }
    }
}

/// Claims and sends one message; true when it was sent by this call.
async fn deliver_one(
    db: &Db,
    mailer: &Mailer,
    settings: &Settings,
    id: i64,
) -> anyhow::Result<bool> {
    let lease = lease(settings);
    let claimed = db.run(move |c| Ok(outbox::claim(c, id, lease)?)).await?;
    if !claimed {
        return Ok(false);
    }
    let (msg, files) = db
        .run(move |c| Ok((outbox::find(c, id)?, outbox::attachments(c, id)?)))
        .await?;
    match mailer.send(&settings.mail_from, &msg, &files).await {
        Ok(()) => {
            let (to, kind) = (msg.to_addr.clone(), msg.kind.clone());
            db.run(move |c| {
                crate::db::write_tx(c, |c| {
                    if outbox::mark_sent(c, id)? == 0 {
                        return Ok(());
                    }
                    audit::record(
                        c,
                        &Actor::system("mail worker"),
                        "email.sent",
                        Some(("outbox", &id.to_string())),
                        &format!("{kind} to {to}"),
                    )
                })
            })
            .await?;
            Ok(true)
        }
        Err(failure) => {
            let error = format!("{:#}", failure.error);
            let attempts = msg.attempts + 1;
            let now = models::now();
            let too_old = now - msg.created_at >= Duration::hours(settings.outbox_give_up_hours);
            let give_up = failure.permanent || too_old;
            let next = now + backoff(settings.outbox_backoff_base_secs, msg.attempts);
            tracing::warn!(outbox_id = id, attempts, give_up, permanent = failure.permanent, error = %crate::telemetry::sanitize(&error), "email delivery failed");
            let why = if failure.permanent {
                format!("refused for good: {error}")
            } else {
                format!("gave up after {attempts} attempts: {error}")
            };
            db.run(move |c| {
                crate::db::write_tx(c, |c| {
                    outbox::mark_attempt_failed(c, id, &error, next, give_up)?;
                    if give_up {
                        audit::record(
                            c,
                            &Actor::system("mail worker"),
                            "email.failed",
                            Some(("outbox", &id.to_string())),
                            &why,
                        )?;
                    }
                    Ok(())
                })
            })
            .await?;
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(60, 0), Duration::seconds(60));
        assert_eq!(backoff(60, 1), Duration::seconds(120));
        assert_eq!(backoff(60, 3), Duration::seconds(480));
        assert_eq!(backoff(60, 20), Duration::seconds(MAX_BACKOFF_SECS));
        assert_eq!(backoff(60, 1000), Duration::seconds(MAX_BACKOFF_SECS));
        assert_eq!(backoff(0, 0), Duration::seconds(1));
    }
}
