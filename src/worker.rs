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
use crate::placements::PlacementCounter;
use crate::services::audit::{self, Actor};

/// How long a claimed message stays ours before another worker may try it.
const LEASE_SECS: i64 = 120;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 6 * 3600;

/// Delay before attempt number `attempts + 1`: base × 2^attempts, capped.
pub fn backoff(base_secs: i64, attempts: i32) -> Duration {
    let factor = 1i64
        .checked_shl(attempts.clamp(0, 30) as u32)
        .unwrap_or(i64::MAX);
    Duration::seconds(base_secs.saturating_mul(factor).clamp(1, MAX_BACKOFF_SECS))
}

/// Runs until `shutdown` turns true; finishes the message in hand first.
pub async fn run(
    db: Db,
    mailer: Mailer,
    settings: std::sync::Arc<Settings>,
    placements: std::sync::Arc<PlacementCounter>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Its own task, so a slow SMTP server does not hold up the counts.
    let flusher = tokio::spawn(flush_placements(
        db.clone(),
        placements,
        StdDuration::from_secs(settings.placement_flush_secs.max(1)),
        shutdown.clone(),
    ));
    let poll = StdDuration::from_millis(settings.outbox_poll_ms.max(10));
    let mut last_housekeeping = std::time::Instant::now() - StdDuration::from_secs(3600);
    loop {
        if *shutdown.borrow() {
            break;
        }
        if let Err(e) = deliver_due(&db, &mailer, &settings).await {
            tracing::error!(error = %format!("{e:#}"), "outbox delivery round failed");
        }
        if last_housekeeping.elapsed() > StdDuration::from_secs(600) {
            last_housekeeping = std::time::Instant::now();
            let s = settings.clone();
            if let Err(e) = db
                .run(move |c| housekeeping(c, &s, chrono::Utc::now().date_naive()))
                .await
            {
                tracing::error!(error = %format!("{e:#}"), "housekeeping failed; it runs again in ten minutes");
            }
            // Card checkouts still open for invoices settled some other way: close them.
            crate::payments::checkout::expire_stale(&db, &settings).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            // A dropped sender means nobody can ask us to stop any more: stop now.
            r = shutdown.changed() => if r.is_err() { break },
        }
    }
    let _ = flusher.await;
    tracing::info!("outbox worker stopped");
}

/// The periodic jobs, for `today`: purge expired sessions and links, move sponsorships
/// along their terms (paid → active when the term starts, active → expired when it ends),
/// send renewal reminders, move paid grants whose event is over to "report due" and send
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
    crate::services::sponsorships::expire_ended(c, today)?;
    crate::services::renewals::send_reminders(c, settings, today)?;
    crate::services::grant_money::report_jobs(c, settings, today)?;
    Ok(())
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
        if let Err(e) = crate::placements::flush(&counter, &db).await {
            tracing::warn!(error = %format!("{e:#}"), "saving placement counts failed; they are kept for the next try");
        }
    }
}

/// Sends every message that is due now; returns how many were sent.
pub async fn deliver_due(db: &Db, mailer: &Mailer, settings: &Settings) -> anyhow::Result<usize> {
    let ids = db.run(|c| Ok(outbox::due_ids(c, 50)?)).await?;
    let mut sent = 0;
    for id in ids {
        let claimed = db
            .run(move |c| Ok(outbox::claim(c, id, Duration::seconds(LEASE_SECS))?))
            .await?;
        if !claimed {
            continue;
        }
        let msg = db.run(move |c| Ok(outbox::find(c, id)?)).await?;
        match mailer.send(&settings.mail_from, &msg).await {
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
                sent += 1;
            }
            Err(e) => {
                let error = format!("{e:#}");
                let attempts = msg.attempts + 1;
                let now = models::now();
                let give_up =
                    now - msg.created_at >= Duration::hours(settings.outbox_give_up_hours);
                let next = now + backoff(settings.outbox_backoff_base_secs, msg.attempts);
                tracing::warn!(outbox_id = id, attempts, give_up, error = %crate::telemetry::sanitize(&error), "email delivery failed");
                db.run(move |c| {
                    crate::db::write_tx(c, |c| {
                        outbox::mark_attempt_failed(c, id, &error, next, give_up)?;
                        if give_up {
                            audit::record(
                                c,
                                &Actor::system("mail worker"),
                                "email.failed",
                                Some(("outbox", &id.to_string())),
                                &format!("gave up after {attempts} attempts: {error}"),
                            )?;
                        }
                        Ok(())
                    })
                })
                .await?;
            }
        }
    }
    Ok(sent)
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
