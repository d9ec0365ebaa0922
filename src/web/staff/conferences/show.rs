//! A conference's page, its printable view, a frozen baseline, and approving a baseline.

use super::analysis::{
    AnalysisView, BaselineRow, BudgetTables, VarianceRow, baseline_rows, variance_rows,
};
use super::{S, SECTION, money};
use crate::domain::conference_budget::{self, Analysis};
use crate::domain::form::Fields;
use crate::domain::{Currency, text};
use crate::error::{AppError, AppResult};
use crate::models::conference_baselines::{self as baselines, Baseline};
use crate::models::conferences::{self, Conference};
use crate::services::conferences::{self as service, Approval, LiveBudget};
use crate::web::extract::Ctx;
use crate::web::extract::Staff;
use crate::web::extract::TreasurerOnly;
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "staff/conferences/show.html")]
struct ShowPage {
    layout: Layout,
    c: Conference,
    place: String,
    v: Option<AnalysisView>,
    error: String,
    t: BudgetTables,
    baselines: Vec<BaselineRow>,
    latest: Option<i32>,
    variances: Vec<VarianceRow>,
    note: String,
    note_error: String,
    /// The viewer is the treasurer, who approves budgets.
    can_approve: bool,
}

/// The live budget and its analysis (an analysis error is shown on the page, not a 500).
pub(super) async fn load(
    staff: &Ctx,
    id: i64,
) -> AppResult<(
    LiveBudget,
    Result<Analysis, conference_budget::TooLarge>,
    Vec<Baseline>,
)> {
    let base = staff.settings().currency();
    let today = service::today();
    staff
        .state
        .db
        .run(move |c| {
            let b = service::live(c, id, base)?;
            let a = conference_budget::analyse(&b.inputs, today);
            Ok((b, a, baselines::of(c, id)?))
        })
        .await
}

async fn show_page(staff: &Ctx, id: i64, note: String, note_error: String) -> AppResult<ShowPage> {
    let (b, a, list) = load(staff, id).await?;
    let cur = b.conference.currency();
    let today = service::today();
    let (v, error) = match &a {
        Ok(a) => (Some(AnalysisView::new(&b.inputs, a, cur)), String::new()),
        Err(e) => (None, e.to_string()),
    };
    let variances = match (&a, list.first()) {
        (Ok(live), Some(latest)) => match latest
            .inputs()
            .ok()
            .filter(|i| i.currency == b.inputs.currency)
            .and_then(|i| conference_budget::analyse(&i, today).ok())
        {
            Some(base) => variance_rows(&conference_budget::variances(&base, live), cur),
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    Ok(ShowPage {
        layout: staff.layout(&b.conference.name, SECTION),
        place: b.conference.place(),
        t: BudgetTables::new(&b),
        c: b.conference,
        v,
        error,
        latest: list.first().map(|b| b.version),
        baselines: baseline_rows(&list),
        variances,
        note,
        note_error,
        can_approve: staff
            .current
            .as_ref()
            .is_some_and(|u| u.roles.contains(&crate::domain::Role::Treasurer)),
    })
}

/// `GET /staff/conferences/{id}`.
pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&show_page(&staff, *id, String::new(), String::new()).await?)
}

#[derive(Template)]
#[template(path = "staff/conferences/print.html")]
struct PrintPage {
    layout: Layout,
    c: Conference,
    place: String,
    v: Option<AnalysisView>,
    error: String,
    t: BudgetTables,
    printed: String,
    latest: Option<i32>,
    variances: Vec<VarianceRow>,
}

/// `GET /staff/conferences/{id}/print`: the analysis and every line, for paper or PDF.
pub async fn print(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let page = show_page(&staff, *id, String::new(), String::new()).await?;
    render(&PrintPage {
        layout: page.layout,
        place: page.place,
        printed: fmt_time(&crate::models::now()),
        c: page.c,
        v: page.v,
        error: page.error,
        t: page.t,
        latest: page.latest,
        variances: page.variances,
    })
}

#[derive(Template)]
#[template(path = "staff/conferences/baseline.html")]
struct BaselinePage {
    layout: Layout,
    c: Conference,
    b: BaselineRow,
    v: Option<AnalysisView>,
    error: String,
    lines: Vec<conference_budget::CostLine>,
    cur: Currency,
}

impl BaselinePage {
    fn m(&self, minor: &i64) -> String {
        money(*minor, self.cur)
    }
    fn om(&self, minor: &Option<i64>) -> String {
        minor
            .map(|m| money(m, self.cur))
            .unwrap_or_else(|| "—".into())
    }
}

/// `GET /staff/conferences/{id}/baselines/{version}`: a frozen version as it was approved.
pub async fn baseline(staff: S, path: web::Path<(i64, i32)>) -> AppResult<HttpResponse> {
    let (id, version) = path.into_inner();
    let (c, b) = staff
        .state
        .db
        .run(move |c| Ok((conferences::find(c, id)?, baselines::find(c, id, version)?)))
        .await?;
    let inputs = b
        .inputs()
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("baseline snapshot")))?;
    let cur = Currency::parse(&inputs.currency).unwrap_or(c.currency());
    let (v, error) = match conference_budget::analyse(&inputs, service::today()) {
        Ok(a) => (Some(AnalysisView::new(&inputs, &a, cur)), String::new()),
        Err(e) => (None, e.to_string()),
    };
    render(&BaselinePage {
        layout: staff.layout(&format!("{} — baseline version {version}", c.name), SECTION),
        b: baseline_rows(std::slice::from_ref(&b)).remove(0),
        c,
        v,
        error,
        lines: inputs.costs,
        cur,
    })
}

/// `POST /staff/conferences/{id}/baselines`: approves the live budget as the next version.
pub async fn approve(
    staff: Staff<TreasurerOnly>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let fields = Fields(form.into_inner());
    let note_in = fields.get("note");
    let note = match text::optional_multi_line(&note_in, "the note", 500) {
        Ok(n) => n,
        Err(m) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&staff, id, note_in, m).await?,
            );
        }
    };
    let base = staff.settings().currency();
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| service::approve_baseline(c, &actor, id, &note, base))
        .await;
    let back = format!("/staff/conferences/{id}");
    match r {
        Ok(Approval::Approved(v)) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            &format!("Budget approved as version {v}. The live forecast is now compared with it."),
        )),
        Ok(Approval::Unchanged(v)) => Ok(redirect_with_flash(
            &back,
            FlashKind::Info,
            &format!("Nothing changed since version {v}: no new version was made."),
        )),
        Err(AppError::Conflict(m)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&staff, id, note_in, m).await?,
        ),
        Err(e) => Err(e),
    }
}
