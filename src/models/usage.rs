//! Usage evidence: confirmed `usage_figures`; the import batches (`usage_imports`) with the
//! organisations (`usage_import_orgs`), rows (`usage_import_rows`) and refused lines
//! (`usage_import_errors`) they stage until a person confirms them; `usage_links` (the
//! private page that shows an organisation its usage); `do_not_contact`; and
//! `follow_up_digests`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    do_not_contact, follow_up_digests, usage_figures, usage_import_errors, usage_import_orgs,
    usage_import_rows, usage_imports, usage_links, usage_metrics, usage_totals,
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = usage_figures)]
pub struct Figure {
    pub id: i64,
    pub sponsor_id: Option<i64>,
    pub prospect_id: Option<i64>,
    pub import_id: Option<i64>,
    pub metric: String,
    pub unit: String,
    pub period_key: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub value: f64,
}

/// Whose figures.
#[derive(Clone, Copy, Debug)]
pub enum Of {
    Sponsor(i64),
    Prospect(i64),
}

/// The figures of one organisation for periods ending on or after `from` and starting on or
/// before `to`, by metric and period (at most `limit`, the newest kept when cut).
pub fn figures(
    conn: &mut DbConn,
    of: Of,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<Figure>> {
    let q = usage_figures::table
        .filter(usage_figures::last_day.ge(from))
        .filter(usage_figures::first_day.le(to))
        .select(Figure::as_select())
        .order((usage_figures::first_day.desc(), usage_figures::metric))
        .limit(limit);
    let mut rows = match of {
        Of::Sponsor(id) => q.filter(usage_figures::sponsor_id.eq(id)).load(conn)?,
        Of::Prospect(id) => q.filter(usage_figures::prospect_id.eq(id)).load(conn)?,
    };
    rows.sort_by(|a, b| (&a.metric, a.first_day).cmp(&(&b.metric, b.first_day)));
    Ok(rows)
}

/// The metrics figures exist for, most figures first (downloads first among equals), from
/// the kept summary.
pub fn metrics(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    let mut m: Vec<(String, i64)> = usage_metrics::table
        .select((usage_metrics::metric, usage_metrics::figures))
        .load(conn)?;
    // Downloads lead a tie: the measure people recognise first.
    m.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.0.contains("download").cmp(&a.0.contains("download")))
            .then(a.0.cmp(&b.0))
    });
    Ok(m)
}

/// The last year of figures of a metric: from the day after the same date a year before the
/// newest period's end, to that end (periods that start within it count). None without
/// figures. Figures arrive late, so the year is the figures', not the calendar's.
pub fn year_of_figures(
    conn: &mut DbConn,
    metric: &str,
) -> QueryResult<Option<(NaiveDate, NaiveDate)>> {
    usage_metrics::table
        .find(metric)
        .select((usage_metrics::year_from, usage_metrics::year_to))
        .first(conn)
        .optional()
}

/// The unit a metric is counted in ("" when the files gave none).
pub fn unit_of(conn: &mut DbConn, metric: &str) -> QueryResult<String> {
    Ok(usage_metrics::table
        .find(metric)
        .select(usage_metrics::unit)
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// How fine a period is, in SQL from its key: 0 a month, 1 a quarter, 2 a year.
const GRAIN: &str = "(CASE WHEN {k} LIKE '%Q%' THEN 1 WHEN LENGTH({k}) = 4 THEN 2 ELSE 0 END)";

fn grain(col: &str) -> String {
    GRAIN.replace("{k}", col)
}

/// Recomputes what the pages rank by (see the migration's comment): each metric's unit,
/// count and last year of figures, and each prospect's total over that year at the finest
/// periods it has. Run in the transaction that changed the figures; a few statements a
/// metric, whatever the number of figures.
pub fn refresh_totals(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Date, Nullable, Text};
    #[derive(QueryableByName)]
    struct M {
        #[diesel(sql_type = Text)]
        metric: String,
        #[diesel(sql_type = Nullable<Text>)]
        unit: Option<String>,
        #[diesel(sql_type = BigInt)]
        figures: i64,
        #[diesel(sql_type = Date)]
        year_to: NaiveDate,
    }
    let found: Vec<M> = diesel::sql_query(
        "SELECT metric, MAX(unit) AS unit, COUNT(*) AS figures, MAX(last_day) AS year_to \
         FROM usage_figures GROUP BY metric",
    )
    .load(conn)?;
    diesel::delete(usage_totals::table).execute(conn)?;
    diesel::delete(usage_metrics::table).execute(conn)?;
    for m in found {
        let year_from = m
            .year_to
            .checked_sub_months(chrono::Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(m.year_to);
        diesel::insert_into(usage_metrics::table)
            .values((
                usage_metrics::metric.eq(&m.metric),
                usage_metrics::unit.eq(m.unit.unwrap_or_default()),
                usage_metrics::figures.eq(m.figures),
                usage_metrics::year_from.eq(year_from),
                usage_metrics::year_to.eq(m.year_to),
            ))
            .execute(conn)?;
        let sql = crate::db::numbered_params(
            conn,
            format!(
                "INSERT INTO usage_totals (prospect_id, metric, total) \
                 SELECT f.prospect_id, f.metric, SUM(f.value) FROM usage_figures f \
                 JOIN (SELECT prospect_id, MIN({g}) AS grain FROM usage_figures \
                       WHERE metric = $1 AND first_day >= $2 AND prospect_id IS NOT NULL \
                       GROUP BY prospect_id) g ON g.prospect_id = f.prospect_id \
                 WHERE f.metric = $1 AND f.first_day >= $2 AND {fg} = g.grain \
                 GROUP BY f.prospect_id, f.metric",
                g = grain("period_key"),
                fg = grain("f.period_key"),
            ),
        );
        diesel::sql_query(sql)
            .bind::<Text, _>(&m.metric)
            .bind::<Date, _>(year_from)
            .execute(conn)?;
    }
    Ok(())
}

/// A turned-down application's sponsor record no longer holds the prospect's figures.
pub fn detach_sponsor(conn: &mut DbConn, prospect_id: i64, sponsor_id: i64) -> QueryResult<usize> {
    diesel::update(
        usage_figures::table
            .filter(usage_figures::prospect_id.eq(prospect_id))
            .filter(usage_figures::sponsor_id.eq(sponsor_id)),
    )
    .set(usage_figures::sponsor_id.eq(None::<i64>))
    .execute(conn)
}

/// When a prospect becomes (or is found to be) a sponsor: its figures are the sponsor's.
pub fn attach_prospect_to_sponsor(
    conn: &mut DbConn,
    prospect_id: i64,
    sponsor_id: i64,
) -> QueryResult<usize> {
    diesel::update(usage_figures::table.filter(usage_figures::prospect_id.eq(prospect_id)))
        .set(usage_figures::sponsor_id.eq(sponsor_id))
        .execute(conn)?;
    diesel::update(usage_figures::table.filter(usage_figures::sponsor_id.eq(sponsor_id)))
        .set(usage_figures::prospect_id.eq(prospect_id))
        .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = usage_imports)]
pub struct Import {
    pub id: i64,
    pub file_name: String,
    pub file_key: String,
    pub uploaded_by: String,
    pub status: String,
    pub bytes_total: i64,
    pub bytes_read: i64,
    pub rows_read: i64,
    pub rows_bad: i64,
    pub error: String,
    pub claimed_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
}

impl Import {
    /// 0–100, how much of the file has been read.
    pub fn percent(&self) -> i64 {
        if self.bytes_total <= 0 {
            return 0;
        }
        (self.bytes_read.saturating_mul(100) / self.bytes_total).clamp(0, 100)
    }
    pub fn is_running(&self) -> bool {
        self.status == "queued" || self.status == "reading"
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "queued" => "Waiting to be read",
            "reading" => "Reading",
            "failed" => "Refused",
            "review" => "Waiting for review",
            "imported" => "Imported",
            "cancelled" => "Cancelled",
            _ => "Unknown",
        }
    }
}

/// A new import: queued for the worker, or (with `reading_until`) already being read by
/// the caller until then.
pub fn insert_import(
    conn: &mut DbConn,
    file_name: &str,
    file_key: &str,
    uploaded_by: &str,
    bytes_total: i64,
    reading_until: Option<NaiveDateTime>,
) -> QueryResult<i64> {
    diesel::insert_into(usage_imports::table)
        .values((
            usage_imports::file_name.eq(file_name),
            usage_imports::file_key.eq(file_key),
            usage_imports::uploaded_by.eq(uploaded_by),
            usage_imports::status.eq(if reading_until.is_some() {
                "reading"
            } else {
                "queued"
            }),
            usage_imports::claimed_until.eq(reading_until),
            usage_imports::bytes_total.eq(bytes_total),
            usage_imports::created_at.eq(super::now()),
        ))
        .returning(usage_imports::id)
        .get_result(conn)
}

pub fn find_import(conn: &mut DbConn, id: i64) -> QueryResult<Import> {
    usage_imports::table
        .find(id)
        .select(Import::as_select())
        .first(conn)
}

pub fn count_imports(conn: &mut DbConn) -> QueryResult<i64> {
    usage_imports::table.count().get_result(conn)
}

pub fn imports_page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<Vec<Import>> {
    usage_imports::table
        .select(Import::as_select())
        .order(usage_imports::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// The next file waiting to be read, or one whose reader stopped (its claim ran out).
pub fn next_to_read(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    usage_imports::table
        .filter(
            usage_imports::status.eq("queued").or(usage_imports::status
                .eq("reading")
                .and(usage_imports::claimed_until.lt(now))),
        )
        .select(usage_imports::id)
        .order(usage_imports::id)
        .first(conn)
        .optional()
}

/// Takes the file for reading until `until`: 1 row when this caller got it.
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        usage_imports::table.find(id).filter(
            usage_imports::status.eq("queued").or(usage_imports::status
                .eq("reading")
                .and(usage_imports::claimed_until.lt(now))),
        ),
    )
    .set((
        usage_imports::status.eq("reading"),
        usage_imports::claimed_until.eq(until),
        usage_imports::bytes_read.eq(0),
        usage_imports::rows_read.eq(0),
        usage_imports::rows_bad.eq(0),
    ))
    .execute(conn)
}

/// Records progress and extends the claim; 0 rows when the import is no longer being read
/// by this reader (cancelled).
pub fn progress(
    conn: &mut DbConn,
    id: i64,
    bytes_read: i64,
    rows_read: i64,
    rows_bad: i64,
    until: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        usage_imports::table
            .find(id)
            .filter(usage_imports::status.eq("reading")),
    )
    .set((
        usage_imports::bytes_read.eq(bytes_read),
        usage_imports::rows_read.eq(rows_read),
        usage_imports::rows_bad.eq(rows_bad),
        usage_imports::claimed_until.eq(until),
    ))
    .execute(conn)
}

/// Ends the reading: "review" or "failed" (with the file's own problem, if any).
pub fn finish_reading(conn: &mut DbConn, id: i64, status: &str, error: &str) -> QueryResult<usize> {
    diesel::update(
        usage_imports::table
            .find(id)
            .filter(usage_imports::status.eq("reading")),
    )
    .set((
        usage_imports::status.eq(status),
        usage_imports::error.eq(error),
        usage_imports::claimed_until.eq(None::<NaiveDateTime>),
        usage_imports::finished_at.eq(super::now()),
    ))
    .execute(conn)
}

/// Moves an import from one status to another (1 row when it was still at `from`).
pub fn set_status(conn: &mut DbConn, id: i64, from: &[&str], to: &str) -> QueryResult<usize> {
    diesel::update(
        usage_imports::table
            .find(id)
            .filter(usage_imports::status.eq_any(from)),
    )
    .set((
        usage_imports::status.eq(to),
        usage_imports::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

pub fn mark_confirmed(conn: &mut DbConn, id: i64, by: &str) -> QueryResult<usize> {
    diesel::update(
        usage_imports::table
            .find(id)
            .filter(usage_imports::status.eq("review")),
    )
    .set((
        usage_imports::status.eq("imported"),
        usage_imports::confirmed_by.eq(by),
        usage_imports::confirmed_at.eq(super::now()),
    ))
    .execute(conn)
}

/// Forgets what a reading staged (before reading again, or when refused or cancelled).
pub fn clear_staged(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(usage_import_rows::table.filter(usage_import_rows::import_id.eq(id)))
        .execute(conn)?;
    diesel::delete(usage_import_orgs::table.filter(usage_import_orgs::import_id.eq(id)))
        .execute(conn)?;
    diesel::delete(usage_import_errors::table.filter(usage_import_errors::import_id.eq(id)))
        .execute(conn)?;
    Ok(())
}

/// Forgets the organisations a refused reading staged (its refused lines stay to be shown).
pub fn delete_orgs(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(usage_import_orgs::table.filter(usage_import_orgs::import_id.eq(id)))
        .execute(conn)
}

/// Forgets the staged rows only (after confirming: the figures hold them now).
pub fn clear_rows(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(usage_import_rows::table.filter(usage_import_rows::import_id.eq(id)))
        .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = usage_import_orgs)]
pub struct ImportOrg {
    pub id: i64,
    pub import_id: i64,
    pub org_key: String,
    pub name: String,
    pub domain: String,
    pub found: String,
    pub candidates: String,
    pub sponsor_id: Option<i64>,
    pub prospect_id: Option<i64>,
    pub decision: Option<String>,
    pub row_count: i64,
}

impl ImportOrg {
    /// The candidates as (form value, is a sponsor, id).
    pub fn candidate_choices(&self) -> Vec<(String, bool, i64)> {
        self.candidate_ids()
            .into_iter()
            .map(|(s, id)| {
                (
                    format!("{}:{id}", if s { "sponsor" } else { "prospect" }),
                    s,
                    id,
                )
            })
            .collect()
    }

    /// The candidates as (is a sponsor, id).
    pub fn candidate_ids(&self) -> Vec<(bool, i64)> {
        self.candidates
            .split_whitespace()
            .filter_map(|c| {
                let (kind, id) = c.split_once(':')?;
                Some((kind == "sponsor", id.parse().ok()?))
            })
            .collect()
    }
}

/// One organisation as the reader found it.
pub struct NewImportOrg<'a> {
    pub import_id: i64,
    pub org_key: &'a str,
    pub name: &'a str,
    pub domain: &'a str,
    pub found: &'a str,
    pub candidates: &'a str,
    pub sponsor_id: Option<i64>,
    pub prospect_id: Option<i64>,
    pub decision: Option<&'a str>,
}

pub fn insert_org(conn: &mut DbConn, o: &NewImportOrg<'_>) -> QueryResult<i64> {
    diesel::insert_into(usage_import_orgs::table)
        .values((
            usage_import_orgs::import_id.eq(o.import_id),
            usage_import_orgs::org_key.eq(o.org_key),
            usage_import_orgs::name.eq(o.name),
            usage_import_orgs::domain.eq(o.domain),
            usage_import_orgs::found.eq(o.found),
            usage_import_orgs::candidates.eq(o.candidates),
            usage_import_orgs::sponsor_id.eq(o.sponsor_id),
            usage_import_orgs::prospect_id.eq(o.prospect_id),
            usage_import_orgs::decision.eq(o.decision),
        ))
        .returning(usage_import_orgs::id)
        .get_result(conn)
}

pub fn set_org_rows(conn: &mut DbConn, org_id: i64, rows: i64) -> QueryResult<usize> {
    diesel::update(usage_import_orgs::table.find(org_id))
        .set(usage_import_orgs::row_count.eq(rows))
        .execute(conn)
}

/// How many of an import's organisations (and their rows) the matcher found `found` for and
/// a person decided `decision` for.
#[derive(Clone, Debug)]
pub struct OrgCount {
    pub found: String,
    pub decision: Option<String>,
    pub orgs: i64,
    pub rows: i64,
}

/// Counts of an import's organisations by what was found and decided.
pub fn org_summary(conn: &mut DbConn, import_id: i64) -> QueryResult<Vec<OrgCount>> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        found: String,
        #[diesel(sql_type = Nullable<Text>)]
        decision: Option<String>,
        #[diesel(sql_type = BigInt)]
        orgs: i64,
        #[diesel(sql_type = BigInt)]
        row_total: i64,
    }
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back so both read an i64.
    let sql = crate::db::numbered_params(
        conn,
        "SELECT found, decision, COUNT(*) AS orgs, \
                CAST(COALESCE(SUM(row_count), 0) AS BIGINT) AS row_total \
         FROM usage_import_orgs WHERE import_id = $1 GROUP BY found, decision"
            .to_string(),
    );
    let lines: Vec<Line> = diesel::sql_query(sql)
        .bind::<BigInt, _>(import_id)
        .load(conn)?;
    Ok(lines
        .into_iter()
        .map(|l| OrgCount {
            found: l.found,
            decision: l.decision,
            orgs: l.orgs,
            rows: l.row_total,
        })
        .collect())
}

/// The organisations of an import that wait for a person (none found, or several), one page.
pub fn orgs_to_review(
    conn: &mut DbConn,
    import_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ImportOrg>> {
    usage_import_orgs::table
        .filter(usage_import_orgs::import_id.eq(import_id))
        .filter(usage_import_orgs::found.ne("one"))
        .select(ImportOrg::as_select())
        .order((
            usage_import_orgs::found.desc(),
            usage_import_orgs::row_count.desc(),
            usage_import_orgs::id,
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

pub fn count_orgs_to_review(conn: &mut DbConn, import_id: i64) -> QueryResult<i64> {
    usage_import_orgs::table
        .filter(usage_import_orgs::import_id.eq(import_id))
        .filter(usage_import_orgs::found.ne("one"))
        .count()
        .get_result(conn)
}

/// How many organisations still wait for a decision.
pub fn count_undecided(conn: &mut DbConn, import_id: i64) -> QueryResult<i64> {
    usage_import_orgs::table
        .filter(usage_import_orgs::import_id.eq(import_id))
        .filter(usage_import_orgs::decision.is_null())
        .count()
        .get_result(conn)
}

pub fn find_org(conn: &mut DbConn, import_id: i64, org_id: i64) -> QueryResult<ImportOrg> {
    usage_import_orgs::table
        .find(org_id)
        .filter(usage_import_orgs::import_id.eq(import_id))
        .select(ImportOrg::as_select())
        .first(conn)
}

/// Records a person's decision for one organisation.
pub fn decide_org(
    conn: &mut DbConn,
    org_id: i64,
    decision: &str,
    sponsor_id: Option<i64>,
    prospect_id: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(usage_import_orgs::table.find(org_id))
        .set((
            usage_import_orgs::decision.eq(decision),
            usage_import_orgs::sponsor_id.eq(sponsor_id),
            usage_import_orgs::prospect_id.eq(prospect_id),
        ))
        .execute(conn)
}

/// The same decision for every organisation of an import the matcher found nothing for.
pub fn decide_all_unmatched(
    conn: &mut DbConn,
    import_id: i64,
    decision: &str,
) -> QueryResult<usize> {
    diesel::update(
        usage_import_orgs::table
            .filter(usage_import_orgs::import_id.eq(import_id))
            .filter(usage_import_orgs::found.eq("none")),
    )
    .set(usage_import_orgs::decision.eq(decision))
    .execute(conn)
}

/// An import's organisations to be added as new prospects, `limit` after `after`.
pub fn orgs_to_create(
    conn: &mut DbConn,
    import_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ImportOrg>> {
    usage_import_orgs::table
        .filter(usage_import_orgs::import_id.eq(import_id))
        .filter(usage_import_orgs::decision.eq("new"))
        .filter(usage_import_orgs::prospect_id.is_null())
        .filter(usage_import_orgs::id.gt(after))
        .select(ImportOrg::as_select())
        .order(usage_import_orgs::id)
        .limit(limit)
        .load(conn)
}

/// A staged row.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = usage_import_rows)]
pub struct NewRow {
    pub import_id: i64,
    pub org_id: i64,
    pub line: i64,
    pub metric: String,
    pub unit: String,
    pub period_key: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub value: f64,
}

/// Stages rows, several to a statement (written per backend: a multi-row insert does not
/// compile over the connection enum).
pub fn insert_rows(conn: &mut DbConn, rows: &[NewRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(500) {
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(usage_import_rows::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(usage_import_rows::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

/// (line, line) pairs of staged rows naming the same organisation, metric and period as an
/// earlier line (at most `limit`).
pub fn repeated_rows(
    conn: &mut DbConn,
    import_id: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct Pair {
        #[diesel(sql_type = BigInt)]
        first: i64,
        #[diesel(sql_type = BigInt)]
        line: i64,
    }
    let sql = crate::db::numbered_params(
        conn,
        "SELECT MIN(line) AS first, MAX(line) AS line FROM usage_import_rows \
         WHERE import_id = $1 GROUP BY org_id, metric, period_key HAVING COUNT(*) > 1 \
         ORDER BY 2 LIMIT $2"
            .to_string(),
    );
    let rows: Vec<Pair> = diesel::sql_query(sql)
        .bind::<BigInt, _>(import_id)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    Ok(rows.into_iter().map(|p| (p.first, p.line)).collect())
}

pub fn insert_error(
    conn: &mut DbConn,
    import_id: i64,
    line: i64,
    message: &str,
) -> QueryResult<usize> {
    diesel::insert_into(usage_import_errors::table)
        .values((
            usage_import_errors::import_id.eq(import_id),
            usage_import_errors::line.eq(line),
            usage_import_errors::message.eq(message),
        ))
        .execute(conn)
}

pub fn errors_page(
    conn: &mut DbConn,
    import_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String)>> {
    usage_import_errors::table
        .filter(usage_import_errors::import_id.eq(import_id))
        .select((usage_import_errors::line, usage_import_errors::message))
        .order((usage_import_errors::line, usage_import_errors::id))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

pub fn count_errors(conn: &mut DbConn, import_id: i64) -> QueryResult<i64> {
    usage_import_errors::table
        .filter(usage_import_errors::import_id.eq(import_id))
        .count()
        .get_result(conn)
}

/// Replaces, for each organisation the import stores figures for, its figures of every
/// (metric, period) the import holds: a period imported again is replaced, not doubled, and
/// organisations the file does not name (or that were left out) keep theirs. In statements
/// whose cost does not depend on Rust memory.
pub fn replace_figures(conn: &mut DbConn, import_id: i64) -> QueryResult<usize> {
    use diesel::sql_types::BigInt;
    // Once by sponsor and once by prospect, so each join can use its index.
    for owner in ["sponsor_id", "prospect_id"] {
        let delete = crate::db::numbered_params(
            conn,
            format!(
                "DELETE FROM usage_figures WHERE id IN (SELECT f.id FROM usage_import_rows r \
                 JOIN usage_import_orgs o ON o.id = r.org_id \
                 JOIN usage_figures f ON f.{owner} = o.{owner} AND f.metric = r.metric \
                 AND f.period_key = r.period_key \
                 WHERE r.import_id = $1 AND o.decision IN ('match', 'new'))"
            ),
        );
        diesel::sql_query(delete)
            .bind::<BigInt, _>(import_id)
            .execute(conn)?;
    }
    let insert = crate::db::numbered_params(
        conn,
        "INSERT INTO usage_figures (sponsor_id, prospect_id, import_id, metric, unit, \
         period_key, first_day, last_day, value) \
         SELECT o.sponsor_id, o.prospect_id, r.import_id, r.metric, r.unit, r.period_key, \
                r.first_day, r.last_day, r.value \
         FROM usage_import_rows r JOIN usage_import_orgs o ON o.id = r.org_id \
         WHERE r.import_id = $1 AND o.decision IN ('match', 'new') \
         AND (o.sponsor_id IS NOT NULL OR o.prospect_id IS NOT NULL)"
            .to_string(),
    );
    diesel::sql_query(insert)
        .bind::<BigInt, _>(import_id)
        .execute(conn)
}

/// Lines that would store a second figure for the same organisation, metric and period
/// (two names in the file that turn out to be one organisation): (line, earlier line, name).
pub fn resolved_twice(conn: &mut DbConn, import_id: i64) -> QueryResult<Vec<(i64, i64, String)>> {
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Twice {
        #[diesel(sql_type = BigInt)]
        line: i64,
        #[diesel(sql_type = BigInt)]
        first: i64,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = crate::db::numbered_params(
        conn,
        "SELECT MAX(r.line) AS line, MIN(r.line) AS first, MIN(o.name) AS name \
         FROM usage_import_rows r JOIN usage_import_orgs o ON o.id = r.org_id \
         WHERE r.import_id = $1 AND o.decision IN ('match', 'new') \
         GROUP BY COALESCE(o.sponsor_id, -1), COALESCE(o.prospect_id, -1), r.metric, r.period_key \
         HAVING COUNT(*) > 1 ORDER BY 1 LIMIT 10"
            .to_string(),
    );
    let rows: Vec<Twice> = diesel::sql_query(sql)
        .bind::<BigInt, _>(import_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|t| (t.line, t.first, t.name))
        .collect())
}

/// Completes the import's organisations before their figures are written: a sponsor's
/// prospect (a lapsed sponsor) and a prospect's sponsor are both named.
pub fn complete_links(conn: &mut DbConn, import_id: i64) -> QueryResult<()> {
    use diesel::sql_types::BigInt;
    for sql in [
        "UPDATE usage_import_orgs SET prospect_id = (SELECT p.id FROM prospects p \
         WHERE p.sponsor_id = usage_import_orgs.sponsor_id) \
         WHERE import_id = $1 AND sponsor_id IS NOT NULL AND prospect_id IS NULL",
        "UPDATE usage_import_orgs SET sponsor_id = (SELECT p.sponsor_id FROM prospects p \
         WHERE p.id = usage_import_orgs.prospect_id) \
         WHERE import_id = $1 AND prospect_id IS NOT NULL AND sponsor_id IS NULL",
    ] {
        let sql = crate::db::numbered_params(conn, sql.to_string());
        diesel::sql_query(sql)
            .bind::<BigInt, _>(import_id)
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = usage_links)]
pub struct Link {
    pub id: i64,
    pub prospect_id: i64,
    pub token_hash: String,
    pub email: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub opened_at: Option<NaiveDateTime>,
    pub open_count: i32,
}

pub fn insert_link(
    conn: &mut DbConn,
    prospect_id: i64,
    token_hash: &str,
    email: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(usage_links::table)
        .values((
            usage_links::prospect_id.eq(prospect_id),
            usage_links::token_hash.eq(token_hash),
            usage_links::email.eq(email),
            usage_links::created_at.eq(super::now()),
            usage_links::expires_at.eq(expires_at),
        ))
        .returning(usage_links::id)
        .get_result(conn)
}

/// The link with this token hash, if it has not expired.
pub fn live_link(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Link>> {
    usage_links::table
        .filter(usage_links::token_hash.eq(token_hash))
        .filter(usage_links::expires_at.gt(now))
        .select(Link::as_select())
        .first(conn)
        .optional()
}

/// The link with this token hash, expired or not (its "do not contact me" part outlives the
/// page).
pub fn any_link(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Link>> {
    usage_links::table
        .filter(usage_links::token_hash.eq(token_hash))
        .select(Link::as_select())
        .first(conn)
        .optional()
}

/// Counts an opening; true for the first.
pub fn count_open(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let first = diesel::update(
        usage_links::table
            .find(id)
            .filter(usage_links::opened_at.is_null()),
    )
    .set((
        usage_links::opened_at.eq(super::now()),
        usage_links::open_count.eq(usage_links::open_count + 1),
    ))
    .execute(conn)?;
    if first == 0 {
        diesel::update(usage_links::table.find(id))
            .set(usage_links::open_count.eq(usage_links::open_count + 1))
            .execute(conn)?;
    }
    Ok(first == 1)
}

pub fn links_of(conn: &mut DbConn, prospect_id: i64) -> QueryResult<Vec<Link>> {
    usage_links::table
        .filter(usage_links::prospect_id.eq(prospect_id))
        .select(Link::as_select())
        .order(usage_links::id.desc())
        .limit(20)
        .load(conn)
}

/// Whether an address asked not to be contacted again.
pub fn is_do_not_contact(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        do_not_contact::table.filter(do_not_contact::email.eq(email.to_lowercase())),
    ))
    .get_result(conn)
}

/// Records the wish (once; later ones, also at the same moment, change nothing). True when
/// it is new.
pub fn add_do_not_contact(conn: &mut DbConn, email: &str, source: &str) -> QueryResult<bool> {
    use diesel::sql_types::{Text, Timestamp};
    let sql = crate::db::numbered_params(
        conn,
        "INSERT INTO do_not_contact (email, source, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (email) DO NOTHING"
            .to_string(),
    );
    diesel::sql_query(sql)
        .bind::<Text, _>(email.to_lowercase())
        .bind::<Text, _>(source)
        .bind::<Timestamp, _>(super::now())
        .execute(conn)
        .map(|n| n == 1)
}

/// Which of these addresses asked not to be contacted.
pub fn do_not_contact_among(conn: &mut DbConn, emails: &[String]) -> QueryResult<Vec<String>> {
    let lower: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    do_not_contact::table
        .filter(do_not_contact::email.eq_any(lower))
        .select(do_not_contact::email)
        .load(conn)
}

/// Claims today's follow-up email for a person: true the first time.
pub fn claim_digest(conn: &mut DbConn, user_id: i64, day: NaiveDate) -> QueryResult<bool> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        follow_up_digests::table
            .filter(follow_up_digests::user_id.eq(user_id))
            .filter(follow_up_digests::day.eq(day)),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(follow_up_digests::table)
        .values((
            follow_up_digests::user_id.eq(user_id),
            follow_up_digests::day.eq(day),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Each prospect's total of `metric` over its last year of figures (those with figures
/// only), from the kept totals.
pub fn totals_for(
    conn: &mut DbConn,
    prospect_ids: &[i64],
    metric: &str,
) -> QueryResult<std::collections::HashMap<i64, f64>> {
    let rows: Vec<(i64, f64)> = super::in_chunks(prospect_ids, |chunk| {
        usage_totals::table
            .filter(usage_totals::prospect_id.eq_any(chunk))
            .filter(usage_totals::metric.eq(metric))
            .select((usage_totals::prospect_id, usage_totals::total))
            .load(conn)
    })?;
    Ok(rows.into_iter().collect())
}
