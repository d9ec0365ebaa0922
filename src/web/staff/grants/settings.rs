//! Grant settings for grants administrators: the quorum thresholds (approvals needed, growing
//! with the amount) and the reference exchange rates requests in other currencies use.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::form::Fields;
use crate::domain::grants::{parse_rate, rate_label};
use crate::domain::{Currency, FormErrors, Money};
use crate::error::{AppError, AppResult};
use crate::models::audit::{self as audit_log, AuditFilter};
use crate::models::grant_programmes::{self as programmes, ExchangeRate};
use crate::services::grant_setup as service;
use crate::web::extract::{GrantsAdmin, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<GrantsAdmin>;

const PAGE: &str = "/staff/grants/settings";

/// Blank rows offered under the thresholds, for adding without JavaScript.
const BLANK_ROWS: usize = 2;

/// The most threshold rows a form may send (far more than anyone needs).
const MAX_ROWS: usize = 20;

/// One threshold row as typed, with its messages.
#[derive(Clone, Debug, Default)]
pub struct QuorumRow {
    pub from: String,
    pub approvals: String,
    pub from_error: String,
    pub approvals_error: String,
}

/// One exchange rate as the table shows it, with the edit field as typed.
pub struct RateRow {
    pub currency: String,
    pub label: String,
    pub input: String,
    pub error: String,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Template)]
#[template(path = "staff/grants/settings.html")]
struct Page {
    layout: Layout,
    currency: &'static str,
    quorum: Vec<QuorumRow>,
    quorum_error: String,
    /// The saved thresholds in words.
    quorum_words: Vec<String>,
    /// Who last changed the thresholds, and when ("" if never).
    quorum_changed: String,
    rates: Vec<RateRow>,
    /// Currencies that may get a rate (known, not ours, without one yet).
    addable: Vec<&'static str>,
    new_currency: String,
    new_rate: String,
    errors: FormErrors,
}

/// What the person typed into one of the page's forms, kept on a 422.
#[derive(Default)]
struct Typed {
    quorum: Option<Vec<QuorumRow>>,
    quorum_error: String,
    rate_edit: Option<(String, String, String)>,
    new_currency: String,
    new_rate: String,
    errors: FormErrors,
}

/// The thresholds in words: "Under $1,000.00: 1 approval", "$5,000.00 and more: 3 approvals".
pub fn quorum_words(rows: &[(i64, i32)], base: Currency) -> Vec<String> {
    let plural = |n: i32| if n == 1 { "approval" } else { "approvals" };
    rows.iter()
        .enumerate()
        .map(|(i, (from, n))| {
            let next = rows.get(i + 1).map(|r| r.0);
            let range = match (i, next) {
                (0, None) => "Any amount".to_string(),
                (0, Some(to)) => format!("Under {}", Money::new(to, base)),
                (_, None) => format!("{} and more", Money::new(*from, base)),
                (_, Some(to)) => format!(
                    "{} to {}",
                    Money::new(*from, base),
                    Money::new(to - 1, base)
                ),
            };
            format!("{range}: {n} {}", plural(*n))
        })
        .collect()
}

async fn page(staff: &S, typed: Typed) -> AppResult<Page> {
    let base = staff.settings().currency();
    let (saved, rates, changed) = staff
        .state
        .db
        .run(|c| {
            let filter = AuditFilter {
                action: "grant_quorum.set".into(),
                ..Default::default()
            };
            let (last, _) = audit_log::search(c, &filter, 1, 1)?;
            let changed = last
                .first()
                .map(|e| format!("Last changed by {} on {}.", e.actor, fmt_time(&e.at)))
                .unwrap_or_default();
            Ok((programmes::quorum(c)?, programmes::rates(c)?, changed))
        })
        .await?;
    let quorum = typed.quorum.unwrap_or_else(|| {
        let mut rows: Vec<QuorumRow> = saved
            .iter()
            .map(|(from, n)| QuorumRow {
                from: Money::new(*from, base).plain(),
                approvals: n.to_string(),
                ..Default::default()
            })
            .collect();
        rows.extend((0..BLANK_ROWS).map(|_| QuorumRow::default()));
        rows
    });
    let has_rate = |code: &str| rates.iter().any(|r: &ExchangeRate| r.currency == code);
    let addable = crate::domain::money::CURRENCIES
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| *c != base.code() && !has_rate(c))
        .collect();
    let rate_rows = rates
        .iter()
        .map(|r| {
            let (input, error) = match &typed.rate_edit {
                Some((cur, input, error)) if *cur == r.currency => (input.clone(), error.clone()),
                _ => (rate_label(r.rate_micros), String::new()),
            };
            RateRow {
                currency: r.currency.clone(),
                label: rate_label(r.rate_micros),
                input,
                error,
                updated_at: fmt_time(&r.updated_at),
                updated_by: r.updated_by.clone(),
            }
        })
        .collect();
    Ok(Page {
        layout: staff.layout("Grant settings", "/staff/grants"),
        currency: base.code(),
        quorum,
        quorum_error: typed.quorum_error,
        quorum_words: quorum_words(&saved, base),
        quorum_changed: changed,
        rates: rate_rows,
        addable,
        new_currency: typed.new_currency,
        new_rate: typed.new_rate,
        errors: typed.errors,
    })
}

/// `GET /staff/grants/settings`.
pub async fn show(staff: S) -> AppResult<HttpResponse> {
    render(&page(&staff, Typed::default()).await?)
}

/// Threshold rows as typed with their messages, and the message above the table.
pub type QuorumErrors = (Vec<QuorumRow>, String);

/// Checks the threshold rows: empty rows are dropped; at least one row; the lowest from 0;
/// approvals 1..=20; no amount twice; a larger amount never needs fewer approvals. Returns
/// the rows lowest first, or the rows as typed with their messages and a general message.
pub fn parse_quorum(
    froms: &[String],
    approvals: &[String],
    base: Currency,
) -> Result<Vec<(i64, i32)>, QuorumErrors> {
    let mut rows: Vec<QuorumRow> = froms
        .iter()
        .zip(approvals.iter())
        .filter(|(f, a)| !(f.trim().is_empty() && a.trim().is_empty()))
        .map(|(f, a)| QuorumRow {
            from: f.clone(),
            approvals: a.clone(),
            ..Default::default()
        })
        .collect();
    let mut general = String::new();
    if rows.is_empty() {
        general = "Keep at least one row: from 0, the approvals every grant needs.".into();
    }
    if rows.len() > MAX_ROWS {
        general = format!("Use at most {MAX_ROWS} rows.");
    }
    let mut parsed: Vec<(usize, i64, i32)> = Vec::new();
    // Amounts that parsed, even where the approvals did not: a repeated amount is reported
    // in the same round as the other mistakes.
    let mut froms_ok: Vec<(usize, i64)> = Vec::new();
    for (i, r) in rows.iter_mut().enumerate() {
        let from = Money::parse(&r.from, base)
            .map_err(|m| r.from_error = m)
            .ok();
        let n = match r.approvals.trim().parse::<i32>() {
            Ok(n) if (1..=20).contains(&n) => Some(n),
            _ => {
                r.approvals_error = "Enter a whole number of approvals from 1 to 20.".into();
                None
            }
        };
        if let Some(from) = from {
            froms_ok.push((i, from.minor));
        }
        if let (Some(from), Some(n)) = (from, n) {
            parsed.push((i, from.minor, n));
        }
    }
    froms_ok.sort_by_key(|(i, from)| (*from, *i));
    for w in froms_ok.windows(2) {
        let ((_, a), (j, b)) = (w[0], w[1]);
        if a == b {
            rows[j].from_error = format!("Two rows start from {}; keep one.", Money::new(b, base));
        }
    }
    // The order checks need every row.
    parsed.sort_by_key(|(_, from, _)| *from);
    if parsed.len() == rows.len() && general.is_empty() {
        if parsed.first().is_some_and(|(_, from, _)| *from != 0) {
            let (i, _, _) = parsed[0];
            rows[i].from_error =
                "The lowest row must start from 0, so that every amount has a quorum.".into();
        }
        for w in parsed.windows(2) {
            let ((_, a_from, a_n), (j, b_from, b_n)) = (w[0], w[1]);
            if a_from != b_from && b_n < a_n {
                rows[j].approvals_error = format!(
                    "A larger amount cannot need fewer approvals: from {} it is already {a_n}.",
                    Money::new(a_from, base)
                );
            }
        }
    }
    let row_errors = rows
        .iter()
        .any(|r| !r.from_error.is_empty() || !r.approvals_error.is_empty());
    if row_errors && general.is_empty() {
        general = "Correct the rows marked below; nothing was saved.".into();
    }
    if general.is_empty() {
        Ok(parsed.into_iter().map(|(_, f, n)| (f, n)).collect())
    } else {
        rows.extend((0..BLANK_ROWS).map(|_| QuorumRow::default()));
        Err((rows, general))
    }
}

/// `POST /staff/grants/settings/quorum`: replaces every threshold at once.
pub async fn save_quorum(
    staff: S,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let base = staff.settings().currency();
    let f = Fields(form.into_inner());
    let (froms, approvals) = (f.all("from"), f.all("approvals"));
    if froms.len() != approvals.len() {
        return Err(AppError::BadRequest(
            "The form was incomplete: every row needs an amount and a number of approvals.".into(),
        ));
    }
    let rows = match parse_quorum(&froms, &approvals, base) {
        Ok(rows) => rows,
        Err((rows, general)) => {
            let typed = Typed {
                quorum: Some(rows),
                quorum_error: general,
                ..Default::default()
            };
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&staff, typed).await?,
            );
        }
    };
    let actor = staff.actor();
    let changed = staff
        .state
        .db
        .run(move |c| service::set_quorum(c, &actor, &rows, base))
        .await?;
    Ok(if changed {
        redirect_with_flash(
            PAGE,
            FlashKind::Success,
            "Quorum saved. Decisions from now on need these approvals.",
        )
    } else {
        redirect_with_flash(PAGE, FlashKind::Info, "Nothing changed.")
    })
}

/// `POST /staff/grants/settings/rates`: adds a rate (`mode=add`) or changes one.
pub async fn save_rate(
    staff: S,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let base = staff.settings().currency();
    let f = Fields(form.into_inner());
    let adding = f.get("mode") != "edit";
    let (code_in, rate_in) = (f.get("currency"), f.get("rate"));
    let mut currency_error = String::new();
    let currency = match Currency::parse(&code_in) {
        Ok(c) if c == base => {
            currency_error = service::base_refusal(base);
            None
        }
        Ok(c) => Some(c),
        Err(m) => {
            currency_error = m;
            None
        }
    };
    let rate = parse_rate(&rate_in);
    let fail = |currency_error: String, rate_error: String| {
        let mut typed = Typed::default();
        if adding {
            typed.new_currency = code_in.clone();
            typed.new_rate = rate_in.clone();
            if !currency_error.is_empty() {
                typed.errors.add("new_currency", currency_error);
            }
            if !rate_error.is_empty() {
                typed.errors.add("new_rate", rate_error);
            }
        } else {
            let message = if currency_error.is_empty() {
                rate_error
            } else {
                currency_error
            };
            typed.rate_edit = Some((
                code_in.trim().to_ascii_uppercase(),
                rate_in.clone(),
                message,
            ));
        }
        typed
    };
    let (Some(currency), Ok(rate)) = (currency, &rate) else {
        let typed = fail(currency_error, rate.err().unwrap_or_default());
        // An edit of a currency the table does not show cannot put its message anywhere.
        if !adding {
            let code = code_in.trim().to_ascii_uppercase();
            let known = staff
                .state
                .db
                .run(move |c| Ok(programmes::rates(c)?.iter().any(|r| r.currency == code)))
                .await?;
            if !known {
                return Err(AppError::BadRequest(
                    typed.rate_edit.map(|e| e.2).unwrap_or_default(),
                ));
            }
        }
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&staff, typed).await?,
        );
    };
    let rate = *rate;
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| service::set_rate(c, &actor, currency, rate, base, adding))
        .await;
    let code = currency.code();
    match r {
        Ok(old) => Ok(redirect_with_flash(
            PAGE,
            if old == Some(rate) {
                FlashKind::Info
            } else {
                FlashKind::Success
            },
            &match old {
                Some(o) if o == rate => "Nothing changed.".to_string(),
                Some(o) => format!(
                    "1 {code} is now {} {} (it was {}). Requests from now on use this rate.",
                    rate_label(rate),
                    base.code(),
                    rate_label(o)
                ),
                None => format!(
                    "Requests in {code} are now accepted at 1 {code} = {} {}.",
                    rate_label(rate),
                    base.code()
                ),
            },
        )),
        Err(AppError::Conflict(m)) if adding => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&staff, fail(m, String::new())).await?,
        ),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(PAGE, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// `POST /staff/grants/settings/rates/{currency}/delete`.
pub async fn delete_rate(staff: S, currency: web::Path<String>) -> AppResult<HttpResponse> {
    let code = currency.into_inner().to_ascii_uppercase();
    let actor = staff.actor();
    let c2 = code.clone();
    let r = staff
        .state
        .db
        .run(move |c| service::delete_rate(c, &actor, &c2))
        .await;
    match r {
        Ok(0) => Ok(redirect_with_flash(
            PAGE,
            FlashKind::Success,
            &format!(
                "The rate for {code} is removed: new requests in {code} are no longer accepted."
            ),
        )),
        Ok(n) => Ok(redirect_with_flash(
            PAGE,
            FlashKind::Warning,
            &format!(
                "The rate for {code} is removed: new requests in {code} are no longer accepted. {n} application(s) in progress are in {code}; their decision and payment forms will need a rate typed in."
            ),
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(PAGE, FlashKind::Info, &m)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::USD;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_mistake_in_the_rows_is_reported_at_once() {
        let (rows, general) =
            parse_quorum(&v(&["0", "100", "100"]), &v(&["1", "0", "2"]), USD).unwrap_err();
        assert!(general.contains("nothing was saved"));
        assert!(rows[1].approvals_error.contains("from 1 to 20"));
        assert_eq!(rows[2].from_error, "Two rows start from $100.00; keep one.");
        // Two blank rows follow what was typed.
        assert_eq!(rows.len(), 5);
        assert_eq!(
            parse_quorum(&v(&["5,000", "", "0"]), &v(&["3", "", "1"]), USD).unwrap(),
            vec![(0, 1), (500_000, 3)]
        );
    }

    #[test]
    fn thresholds_read_as_ranges() {
        assert_eq!(quorum_words(&[(0, 1)], USD), vec!["Any amount: 1 approval"]);
        assert_eq!(
            quorum_words(&[(0, 1), (100_000, 2)], USD),
            vec![
                "Under $1,000.00: 1 approval",
                "$1,000.00 and more: 2 approvals"
            ]
        );
    }
}
