//! The CSV export of a conference's budget.

use super::S;
use super::lines::plain;
use super::show::load;
use crate::domain::conference_budget::{Basis, share_label};
use crate::domain::csv::Csv;
use crate::domain::grants::{RATE_SCALE, rate_label};
use crate::error::AppResult;
use actix_web::{HttpResponse, web};

/// `GET /staff/conferences/{id}/budget.csv`: every cost line, ticket type, revenue line and
/// sponsorship, in their own currency and in the conference's.
pub async fn export_csv(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (b, _, _) = load(&staff, *id).await?;
    let cur = b.conference.currency();
    let code = cur.code();

    let likely = i64::from(b.conference.likely);
    let mut csv = Csv::new();
    csv.row([
        "Kind".to_string(),
        "Category".into(),
        "Item".into(),
        "Basis".into(),
        "Vendor".into(),
        "Currency".into(),
        "Exchange rate".into(),
        "Estimate or expected".into(),
        "Committed".into(),
        "Actual or received".into(),
        "Cancellation liability".into(),
        "Liability from".into(),
        format!("Estimate at {likely} attendees ({code})"),
        format!("Committed ({code})"),
        format!("Actual ({code})"),
        format!("Liability ({code})"),
        "Notes".into(),
    ]);
    for (l, i) in b.costs.iter().zip(&b.inputs.costs) {
        csv.row([
            "Cost".to_string(),
            i.category.clone(),
            l.item.clone(),
            l.basis().label().into(),
            l.vendor.clone(),
            l.currency.clone(),
            rate_label(l.rate_micros),
            plain(Some(l.estimate_minor), &l.currency),
            plain(l.committed_minor, &l.currency),
            plain(l.actual_minor, &l.currency),
            plain(l.liability_minor, &l.currency),
            l.liability_from.map(|d| d.to_string()).unwrap_or_default(),
            plain(
                match i.basis {
                    Basis::Fixed => Some(i.estimate),
                    Basis::PerAttendee => i.estimate.checked_mul(likely),
                },
                code,
            ),
            plain(i.committed, code),
            plain(i.actual, code),
            plain(i.liability, code),
            l.notes.clone(),
        ]);
    }
    for t in &b.tickets {
        csv.row([
            "Ticket".to_string(),
            String::new(),
            t.name.clone(),
            format!("{} of attendance", share_label(i64::from(t.share_permille))),
            String::new(),
            code.into(),
            rate_label(RATE_SCALE),
            plain(Some(t.price_minor), code),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            plain(
                i64::try_from(
                    i128::from(t.price_minor) * i128::from(t.share_permille) * i128::from(likely)
                        / 1000,
                )
                .ok(),
                code,
            ),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for (r, i) in b.revenue.iter().zip(&b.inputs.revenue) {
        csv.row([
            r.kind().label().to_string(),
            String::new(),
            r.item.clone(),
            String::new(),
            String::new(),
            r.currency.clone(),
            rate_label(r.rate_micros),
            plain(Some(r.expected_minor), &r.currency),
            String::new(),
            plain(r.received_minor, &r.currency),
            String::new(),
            String::new(),
            plain(Some(i.expected), code),
            String::new(),
            plain(i.received, code),
            String::new(),
            r.notes.clone(),
        ]);
    }
    for s in &b.sponsorships {
        let sp = &s.row.sponsorship;
        csv.row([
            "Sponsorship".to_string(),
            s.row.tier.name.clone(),
            s.row.sponsor.name.clone(),
            String::new(),
            String::new(),
            sp.currency.clone(),
            String::new(),
            String::new(),
            plain(Some(sp.fee_minor), &sp.currency),
            plain(Some(s.paid_minor), &sp.currency),
            String::new(),
            String::new(),
            String::new(),
            if s.counted {
                plain(s.fee_converted, code)
            } else {
                String::new()
            },
            plain(s.paid_converted, code),
            String::new(),
            format!(
                "{}; {}",
                sp.status().label(),
                if s.counted { "counted" } else { "not counted" }
            ),
        ]);
    }
    let file = crate::domain::slug::slugify(&b.conference.name);
    let file = if file.is_empty() {
        "conference".to_string()
    } else {
        file
    };
    Ok(crate::web::csv_response(
        &format!("{file}-budget.csv"),
        csv.finish(),
    ))
}
