//! Fixtures the grants tests share: builders for programmes and applications (written with
//! the models, with the rows that follow from them: the first history entry, the decision),
//! and the payments, reviewers, files and dates the tests set up around them.
//!
//! `GrantBuilder::new(p).status(Status::Approved).event("PyCon Ghana 2030").insert(&app)`

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use steward::db::schema::grant_applications;
use steward::domain::grants::{Status, group_key};
use steward::models::grant_applications::{self as apps, NewGrantApplication};
use steward::models::grant_disbursements::{self as disbursements, NewDisbursement};
use steward::models::grant_programmes::{self as programmes, ProgrammeFields};
use steward::models::grant_reviews as reviews;

use crate::helpers::TestApp;

/// The applicant of every fixture application unless a test says otherwise.
pub const AMA: &str = "ama@pyghana.example";

/// The smallest file our PDF check accepts.
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
pub const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The day `days` from today (negative: in the past).
pub fn day_in(days: i64) -> NaiveDate {
    today() + Duration::days(days)
}

/// A grant programme to insert.
pub struct ProgrammeBuilder {
    fields: ProgrammeFields,
    caps: Vec<(i32, i64)>,
}

impl ProgrammeBuilder {
    /// An open programme of `kind` with no rules: no code of conduct, no notice, no maximum,
    /// no guideline per attendee; the report is due 30 days after the event.
    pub fn new(name: &str, kind: &str) -> ProgrammeBuilder {
        ProgrammeBuilder {
            fields: ProgrammeFields {
                name: name.into(),
                kind: kind.into(),
                description: String::new(),
                is_open: true,
                requires_coc: false,
                min_lead_days: 0,
                max_amount_minor: None,
                per_attendee_minor: None,
                report_days: 30,
            },
            caps: Vec::new(),
        }
    }

    /// An open event programme: code of conduct required, 42 days' notice, at most $10,000,
    /// a guideline of $25 per attendee, the report due 60 days after the event.
    pub fn event(name: &str) -> ProgrammeBuilder {
        ProgrammeBuilder::new(name, "event")
            .description("Community conferences.")
            .coc_required()
            .lead_days(42)
            .max(Some(1_000_000))
            .per_attendee(Some(2_500))
            .report_days(60)
    }

    pub fn description(mut self, text: &str) -> Self {
        self.fields.description = text.into();
        self
    }

    /// Not offered on the application form.
    pub fn closed(mut self) -> Self {
        self.fields.is_open = false;
        self
    }

    pub fn coc_required(mut self) -> Self {
        self.fields.requires_coc = true;
        self
    }

    pub fn lead_days(mut self, days: i32) -> Self {
        self.fields.min_lead_days = days;
        self
    }

    /// The largest amount granted, in foundation minor units.
    pub fn max(mut self, minor: Option<i64>) -> Self {
        self.fields.max_amount_minor = minor;
        self
    }

    pub fn per_attendee(mut self, minor: Option<i64>) -> Self {
        self.fields.per_attendee_minor = minor;
        self
    }

    pub fn report_days(mut self, days: i32) -> Self {
        self.fields.report_days = days;
        self
    }

    /// A yearly budget cap, in foundation minor units.
    pub fn cap(mut self, year: i32, minor: i64) -> Self {
        self.caps.push((year, minor));
        self
    }

    /// Writes the programme (and its caps); returns its id.
    pub fn insert(&self, app: &TestApp) -> i64 {
        let mut c = app.db();
        let id = programmes::insert(&mut c, &self.fields).expect("programme");
        for (year, cap) in &self.caps {
            programmes::set_cap(&mut c, id, *year, *cap).expect("cap");
        }
        id
    }
}

/// A grant application to insert: by default AMA's request of $3,000 for PyCon Ghana 2030
/// (1–3 August 2030, Accra), submitted. Statuses that follow a decision get one: approved
/// with an award of $2,000 (awarded, declined, or withdrawn after an award), unless the test
/// asks for none with `undecided`.
pub struct GrantBuilder {
    new: NewGrantApplication,
    requested_base: Option<i64>,
    lines: Vec<(String, i64)>,
    award: Option<(i64, i64)>,
    decided: bool,
    report_due_on: Option<NaiveDate>,
}

impl GrantBuilder {
    pub fn new(programme: i64) -> GrantBuilder {
        let now = steward::models::now();
        let organisation = "PyCon Ghana";
        GrantBuilder {
            new: NewGrantApplication {
                application_key: steward::auth::token::new_token(),
                programme_id: programme,
                status: Status::Submitted.as_str().into(),
                applicant_name: "Ama Mensah".into(),
                applicant_email: AMA.into(),
                organisation: organisation.into(),
                group_key: group_key(organisation),
                country: "GH".into(),
                event_name: "PyCon Ghana 2030".into(),
                starts_on: day(2030, 8, 1),
                ends_on: day(2030, 8, 3),
                city: "Accra".into(),
                event_country: "GH".into(),
                attendance: 300,
                website: "https://pycon.example".into(),
                coc_url: "https://pycon.example/coc".into(),
                requested_minor: 300_000,
                currency: "USD".into(),
                requested_base_minor: 0,
                total_budget_minor: 5_000_000,
                purpose: "Travel grants for speakers.".into(),
                outreach: "Free tickets for students.".into(),
                earlier_grants: String::new(),
                public_opt_in: true,
                budget_year: 0,
                created_at: now,
                updated_at: now,
            },
            requested_base: None,
            lines: vec![("Venue".into(), 5_000_000)],
            award: Some((200_000, 200_000)),
            decided: true,
            report_due_on: None,
        }
    }

    pub fn status(mut self, status: Status) -> Self {
        self.new.status = status.as_str().into();
        self
    }

    pub fn email(mut self, email: &str) -> Self {
        self.new.applicant_email = email.into();
        self
    }

    /// The organisation, and the group key that follows from it.
    pub fn organisation(mut self, name: &str) -> Self {
        self.new.organisation = name.into();
        self.new.group_key = group_key(name);
        self
    }

    pub fn event(mut self, name: &str) -> Self {
        self.new.event_name = name.into();
        self
    }

    pub fn city(mut self, city: &str) -> Self {
        self.new.city = city.into();
        self
    }

    pub fn event_country(mut self, code: &str) -> Self {
        self.new.event_country = code.into();
        self
    }

    /// The event's first and last day (the budget year is the first day's).
    pub fn dates(mut self, starts_on: NaiveDate, ends_on: NaiveDate) -> Self {
        self.new.starts_on = starts_on;
        self.new.ends_on = ends_on;
        self
    }

    /// The request's currency; other than USD, the request counts at 1.08 USD unless
    /// `requested_base` says otherwise.
    pub fn currency(mut self, code: &str) -> Self {
        self.new.currency = code.into();
        self
    }

    /// The amount asked for, in the request's currency (minor units).
    pub fn requested(mut self, minor: i64) -> Self {
        self.new.requested_minor = minor;
        self
    }

    /// The request in the foundation currency, as converted when it was sent.
    pub fn requested_base(mut self, minor: i64) -> Self {
        self.requested_base = Some(minor);
        self
    }

    /// The award of the approving decision: in the request's currency and in USD.
    pub fn award(mut self, awarded: i64, awarded_base: i64) -> Self {
        self.award = Some((awarded, awarded_base));
        self
    }

    /// No decision row, whatever the status (a withdrawn application that was never
    /// awarded, or a test of what a decision may follow).
    pub fn undecided(mut self) -> Self {
        self.decided = false;
        self
    }

    pub fn opt_in(mut self, listed: bool) -> Self {
        self.new.public_opt_in = listed;
        self
    }

    pub fn report_due(mut self, on: NaiveDate) -> Self {
        self.report_due_on = Some(on);
        self
    }

    pub fn lines(mut self, lines: Vec<(String, i64)>) -> Self {
        self.lines = lines;
        self
    }

    /// Any other field, as typed (script in every field, say).
    pub fn with(mut self, change: impl FnOnce(&mut NewGrantApplication)) -> Self {
        change(&mut self.new);
        self
    }

    /// Writes the application, its first history entry and, when its status follows one, its
    /// decision; returns its id.
    pub fn insert(&self, app: &TestApp) -> i64 {
        use chrono::Datelike;
        let mut new = self.new.clone();
        new.budget_year = new.starts_on.year();
        new.requested_base_minor = self.requested_base.unwrap_or(if new.currency == "USD" {
            new.requested_minor
        } else {
            new.requested_minor * 108 / 100
        });
        let status: Status = new.status.parse().expect("status");
        let mut c = app.db();
        let id = apps::insert(&mut c, &new, &self.lines).expect("application");
        apps::add_event(
            &mut c,
            id,
            None,
            Status::Submitted,
            &format!("applicant {}", new.applicant_email),
            "",
        )
        .expect("history");
        if let Some(due) = self.report_due_on {
            diesel::update(grant_applications::table.find(id))
                .set(grant_applications::report_due_on.eq(Some(due)))
                .execute(&mut c)
                .expect("due date");
        }
        drop(c);
        let after_award = status.awarded() || status == Status::Withdrawn;
        if self.decided && status == Status::Declined {
            decide(app, id, None, "");
        } else if self.decided && after_award && self.award.is_some() {
            decide(app, id, self.award, "");
        }
        id
    }
}

/// Writes the decision on `id`: approved with `award` (in the application's currency and in
/// USD), or declined when there is none.
pub fn decide(app: &TestApp, id: i64, award: Option<(i64, i64)>, note: &str) {
    let mut c = app.db();
    let foreign = apps::find(&mut c, id).expect("application").currency != "USD";
    reviews::insert_decision(
        &mut c,
        &reviews::NewDecision {
            application_id: id,
            outcome: if award.is_some() {
                "approved"
            } else {
                "declined"
            },
            awarded_minor: award.map(|a| a.0),
            awarded_base_minor: award.map(|a| a.1),
            rate_micros: (award.is_some() && foreign).then_some(1_080_000),
            note,
            override_reason: "",
            decided_by: "decider@foundation.example",
        },
    )
    .expect("decision");
}

/// A payment in USD recorded yesterday by bank transfer.
pub fn paid_out(app: &TestApp, id: i64, minor: i64) {
    disbursements::insert(
        &mut app.db(),
        &NewDisbursement {
            application_id: id,
            paid_on: day_in(-1),
            method: "bank_transfer".into(),
            amount_minor: minor,
            currency: "USD".into(),
            rate_micros: 1_000_000,
            base_minor: minor,
            reference: String::new(),
            recorded_by: "treasurer@foundation.example".into(),
            created_at: steward::models::now(),
        },
    )
    .expect("disbursement");
}

pub fn status_of(app: &TestApp, id: i64) -> Status {
    apps::find(&mut app.db(), id).expect("application").status()
}

/// Puts `user` on the application's reviewers.
pub fn assign(app: &TestApp, id: i64, user: i64) {
    reviews::assign(&mut app.db(), id, user, "decider@foundation.example").expect("assign");
}

/// Records that `user` declared a conflict of interest (assigned or not).
pub fn recuse(app: &TestApp, id: i64, user: i64, note: &str) {
    reviews::declare_conflict(&mut app.db(), id, user, note, "test").expect("conflict");
}

/// Stores `bytes` as a private file of the application; returns the file's id.
pub fn add_file(
    app: &TestApp,
    id: i64,
    purpose: &str,
    name: &str,
    bytes: &[u8],
    content_type: &str,
) -> i64 {
    let key =
        steward::services::grant_applications::store_file(&app.state.settings.data_dir, bytes)
            .expect("store");
    apps::add_file(
        &mut app.db(),
        id,
        purpose,
        &key,
        name,
        content_type,
        bytes.len() as i64,
    )
    .expect("file row")
}

/// How many files the grants' private store holds.
pub fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.state.settings.data_dir.join("grant_files"))
        .map(|d| d.count())
        .unwrap_or(0)
}
