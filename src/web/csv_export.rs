//! CSV downloads streamed to the browser a chunk at a time.
//!
//! An export reads `CHUNK` rows after a key (keyset paging on the rows' id), writes them and
//! sends them before it reads the next chunk, so the server holds one chunk whatever the size
//! of the export and nothing is cut off. The first chunk is read before the response starts:
//! if the database fails then, the browser gets an ordinary error page. A failure in a later
//! chunk aborts the transfer (the download is reported as failed) rather than ending it as if
//! the file were complete.

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use futures_util::StreamExt;

use crate::db::{Db, DbConn};
use crate::domain::csv::Csv;
use crate::error::AppResult;

/// Rows read per database round trip.
pub const CHUNK: i64 = 500;

/// One chunk of an export: its rows, and the key to read the next chunk after (none when
/// this was the last).
pub struct Chunk {
    pub rows: Vec<Vec<String>>,
    pub next: Option<i64>,
}

impl Chunk {
    /// The rows of `items` (as read with `LIMIT CHUNK`); more may follow when the chunk is
    /// full, after the key of its last item.
    pub fn of<T>(
        items: Vec<T>,
        key: impl Fn(&T) -> i64,
        mut row: impl FnMut(T) -> Vec<Vec<String>>,
    ) -> Chunk {
        let next = if items.len() as i64 >= CHUNK {
            items.last().map(&key)
        } else {
            None
        };
        let rows = items.into_iter().flat_map(&mut row).collect();
        Chunk { rows, next }
    }
}

/// Streams `header` and then every chunk `fetch` reads (first with `None`, then after each
/// chunk's `next` key) as the download `filename`.
pub async fn stream<F>(
    db: &Db,
    filename: &str,
    header: &'static [&'static str],
    fetch: F,
) -> AppResult<HttpResponse>
where
    F: Fn(&mut DbConn, Option<i64>) -> AppResult<Chunk> + Send + Sync + 'static,
{
    let fetch = Arc::new(fetch);
    let first_fetch = fetch.clone();
    let first = db.run(move |c| first_fetch(c, None)).await?;
    let mut csv = Csv::new();
    csv.row(header);
    for r in first.rows {
        csv.row(r);
    }
    let head = Bytes::from(csv.into_bytes());

    let db = db.clone();
    let rest = futures_util::stream::unfold(first.next, move |after| {
        let db = db.clone();
        let fetch = fetch.clone();
        async move {
            let after = after?;
            match db.run(move |c| fetch(c, Some(after))).await {
                Ok(chunk) => {
                    let mut csv = Csv::continued();
                    for r in chunk.rows {
                        csv.row(r);
                    }
                    Some((Ok(Bytes::from(csv.into_bytes())), chunk.next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "a CSV export failed part way; the download is cut off");
                    Some((Err(e), None))
                }
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok(head) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn db(dir: &tempfile::TempDir) -> Db {
        Db::connect(&format!("sqlite://{}/t.db", dir.path().display()), 2).expect("db")
    }

    fn rows(from: i64, n: i64) -> Vec<Vec<String>> {
        (from..from + n).map(|i| vec![i.to_string()]).collect()
    }

    #[actix_web::test]
    async fn chunks_follow_each_other_until_one_is_short() {
        let dir = tempfile::tempdir().expect("dir");
        let r = stream(&db(&dir), "t.csv", &["n"], |_, after| {
            let from = after.map_or(0, |a| a + 1);
            let n = if from < 2 * CHUNK { CHUNK } else { 3 };
            let items: Vec<i64> = (from..from + n).collect();
            Ok(Chunk::of(items, |i| *i, |i| vec![vec![i.to_string()]]))
        })
        .await
        .expect("response");
        let body = actix_web::body::to_bytes(r.into_body())
            .await
            .expect("whole body");
        let text = String::from_utf8(body.to_vec()).expect("utf-8");
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len() as i64, 1 + 2 * CHUNK + 3);
        assert_eq!(lines[1], "0");
        assert_eq!(lines.last().copied(), Some("1002"));
    }

    #[actix_web::test]
    async fn a_failure_before_the_first_byte_is_an_error_and_after_it_cuts_the_download_off() {
        let dir = tempfile::tempdir().expect("dir");
        let refused = stream(&db(&dir), "t.csv", &["n"], |_, _| {
            Err(AppError::Unexpected(anyhow::anyhow!("no database")))
        })
        .await;
        assert!(refused.is_err(), "an error page, not an empty file");

        let r = stream(&db(&dir), "t.csv", &["n"], |_, after| match after {
            None => Ok(Chunk {
                rows: rows(0, CHUNK),
                next: Some(CHUNK - 1),
            }),
            Some(_) => Err(AppError::Unexpected(anyhow::anyhow!(
                "the database went away"
            ))),
        })
        .await
        .expect("the first chunk was read");
        assert!(
            actix_web::body::to_bytes(r.into_body()).await.is_err(),
            "the download fails instead of ending as if complete"
        );
    }
}
