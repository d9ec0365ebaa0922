//! `steward seed-demo --scale N`: the demo data N times over, to measure pages and exports at
//! the size a foundation reaches in its tenth year. Every row of the record tables (sponsors
//! and everything about them, invoices and payments, grant applications with their reviews,
//! conferences with their budgets, stories, placement counts, prospects and usage figures,
//! the audit log and the outbox)
//! is copied N−1 times by one `INSERT … SELECT` per table and copy, in SQL both databases
//! run: ids are moved up by a stride per copy (and so are the ids that point at copied rows),
//! and the text that must be unique gets a suffix. Programmes, tiers, staff and settings are
//! not copied: a busy foundation has more sponsors, not more staff. On top of the copies, a
//! tenth year's history is generated: 10,000 audit entries and 3,000 sent emails per copy.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use crate::db::DbConn;

/// Ids of copy `k` are the demo's plus `k * STRIDE`.
pub const STRIDE: i64 = 10_000_000;

/// The largest factor: x100 already makes about 1.5 million rows.
pub const MAX_SCALE: u32 = 1000;

/// A copied table: its name, and the text columns that get the copy's suffix (those that
/// must stay unique, and those that name such text, as a refund names its payment's
/// Stripe reference).
struct Table {
    name: &'static str,
    suffixed: &'static [&'static str],
    /// Columns set to NULL in the copies (a unique link that only the original may hold).
    nulled: &'static [&'static str],
}

/// Parents before children.
const TABLES: &[Table] = &[
    // Names too, so the copies can be told apart on every page ("Acme Cloud ~2").
    t("sponsors", &["slug", "name", "search_name"], &[]),
    t("sponsor_contacts", &[], &[]),
    t("jobs", &[], &[]),
    t("sponsorships", &["application_key"], &[]),
    t("sponsorship_events", &[], &[]),
    t("benefit_fulfilments", &[], &[]),
    t("agreements", &[], &[]),
    t("invoices", &["number"], &[]),
    t("payments", &["stripe_ref", "refund_of"], &[]),
    t("renewal_reminders", &[], &[]),
    t("asset_submissions", &[], &[]),
    t("asset_reminders", &[], &[]),
    t("placement_stats", &[], &[]),
    t("stories", &["slug"], &[]),
    t("grant_applications", &["application_key"], &[]),
    t("grant_budget_lines", &[], &[]),
    t("grant_events", &[], &[]),
    t("grant_messages", &[], &[]),
    t("grant_reviewers", &[], &[]),
    t("grant_votes", &[], &[]),
    t("grant_decisions", &[], &[]),
    t("grant_reports", &[], &[]),
    t("grant_disbursements", &[], &[]),
    t("grant_files", &["file_key"], &[]),
    t("grant_report_reminders", &[], &[]),
    t("conferences", &["name"], &["programme_id"]),
    t("conference_tickets", &[], &[]),
    t("conference_lines", &[], &[]),
    t("conference_revenue", &[], &[]),
    t("conference_baselines", &[], &[]),
    t("prospects", &["name"], &[]),
    t("prospect_contacts", &[], &[]),
    t("prospect_stage_changes", &[], &[]),
    t("usage_figures", &[], &[]),
    t("audit_log", &[], &[]),
    t("outbox", &[], &[]),
];

const fn t(
    name: &'static str,
    suffixed: &'static [&'static str],
    nulled: &'static [&'static str],
) -> Table {
    Table {
        name,
        suffixed,
        nulled,
    }
}

/// Columns that point at a copied table, so move with it.
const MOVED: &[&str] = &[
    "id",
    "sponsor_id",
    "author_sponsor_id",
    "sponsorship_id",
    "renewal_of_id",
    "invoice_id",
    "application_id",
    "conference_id",
    "prospect_id",
    "lapsed_sponsorship_id",
];

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn columns(conn: &mut DbConn, table: &str) -> anyhow::Result<Vec<String>> {
    let cols: Vec<Column> = match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')")).load(c)?
        }
        DbConn::Pg(c) => diesel::sql_query(format!(
            "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
             WHERE table_name = '{table}' AND table_schema = current_schema() \
             ORDER BY ordinal_position"
        ))
        .load(c)?,
    };
    Ok(cols.into_iter().map(|c| c.name).collect())
}

/// The SQL that adds copies 1..`copies` of `table`'s rows with ids below STRIDE.
fn copy_sql(table: &Table, cols: &[String], copies: u32) -> String {
    let select: Vec<String> = cols
        .iter()
        .map(|c| {
            let q = format!("t.{c}");
            if table.nulled.contains(&c.as_str()) {
                "NULL".to_string()
            } else if MOVED.contains(&c.as_str()) {
                format!("{q} + CAST(k.n AS BIGINT) * {STRIDE}")
            } else if c == "seq" && table.name == "invoices" {
                // (year, seq) is unique: the copies number on after the demo's.
                format!("{q} + k.n * 100000")
            } else if table.suffixed.contains(&c.as_str()) {
                // Names read "Acme Cloud ~2"; keys "acme-cloud~2".
                let sep = if c == "name" || c == "search_name" {
                    "' ~'"
                } else {
                    "'~'"
                };
                format!("{q} || {sep} || CAST(k.n AS TEXT)")
            } else {
                q
            }
        })
        .collect();
    // The demo's rows: those whose key (or the copied row they belong to) is below the stride.
    let key = MOVED
        .iter()
        .find(|m| cols.iter().any(|c| c == *m))
        .unwrap_or(&"id");
    let filter = format!("t.{key} < {STRIDE}");
    format!(
        "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {last}) \
         INSERT INTO {name} ({cols}) SELECT {select} FROM {name} t CROSS JOIN k WHERE {filter}",
        last = copies,
        name = table.name,
        cols = cols.join(", "),
        select = select.join(", "),
    )
}

/// Multiplies the record tables so there are `scale` times the demo's rows, in one
/// transaction. Refused when the data was already multiplied (ids past the stride exist).
pub fn scale(conn: &mut DbConn, scale: u32) -> anyhow::Result<String> {
    if !(2..=MAX_SCALE).contains(&scale) {
        anyhow::bail!("--scale takes a factor from 2 to {MAX_SCALE}");
    }
    let copies = scale - 1;
    let already: i64 = {
        use crate::db::schema::sponsors;
        use diesel::prelude::*;
        sponsors::table
            .filter(sponsors::id.ge(STRIDE))
            .count()
            .get_result(conn)?
    };
    if already > 0 {
        anyhow::bail!("the data is already scaled; start from a fresh database");
    }
    let mut report = Vec::new();
    let mut with_ids = Vec::new();
    crate::db::write_tx_with(conn, |conn| -> anyhow::Result<()> {
        for table in TABLES {
            let cols = columns(conn, table.name)?;
            if cols.is_empty() {
                anyhow::bail!("table {} not found", table.name);
            }
            let added = diesel::sql_query(copy_sql(table, &cols, copies))
                .execute(conn)
                .map_err(|e| anyhow::anyhow!("copying {}: {e}", table.name))?;
            report.push(format!("{}: +{added}", table.name));
            if cols.iter().any(|c| c == "id") {
                with_ids.push(table.name);
            }
        }
        Ok(())
    })?;
    if let DbConn::Pg(c) = conn {
        // Explicit ids leave the sequences behind: new rows must start past the copies.
        for t in with_ids {
            c.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
            ))?;
        }
    }
    report.push(add_history(conn, copies)?);
    // The copied prospects' usage totals, as confirming an import keeps them.
    crate::models::usage::refresh_totals(conn)?;
    // What PostgreSQL's autovacuum does soon after such a load: fresh statistics for the
    // planner and the visibility map for index-only counts. (SQLite plans without
    // statistics, as a Steward database that never ran ANALYZE does.)
    if let DbConn::Pg(c) = conn {
        c.batch_execute("VACUUM ANALYZE")?;
    }
    Ok(format!(
        "Scaled the demo data x{scale}: {}.\n",
        report.join(", ")
    ))
}

/// Audit entries a year of a busy foundation adds per copy of the demo beyond the demo's own
/// (x100: about a million in all).
pub const HISTORY_AUDIT_PER_COPY: u32 = 10_000;
/// Emails sent per copy beyond the demo's (x100: about 300,000), with bodies of about 1 KB.
pub const HISTORY_SENT_PER_COPY: u32 = 3_000;

/// The history a tenth year holds and the demo does not: many more audit entries and sent
/// emails per sponsor. Generated in SQL (a recursive counter) after the copies, so the new
/// rows take ids from the moved sequences.
fn add_history(conn: &mut DbConn, copies: u32) -> anyhow::Result<String> {
    let audit = i64::from(copies) * i64::from(HISTORY_AUDIT_PER_COPY);
    let sent = i64::from(copies) * i64::from(HISTORY_SENT_PER_COPY);
    let body = "Thank you for your support of the foundation. ".repeat(22);
    // A timestamp literal each database reads as one (SQLite keeps timestamps as text).
    let ts = |t: &str| match conn {
        DbConn::Sqlite(_) => format!("'{t}'"),
        DbConn::Pg(_) => format!("TIMESTAMP '{t}'"),
    };
    let (at, sent_at) = (ts("2025-06-01 09:00:00"), ts("2025-06-01 09:00:05"));
    let audit_sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {audit}) \
         INSERT INTO audit_log (at, actor_user_id, actor, action, record_type, record_id, \
         details, client_addr, repeats) \
         SELECT {at}, NULL, 'history', \
         CASE i % 4 WHEN 0 THEN 'sponsor.update' WHEN 1 THEN 'sponsorship.note' \
         WHEN 2 THEN 'invoice.issue' ELSE 'grant.vote' END, \
         'sponsor', CAST(i % 20000 AS TEXT), 'generated history', '192.0.2.1', 1 FROM n"
    );
    let outbox_sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {sent}) \
         INSERT INTO outbox (kind, to_addr, subject, body_text, body_html, status, attempts, \
         next_attempt_at, created_at, sent_at) \
         SELECT 'renewal_reminder', 'contact' || CAST(i AS TEXT) || '@history.example', \
         'Your sponsorship renews soon', '{body}', '<p>{body}</p>', 'sent', 1, \
         {at}, {at}, {sent_at} FROM n"
    );
    crate::db::write_tx_with(conn, |conn| -> anyhow::Result<()> {
        diesel::sql_query(audit_sql)
            .execute(conn)
            .map_err(|e| anyhow::anyhow!("adding audit history: {e}"))?;
        diesel::sql_query(outbox_sql)
            .execute(conn)
            .map_err(|e| anyhow::anyhow!("adding sent emails: {e}"))?;
        Ok(())
    })?;
    Ok(format!(
        "history: +{audit} audit entries, +{sent} sent emails"
    ))
}
