//! Which post-event report reminders (due soon, due today, overdue) a grant has had.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::grant_report_reminders as grr;

/// The reminder kinds already recorded for a grant.
pub fn done_for(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<String>> {
    grr::table
        .filter(grr::application_id.eq(application_id))
        .select(grr::kind)
        .load(conn)
}

/// Records a reminder as sent (or passed). The primary key refuses a second record, so two
/// workers racing here make one of the two transactions fail and roll back its email.
pub fn record(conn: &mut DbConn, application_id: i64, kind: &str) -> QueryResult<()> {
    diesel::insert_into(grr::table)
        .values((
            grr::application_id.eq(application_id),
            grr::kind.eq(kind),
            grr::sent_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}
