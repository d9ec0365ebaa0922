//! The scale generator (`steward seed-demo --scale N`): the demo's record rows N times over,
//! unique text kept unique, ids that point at copied rows moved with them, the staff and
//! public pages still answering, and new rows still accepted afterwards (PostgreSQL's
//! sequences moved past the copies).

use diesel::prelude::*;
use steward::db::schema::{audit_log, grant_applications, invoices, sponsors, sponsorships};
use steward::domain::Role;

use steward::seed::scale::STRIDE;

use crate::fixtures::NewSponsor;
use crate::helpers::TestApp;

/// The rows of a table.
macro_rules! count {
    ($app:expr, $table:expr) => {
        $table
            .count()
            .get_result::<i64>(&mut $app.db())
            .expect("count")
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_the_demo_multiplies_its_records_and_every_page_still_answers() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let before = [
        count!(app, sponsors::table),
        count!(app, sponsorships::table),
        count!(app, invoices::table),
        count!(app, grant_applications::table),
    ];
    // The audit log can grow while the test runs (the worker writes to it): count the copies.
    let audit_before = count!(app, audit_log::table.filter(audit_log::id.lt(STRIDE)));

    let report = steward::seed::scale::scale(&mut app.db(), 3).expect("scale");
    assert!(report.contains("x3"), "{report}");
    let after = [
        count!(app, sponsors::table),
        count!(app, sponsorships::table),
        count!(app, invoices::table),
        count!(app, grant_applications::table),
    ];
    let audit_copies = count!(app, audit_log::table.filter(audit_log::id.ge(STRIDE)));
    assert!(
        audit_copies >= 2 * audit_before - 2,
        "{audit_copies} of {audit_before}"
    );
    // A tenth year's history on top: many more audit entries and sent emails per copy.
    use steward::db::schema::outbox;
    use steward::seed::scale::{HISTORY_AUDIT_PER_COPY, HISTORY_SENT_PER_COPY};
    assert_eq!(
        count!(app, audit_log::table.filter(audit_log::actor.eq("history"))),
        2 * i64::from(HISTORY_AUDIT_PER_COPY)
    );
    assert_eq!(
        count!(
            app,
            outbox::table
                .filter(outbox::to_addr.like("%@history.example"))
                .filter(outbox::status.eq("sent"))
        ),
        2 * i64::from(HISTORY_SENT_PER_COPY)
    );
    for (b, a) in before.iter().zip(after) {
        assert_eq!(a, b * 3, "{before:?} → x3");
    }
    // Unique text stays unique, and each copy's rows point at the same copy's parents.
    let slugs: Vec<String> = sponsors::table
        .filter(sponsors::slug.like("%~2"))
        .select(sponsors::slug)
        .load(&mut app.db())
        .expect("slugs");
    assert_eq!(slugs.len() as i64, before[0]);
    // The copies can be told apart by name, and the name search finds them.
    let named: i64 = count!(app, sponsors::table.filter(sponsors::name.like("% ~2")));
    assert_eq!(named, before[0]);
    let stray: i64 = sponsorships::table
        .inner_join(sponsors::table)
        .filter(sponsorships::id.ge(STRIDE).and(sponsors::id.lt(STRIDE)))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(
        stray, 0,
        "a copied sponsorship points at an original sponsor"
    );

    // Scaling twice is refused; out-of-range factors too; nothing changes.
    assert!(steward::seed::scale::scale(&mut app.db(), 2).is_err());
    assert!(steward::seed::scale::scale(&mut app.db(), 1).is_err());
    assert_eq!(count!(app, sponsors::table), after[0]);

    // New rows are still accepted (ids past the copies).
    let id = NewSponsor::named("After Scaling").insert(&mut app.db());
    assert!(id > 2 * STRIDE, "{id}");

    // The pages still answer, for the roles that use them.
    let (c, _, _) = app
        .signed_in(&[
            Role::Admin,
            Role::Sponsorships,
            Role::Treasurer,
            Role::GrantsDecider,
        ])
        .await;
    for path in [
        "/staff",
        "/staff/sponsors",
        "/staff/sponsorships",
        "/staff/renewals",
        "/staff/invoices",
        "/staff/grants",
        "/staff/conferences",
        "/staff/audit",
        "/sponsors",
        "/thanks",
    ] {
        let (status, _) = c.page(path).await;
        assert_eq!(status, 200, "{path}");
    }
}
