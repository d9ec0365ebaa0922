//! Sponsorship programmes (e.g. "Foundation sponsorship 2027"): tiers and rules hang off them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::programmes;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = programmes)]
pub struct Programme {
    pub id: i64,
    pub name: String,
    pub year: i32,
    pub description: String,
    pub created_at: NaiveDateTime,
}

impl Programme {
    pub fn title(&self) -> String {
        format!("{} {}", self.name, self.year)
    }
}

pub fn insert(conn: &mut DbConn, name: &str, year: i32, description: &str) -> QueryResult<i64> {
    diesel::insert_into(programmes::table)
        .values((
            programmes::name.eq(name),
            programmes::year.eq(year),
            programmes::description.eq(description),
            programmes::created_at.eq(super::now()),
        ))
        .returning(programmes::id)
        .get_result(conn)
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    year: i32,
    description: &str,
) -> QueryResult<usize> {
    diesel::update(programmes::table.find(id))
        .set((
            programmes::name.eq(name),
            programmes::year.eq(year),
            programmes::description.eq(description),
        ))
        .execute(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Programme> {
    programmes::table
        .find(id)
        .select(Programme::as_select())
        .first(conn)
}

/// Some programmes, by id (one query).
pub fn find_many(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Programme>> {
    let rows: Vec<Programme> = programmes::table
        .filter(programmes::id.eq_any(ids))
        .select(Programme::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

pub fn exists(conn: &mut DbConn, name: &str, year: i32, except: Option<i64>) -> QueryResult<bool> {
    let mut q = programmes::table
        .filter(programmes::name.eq(name))
        .filter(programmes::year.eq(year))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(programmes::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// Newest year first.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Programme>> {
    programmes::table
        .order((programmes::year.desc(), programmes::name.asc()))
        .select(Programme::as_select())
        .load(conn)
}
