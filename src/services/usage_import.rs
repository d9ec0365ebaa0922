//! Importing usage figures from a CSV file: the upload is kept on disk; the worker reads it
//! a row at a time (memory does not grow with the file), checks every row, matches each
//! organisation to a sponsor or prospect, and stages the rows; a person then settles the
//! organisations the matcher could not, and confirms. Confirming replaces the figures of
//! every metric and period the file holds, in one transaction; until then nothing is stored.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use chrono::Duration;

use crate::db::{DbConn, write_tx};
use crate::domain::organisations::{Identity, Match, Matcher};
use crate::domain::usage::{Header, metric_key, parse_row};
use crate::error::{AppError, AppResult};
use crate::models::prospects::{self as prospect_rows, NewProspect};
use crate::models::usage::{self as rows, NewImportOrg, NewRow};
use crate::services::audit::{self, Actor};

/// The largest file taken (a year of monthly figures for a hundred thousand organisations
/// and a few metrics fits well within it).
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;
/// Refused lines kept to show (the count is always complete).
pub const STORED_ERRORS_MAX: i64 = 1000;
/// Rows staged per write, and how often progress is saved.
const FLUSH_ROWS: usize = 2000;
/// How long a reader holds a file between two progress saves before another may take it.
const CLAIM_SECS: i64 = 120;

/// Where uploads wait to be read.
pub fn files_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("usage-imports")
}

/// The stored file of an import.
pub fn file_path(data_dir: &Path, key: &str) -> Option<PathBuf> {
    crate::private_files::path(&files_dir(data_dir), key, ".csv")
}

/// Removes an import's file (after confirming or cancelling); missing is fine.
pub fn delete_file(data_dir: &Path, key: &str) {
    if let Err(e) = crate::private_files::delete(&files_dir(data_dir), key, ".csv") {
        tracing::warn!(error = %e, "could not remove a usage file");
    }
}

/// Looks at a file's first bytes: a spreadsheet saved in another format or text in another
/// encoding is refused before it is queued, with what to do instead.
pub fn check_start(first: &[u8]) -> Result<(), String> {
    if first.is_empty() {
        return Err("The file is empty. Choose the CSV file with the usage figures.".into());
    }
    if first.starts_with(&[0xFF, 0xFE]) || first.starts_with(&[0xFE, 0xFF]) {
        return Err(
            "The file is saved as UTF-16 text. Save it as \u{201c}CSV UTF-8\u{201d} \
             and upload it again."
                .into(),
        );
    }
    if first.starts_with(b"PK\x03\x04") || first.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(
            "This is a spreadsheet workbook, not a CSV file. In your spreadsheet, \
             choose Save as \u{2192} \u{201c}CSV UTF-8\u{201d} and upload that file."
                .into(),
        );
    }
    if first.contains(&0) {
        return Err("This is not a text file. Upload the usage figures as a CSV file.".into());
    }
    Ok(())
}

/// How a reading ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    /// Every row is good: the import waits for review.
    Review,
    /// Some rows (or the file) were refused: nothing is staged.
    Refused,
    /// Someone cancelled it while it was being read.
    Cancelled,
}

/// Refuses the whole file, saying why.
fn refuse_file(conn: &mut DbConn, id: i64, why: &str) -> AppResult<Read> {
    write_tx(conn, |c| {
        rows::clear_staged(c, id)?;
        rows::finish_reading(c, id, "failed", why)?;
        Ok(())
    })?;
    Ok(Read::Refused)
}

/// Every organisation the file may name: sponsors (by id) and prospects not linked to a
/// sponsor (by minus their id), so one matcher answers for both.
fn matcher(conn: &mut DbConn) -> AppResult<Matcher> {
    let sponsors = crate::models::portal_views::sponsor_identities(conn)?;
    let prospects = prospect_rows::unlinked_identities(conn)?;
    Ok(Matcher::new(
        sponsors
            .into_iter()
            .map(|(id, name, slug, website)| Identity {
                id,
                name,
                slug,
                website,
            })
            .chain(prospects.into_iter().map(|(id, name, domain)| Identity {
                id: -id,
                name,
                slug: String::new(),
                website: domain,
            })),
    ))
}

/// (sponsor, prospect) for a matcher id.
fn split_id(id: i64) -> (Option<i64>, Option<i64>) {
    if id < 0 {
        (None, Some(-id))
    } else {
        (Some(id), None)
    }
}

/// Reads the import's file (the worker's job; see the module comment). Safe to run again
/// after a crash: what an earlier reading staged is cleared first.
pub fn read(conn: &mut DbConn, data_dir: &Path, id: i64) -> AppResult<Read> {
    let imp = rows::find_import(conn, id)?;
    write_tx(conn, |c| Ok(rows::clear_staged(c, id)?))?;
    let Some(path) = file_path(data_dir, &imp.file_key) else {
        return refuse_file(conn, id, "The uploaded file could not be found.");
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(_) => return refuse_file(conn, id, "The uploaded file could not be found."),
    };
    let mut input = BufReader::with_capacity(64 * 1024, file);
    {
        let first = input
            .fill_buf()
            .map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?;
        if let Err(why) = check_start(first) {
            return refuse_file(conn, id, &why);
        }
        if first.starts_with(&[0xEF, 0xBB, 0xBF]) {
            input.consume(3);
        }
    }
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut rec = csv::ByteRecord::new();
    match csv.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => return refuse_file(conn, id, "The file is empty."),
        Err(e) => {
            return refuse_file(conn, id, &format!("The file cannot be read as CSV: {e}."));
        }
    }
    let cells: Vec<&str> = match rec.iter().map(std::str::from_utf8).collect() {
        Ok(c) => c,
        Err(_) => {
            return refuse_file(
                conn,
                id,
                "The first line is not UTF-8 text. Save the file as \u{201c}CSV UTF-8\u{201d} \
                 and upload it again.",
            );
        }
    };
    let header = match Header::parse(cells.iter().copied()) {
        Ok(h) => h,
        Err(why) => return refuse_file(conn, id, &format!("The first line: {why}")),
    };
    let known = matcher(conn)?;

    // Organisation key → (staged organisation id, rows): one entry per organisation, so
    // memory grows with the organisations a file names, not with its rows.
    let mut orgs: HashMap<String, (i64, i64)> = HashMap::new();
    let mut staged: Vec<NewRow> = Vec::with_capacity(FLUSH_ROWS);
    let (mut read, mut bad, mut stored_errors) = (0i64, 0i64, 0i64);
    let mut errors: Vec<(i64, String)> = Vec::new();
    let mut since_flush = 0usize;
    loop {
        match csv.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line() as i64).unwrap_or(0);
                return refuse_file(
                    conn,
                    id,
                    &format!("Line {line} cannot be read as CSV ({e}); nothing was imported."),
                );
            }
        }
        let line = rec.position().map(|p| p.line() as i64).unwrap_or(0);
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        read += 1;
        since_flush += 1;
        let outcome = match rec
            .iter()
            .map(std::str::from_utf8)
            .collect::<Result<Vec<&str>, _>>()
        {
            Err(_) => Err(
                "it is not UTF-8 text: save the file as \u{201c}CSV UTF-8\u{201d} \
                 and upload it again"
                    .to_string(),
            ),
            Ok(cells) => parse_row(&header, &cells),
        };
        match outcome {
            Err(why) => {
                bad += 1;
                if stored_errors < STORED_ERRORS_MAX {
                    stored_errors += 1;
                    errors.push((line, why));
                }
                staged.clear();
            }
            // Once a row is refused nothing will be staged; the rest is only checked.
            Ok(_) if bad > 0 => {}
            Ok(row) => {
                let key = format!(
                    "{}|{}",
                    prospect_rows::name_key(&row.organisation),
                    row.domain
                );
                let org_id = match orgs.get_mut(&key) {
                    Some((oid, n)) => {
                        *n += 1;
                        *oid
                    }
                    None => {
                        let found = known.find(&row.organisation, &row.domain);
                        let (kind, candidates, sponsor_id, prospect_id, decision) = match &found {
                            Match::One(m) => {
                                let (s, p) = split_id(*m);
                                ("one", String::new(), s, p, Some("match"))
                            }
                            Match::Several(ids) => (
                                "several",
                                ids.iter()
                                    .map(|m| match split_id(*m) {
                                        (Some(s), _) => format!("sponsor:{s}"),
                                        (_, Some(p)) => format!("prospect:{p}"),
                                        _ => String::new(),
                                    })
                                    .collect::<Vec<_>>()
                                    .join(" "),
                                None,
                                None,
                                None,
                            ),
                            Match::None => ("none", String::new(), None, None, None),
                        };
                        let oid = rows::insert_org(
                            conn,
                            &NewImportOrg {
                                import_id: id,
                                org_key: &key,
                                name: &row.organisation,
                                domain: &row.domain,
                                found: kind,
                                candidates: &candidates,
                                sponsor_id,
                                prospect_id,
                                decision,
                            },
                        )?;
                        orgs.insert(key, (oid, 1));
                        oid
                    }
                };
                staged.push(NewRow {
                    import_id: id,
                    org_id,
                    line,
                    metric: metric_key(&row.metric),
                    unit: row.unit,
                    period_key: row.period.key(),
                    first_day: row.period.first_day(),
                    last_day: row.period.last_day(),
                    value: row.value,
                });
            }
        }
        if since_flush >= FLUSH_ROWS {
            since_flush = 0;
            let bytes = rec.position().map(|p| p.byte() as i64).unwrap_or(0);
            if !flush(conn, id, &mut staged, &mut errors, bytes, read, bad)? {
                return Ok(Read::Cancelled);
            }
        }
    }
    if !flush(
        conn,
        id,
        &mut staged,
        &mut errors,
        imp.bytes_total,
        read,
        bad,
    )? {
        return Ok(Read::Cancelled);
    }
    if bad == 0 {
        let repeats = rows::repeated_rows(conn, id, STORED_ERRORS_MAX)?;
        if !repeats.is_empty() {
            bad = repeats.len() as i64;
            write_tx(conn, |c| {
                for (first, line) in &repeats {
                    rows::insert_error(
                        c,
                        id,
                        *line,
                        &format!(
                            "the same organisation, metric and period as line {first}: \
                             keep one of the two"
                        ),
                    )?;
                }
                Ok(())
            })?;
        }
    }
    if read == 0 {
        return refuse_file(
            conn,
            id,
            "The file has a first line but no figures under it.",
        );
    }
    write_tx(conn, |c| {
        if bad > 0 {
            rows::clear_rows(c, id)?;
            crate::models::usage::delete_orgs(c, id)?;
            rows::progress(c, id, imp.bytes_total, read, bad, crate::models::now())?;
            rows::finish_reading(c, id, "failed", "")?;
        } else {
            for (oid, n) in orgs.values() {
                rows::set_org_rows(c, *oid, *n)?;
            }
            rows::finish_reading(c, id, "review", "")?;
        }
        Ok(())
    })?;
    Ok(if bad > 0 { Read::Refused } else { Read::Review })
}

/// Writes the staged rows and refused lines and saves progress; false when the import was
/// cancelled meanwhile.
fn flush(
    conn: &mut DbConn,
    id: i64,
    staged: &mut Vec<NewRow>,
    errors: &mut Vec<(i64, String)>,
    bytes: i64,
    read: i64,
    bad: i64,
) -> AppResult<bool> {
    let until = crate::models::now() + Duration::seconds(CLAIM_SECS);
    write_tx(conn, |c| {
        // Still ours (not cancelled): only then is anything staged.
        if rows::progress(c, id, bytes, read, bad, until)? != 1 {
            return Ok(false);
        }
        rows::insert_rows(c, staged)?;
        for (line, why) in errors.iter() {
            rows::insert_error(c, id, *line, why)?;
        }
        Ok(true)
    })
    .inspect(|_| {
        staged.clear();
        errors.clear();
    })
}

/// The worker's turn: takes the next file waiting (or one whose reader stopped) and reads
/// it. True when there was one.
pub fn read_next(conn: &mut DbConn, data_dir: &Path) -> AppResult<bool> {
    let now = crate::models::now();
    let Some(id) = rows::next_to_read(conn, now)? else {
        return Ok(false);
    };
    if rows::claim(conn, id, now, now + Duration::seconds(CLAIM_SECS))? == 0 {
        return Ok(true);
    }
    let r = read(conn, data_dir, id);
    if matches!(r, Ok(Read::Refused) | Ok(Read::Cancelled) | Err(_)) {
        // Nothing of it will be stored: the upload is not kept.
        if let Ok(i) = rows::find_import(conn, id) {
            delete_file(data_dir, &i.file_key);
        }
    }
    if let Err(e) = &r {
        tracing::error!(import = id, error = %format!("{e:#}"), "reading a usage file failed");
        let _ = refuse_file(
            conn,
            id,
            "The file could not be read because of a fault on our side. Upload it again; \
             if it happens again, tell an administrator.",
        );
    }
    Ok(true)
}

/// Why a file is refused for its size, with what to do.
pub fn too_large_message() -> String {
    format!(
        "The file is larger than {} MB. Split it into several files (by period, say) and \
         import each.",
        MAX_FILE_BYTES / 1024 / 1024
    )
}

/// Records a stored file as an import (queued for the worker, or already being read by the
/// caller until `reading_until`), with an audit entry when a person uploaded it.
pub fn queue(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    name: &str,
    key: &str,
    uploaded_by: &str,
    bytes: u64,
    reading_until: Option<chrono::NaiveDateTime>,
) -> AppResult<i64> {
    let id = rows::insert_import(conn, name, key, uploaded_by, bytes as i64, reading_until)?;
    if let Some(actor) = actor {
        audit::record(
            conn,
            actor,
            "usage.upload",
            Some(("usage_import", &id.to_string())),
            &format!("{name} ({bytes} bytes)"),
        )?;
    }
    Ok(id)
}

/// Queues a file from disk (the command line's import): checked like an upload, copied
/// under a new key, and read at once by the caller's thread. Returns the import's id and
/// how the reading ended.
pub fn import_file(
    conn: &mut DbConn,
    data_dir: &Path,
    src: &Path,
    uploaded_by: &str,
) -> AppResult<(i64, Read)> {
    use std::io::Read as _;
    let mut first = [0u8; 8192];
    let n = std::fs::File::open(src)
        .and_then(|mut f| f.read(&mut first))
        .map_err(|e| AppError::BadRequest(format!("{} cannot be read: {e}", src.display())))?;
    check_start(&first[..n]).map_err(AppError::BadRequest)?;
    let size = std::fs::metadata(src)
        .map_err(|e| AppError::Unexpected(e.into()))?
        .len();
    if size > MAX_FILE_BYTES as u64 {
        return Err(AppError::BadRequest(too_large_message()));
    }
    let stored = crate::private_files::Incoming::start(&files_dir(data_dir), ".csv").and_then(
        |mut incoming| {
            std::fs::File::open(src).and_then(|mut f| incoming.copy_from(&mut f))?;
            incoming.finish()
        },
    );
    let (key, bytes) = stored.map_err(|e| AppError::Unexpected(e.into()))?;
    let name = src
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect()
        })
        .unwrap_or_else(|| "usage.csv".to_string());
    // Inserted as being read by this thread, so the server's worker leaves it alone.
    let until = crate::models::now() + Duration::seconds(CLAIM_SECS);
    let id = queue(conn, None, &name, &key, uploaded_by, bytes, Some(until))?;
    let read = read(conn, data_dir, id)?;
    if read != Read::Review {
        delete_file(data_dir, &key);
    }
    Ok((id, read))
}

/// A person's choice for an organisation the matcher could not settle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    NewProspect,
    Skip,
    Sponsor(i64),
    Prospect(i64),
}

impl Choice {
    /// "new", "skip", "sponsor:12", "prospect:4".
    pub fn parse(s: &str) -> Option<Choice> {
        match s {
            "new" => Some(Choice::NewProspect),
            "skip" => Some(Choice::Skip),
            _ => {
                let (kind, id) = s.split_once(':')?;
                let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
                match kind {
                    "sponsor" => Some(Choice::Sponsor(id)),
                    "prospect" => Some(Choice::Prospect(id)),
                    _ => None,
                }
            }
        }
    }
}

fn waiting_for_review(conn: &mut DbConn, id: i64) -> AppResult<rows::Import> {
    let imp = rows::find_import(conn, id)?;
    if imp.status != "review" {
        return Err(AppError::Conflict(format!(
            "This import is no longer waiting for review: it is \u{201c}{}\u{201d}.",
            imp.status_label().to_lowercase()
        )));
    }
    Ok(imp)
}

/// Records choices for organisations of an import: (organisation, choice). A choice must be
/// one the page offered (a candidate the matcher found, a new prospect, or leaving it out).
pub fn decide(conn: &mut DbConn, import_id: i64, choices: &[(i64, Choice)]) -> AppResult<usize> {
    write_tx(conn, |c| {
        waiting_for_review(c, import_id)?;
        let mut n = 0;
        for (org_id, choice) in choices {
            let org = rows::find_org(c, import_id, *org_id)?;
            let offered = org.candidate_ids();
            // An organisation the matcher found nothing for may be matched by hand to any
            // sponsor, or to a prospect not yet linked to one.
            let by_hand = org.found == "none";
            let (decision, s, p) = match *choice {
                Choice::NewProspect => ("new", None, None),
                Choice::Skip => ("skip", None, None),
                Choice::Sponsor(id)
                    if offered.contains(&(true, id))
                        || (by_hand && crate::models::sponsors::find(c, id).is_ok()) =>
                {
                    ("match", Some(id), None)
                }
                Choice::Prospect(id)
                    if offered.contains(&(false, id))
                        || (by_hand
                            && prospect_rows::find(c, id)
                                .is_ok_and(|p| p.sponsor_id.is_none())) =>
                {
                    ("match", None, Some(id))
                }
                _ => {
                    return Err(AppError::BadRequest(format!(
                        "\u{201c}{}\u{201d} can only be matched to an organisation listed beside it.",
                        org.name
                    )));
                }
            };
            if org.found == "one" {
                continue;
            }
            n += rows::decide_org(c, org.id, decision, s, p)?;
        }
        Ok(n)
    })
}

/// The sponsor or prospect a person named (its name, short name or web domain), for matching
/// an organisation by hand; or why there is none to choose.
pub fn lookup(conn: &mut DbConn, named: &str) -> AppResult<Result<Choice, String>> {
    let named = named.trim();
    if named.is_empty() {
        return Ok(Err(
            "type the name or web domain of the sponsor or prospect".into(),
        ));
    }
    let known = matcher(conn)?;
    Ok(match known.find(named, named) {
        Match::One(id) => Ok(match split_id(id) {
            (Some(s), _) => Choice::Sponsor(s),
            (_, Some(p)) => Choice::Prospect(p),
            _ => Choice::Skip,
        }),
        Match::None => Err(format!(
            "no sponsor or prospect goes by \u{201c}{named}\u{201d}"
        )),
        Match::Several(_) => Err(format!(
            "several sponsors or prospects go by \u{201c}{named}\u{201d}: type the full name or the web domain"
        )),
    })
}

/// The same choice ("new" or "skip") for every organisation the matcher found nothing for.
pub fn decide_unmatched(conn: &mut DbConn, import_id: i64, choice: Choice) -> AppResult<usize> {
    let decision = match choice {
        Choice::NewProspect => "new",
        Choice::Skip => "skip",
        _ => {
            return Err(AppError::BadRequest(
                "Choose new prospects or leaving them out.".into(),
            ));
        }
    };
    write_tx(conn, |c| {
        waiting_for_review(c, import_id)?;
        Ok(rows::decide_all_unmatched(c, import_id, decision)?)
    })
}

/// What confirming did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmed {
    pub figures: usize,
    pub new_prospects: usize,
    pub file_key: String,
}

/// Stores the import: new prospects for the organisations chosen so, then the figures of
/// every (metric, period) in the file replaced by the file's, in one transaction. Refused
/// while an organisation still waits for a choice, and once only.
pub fn confirm(conn: &mut DbConn, actor: &Actor, import_id: i64) -> AppResult<Confirmed> {
    write_tx(conn, |c| {
        crate::db::serialize_on(c, crate::db::lock_keys::USAGE_IMPORTS)?;
        let imp = waiting_for_review(c, import_id)?;
        let undecided = rows::count_undecided(c, import_id)?;
        if undecided > 0 {
            return Err(AppError::Conflict(format!(
                "{} organisation{} still wait{} for a choice: match, add as a prospect or \
                 leave out each one first.",
                crate::domain::text::thousands(undecided),
                if undecided == 1 { "" } else { "s" },
                if undecided == 1 { "s" } else { "" },
            )));
        }
        let mut new_prospects = 0;
        let mut after = 0;
        loop {
            let batch = rows::orgs_to_create(c, import_id, after, 500)?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            for org in batch {
                let key = prospect_rows::name_key(&org.name);
                // Another import (or a person) may have added it since this file was read.
                let existing = prospect_rows::unlinked_by_keys(c, &key, &org.domain)?;
                let pid = match existing.first() {
                    Some(p) => p.id,
                    None => {
                        new_prospects += 1;
                        prospect_rows::insert(
                            c,
                            &NewProspect {
                                name: &org.name,
                                domain: &org.domain,
                                org_size: None,
                                sponsor_id: None,
                                owner_id: None,
                                lapsed_sponsorship_id: None,
                            },
                        )?
                    }
                };
                rows::decide_org(c, org.id, "new", None, Some(pid))?;
            }
        }
        rows::complete_links(c, import_id)?;
        let twice = rows::resolved_twice(c, import_id)?;
        if let Some((line, first, name)) = twice.first() {
            return Err(AppError::Conflict(format!(
                "Lines {first} and {line} give the same organisation ({name}, as you matched \
                 it) two figures for one metric and period. Nothing was stored: choose \
                 “Leave out” for one of the two names, or correct the file \
                 and upload it again."
            )));
        }
        let figures = rows::replace_figures(c, import_id)?;
        rows::refresh_totals(c)?;
        rows::clear_rows(c, import_id)?;
        if rows::mark_confirmed(c, import_id, &actor.label)? != 1 {
            return Err(AppError::Conflict(
                "Someone confirmed or cancelled this import at the same moment.".into(),
            ));
        }
        audit::record(
            c,
            actor,
            "usage.import",
            Some(("usage_import", &import_id.to_string())),
            &format!(
                "{}: {} figures stored, {} new prospects",
                imp.file_name, figures, new_prospects
            ),
        )?;
        Ok(Confirmed {
            figures,
            new_prospects,
            file_key: imp.file_key,
        })
    })
}

/// Cancels an import that is not stored yet; what it staged goes. Returns the file's key.
pub fn cancel(conn: &mut DbConn, actor: &Actor, import_id: i64) -> AppResult<String> {
    write_tx(conn, |c| {
        let imp = rows::find_import(c, import_id)?;
        if rows::set_status(
            c,
            import_id,
            &["queued", "reading", "review", "failed"],
            "cancelled",
        )? != 1
        {
            return Err(AppError::Conflict(format!(
                "This import cannot be cancelled: it is \u{201c}{}\u{201d}.",
                imp.status_label().to_lowercase()
            )));
        }
        rows::clear_staged(c, import_id)?;
        audit::record(
            c,
            actor,
            "usage.import_cancelled",
            Some(("usage_import", &import_id.to_string())),
            &imp.file_name,
        )?;
        Ok(imp.file_key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_formats_are_refused_with_what_to_do() {
        assert!(check_start(b"").unwrap_err().contains("empty"));
        assert!(
            check_start(&[0xFF, 0xFE, b'o', 0])
                .unwrap_err()
                .contains("UTF-16")
        );
        assert!(
            check_start(b"PK\x03\x04rest")
                .unwrap_err()
                .contains("CSV UTF-8")
        );
        assert!(
            check_start(b"organisation\0")
                .unwrap_err()
                .contains("not a text")
        );
        assert!(check_start(b"\xEF\xBB\xBForganisation,period").is_ok());
        assert_eq!(Choice::parse("sponsor:12"), Some(Choice::Sponsor(12)));
        assert_eq!(Choice::parse("prospect:-1"), None);
        assert_eq!(Choice::parse("x:1"), None);
    }
}
