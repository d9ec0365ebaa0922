//! Which renewal reminders (60, 30, 7 days before the end) a term has had.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::renewal_reminders;

/// The thresholds already recorded for a term, largest first.
pub fn done_for(conn: &mut DbConn, sponsorship_id: i64) -> QueryResult<Vec<i32>> {
    let mut done: Vec<i32> = renewal_reminders::table
        .filter(renewal_reminders::sponsorship_id.eq(sponsorship_id))
        .select(renewal_reminders::days_before)
        .load(conn)?;
    done.sort_unstable_by(|a, b| b.cmp(a));
    Ok(done)
}

/// The thresholds recorded for each of these terms, largest first (a query per thousand).
pub fn done_for_all(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<i32>>> {
    let rows: Vec<(i64, i32)> = super::in_chunks(ids, |chunk| {
        renewal_reminders::table
            .filter(renewal_reminders::sponsorship_id.eq_any(chunk))
            .select((
                renewal_reminders::sponsorship_id,
                renewal_reminders::days_before,
            ))
            .load(conn)
    })?;
    let mut out: std::collections::HashMap<i64, Vec<i32>> = Default::default();
    for (id, d) in rows {
        out.entry(id).or_default().push(d);
    }
    for v in out.values_mut() {
        v.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(out)
}

/// Records a threshold as sent (or passed). The primary key refuses a second record, so two
/// instances racing here make one of the two transactions fail.
pub fn record(conn: &mut DbConn, sponsorship_id: i64, days_before: i32) -> QueryResult<()> {
    diesel::insert_into(renewal_reminders::table)
        .values((
            renewal_reminders::sponsorship_id.eq(sponsorship_id),
            renewal_reminders::days_before.eq(days_before),
            renewal_reminders::sent_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}
