//! Conference budgets for the treasurer and administrators: the list, a conference's details,
//! its analysis page (totals, scenarios, break-even, exposure if cancelled today, charts,
//! variance against the approved baseline), approving a baseline, a frozen baseline, the
//! printable view and the CSV export, one file each; the forms for cost lines, tickets and
//! revenue are in `lines`, `tickets` and `revenue`.

pub mod analysis;
pub mod charts;
pub mod export;
pub mod form;
pub mod lines;
pub mod revenue;
pub mod show;
pub mod tickets;

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::conference_budget::{Analysis, BreakEven};
use crate::domain::{Currency, Money};
use crate::error::AppResult;
use crate::models::conferences::Conference;
use crate::services::conferences::{self as service};
use crate::web::extract::ConferenceStaff;
use crate::web::extract::Staff;
use crate::web::layout::Layout;
use crate::web::render;

pub type S = Staff<ConferenceStaff>;

/// The nav section of these pages.
pub const SECTION: &str = "/staff/conferences";

/// An amount for people.
pub fn money(minor: i64, cur: Currency) -> String {
    Money::new(minor, cur).to_string()
}

/// One conference in the list.
pub struct ListRow {
    pub c: Conference,
    pub likely_net: String,
    pub loss: bool,
    pub exposure: String,
    pub break_even: String,
    pub baseline: String,
}

#[derive(Template)]
#[template(path = "staff/conferences/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ListRow>,
    pager: crate::web::pager::Pager,
}

/// Conferences listed on a page (each is analysed live).
const PER_PAGE: i64 = 20;

#[derive(serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: String,
}

impl ListRow {
    /// A conference's summary for people.
    pub fn of(s: service::Summary) -> ListRow {
        let cur = s.conference.currency();
        match s.analysis {
            Ok(a) => ListRow {
                likely_net: money(a.likely().net, cur),
                loss: a.likely().net < 0,
                exposure: money(a.exposure.exposure, cur),
                break_even: break_even_short(&a),
                baseline: s
                    .baseline
                    .map(|v| format!("version {v}"))
                    .unwrap_or_else(|| "not approved".into()),
                c: s.conference,
            },
            Err(e) => ListRow {
                likely_net: e.to_string(),
                loss: true,
                exposure: "—".into(),
                break_even: "—".into(),
                baseline: String::new(),
                c: s.conference,
            },
        }
    }
}

/// `GET /staff/conferences?page=`: the conferences, latest first, a page at a time.
pub async fn list(staff: S, q: actix_web::web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let base = staff.settings().currency();
    let today = service::today();
    let asked = q.into_inner().page;
    let page_url = crate::web::pager::links(SECTION, String::new());
    let (rows, pager) = staff
        .state
        .db
        .run(move |c| {
            let total = crate::models::conferences::count(c, None)?;
            let pager = crate::web::pager::Pager::new(Some(&asked), total, PER_PAGE, page_url);
            let rows = service::summaries(c, base, today, None, pager.offset(), PER_PAGE)?;
            Ok((rows, pager))
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Conferences", SECTION),
        rows: rows.into_iter().map(ListRow::of).collect(),
        pager,
    })
}

fn break_even_short(a: &Analysis) -> String {
    match a.break_even {
        BreakEven::Covered => "covered without ticket sales".into(),
        BreakEven::At(n) => format!("{n} attendees"),
        BreakEven::BeyondCap(n) => format!("{n}: above the cap"),
        BreakEven::Never => "never at current prices".into(),
        BreakEven::UpTo(n) => format!("only up to {n} attendees"),
    }
}
