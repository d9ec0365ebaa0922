//! The database: one connection type over SQLite and PostgreSQL, a pool, the bridge that
//! runs diesel's blocking work off the async workers, and the embedded migrations.

pub mod schema;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{AppError, AppResult};

/// One connection, to whichever backend the URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The SQLite file path of a `sqlite://…` (or plain path) URL.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Opens connections and sets SQLite's pragmas on each, so that the real error of a failed
/// connection reaches the log instead of r2d2's generic time-out.
#[derive(Clone, Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
}

/// How long a statement waits for a lock another connection holds before it fails (SQLite's
/// busy_timeout, PostgreSQL's lock_timeout).
pub const LOCK_WAIT_MS: u64 = 10_000;

impl Manager {
    pub fn new(url: &str) -> Self {
        Manager {
            url: url.to_string(),
            backend: Backend::of(url),
        }
    }

    pub fn connect_now(&self) -> anyhow::Result<DbConn> {
        match self.backend {
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                let mut c = SqliteConnection::establish(path)
                    .with_context(|| format!("cannot open the SQLite database at {path}"))?;
                // WAL lets readers work while one writer writes; busy_timeout makes a writer
                // wait for the lock instead of failing; foreign keys are off by default.
                // busy_timeout comes first: switching a new database to WAL takes a lock,
                // and a second connection opening at the same moment must wait for it, not
                // fail ("database is locked", seen once in the csv_export unit tests).
                c.batch_execute(&format!(
                    "PRAGMA busy_timeout = {LOCK_WAIT_MS}; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                ))
                .context("cannot set SQLite pragmas")?;
                c.set_instrumentation(count_query);
                Ok(DbConn::Sqlite(c))
            }
            Backend::Postgres => {
                let mut c = PgConnection::establish(&self.url).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot connect to PostgreSQL at {}: {e}",
                        crate::config::mask_url(&self.url)
                    )
                })?;
                // Like SQLite's busy_timeout: a statement waits this long for a row or table
                // lock, then fails (and the request says "try again") instead of hanging.
                c.batch_execute(&format!("SET lock_timeout = '{LOCK_WAIT_MS}ms'"))
                    .context("cannot set lock_timeout")?;
                c.set_instrumentation(count_query);
                Ok(DbConn::Pg(c))
            }
        }
    }
}

thread_local! {
    /// Queries started on this thread (by any connection it used).
    static QUERIES_ON_THREAD: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

tokio::task_local! {
    /// Queries made on behalf of the request this task serves (see [`counting_queries`]).
    static QUERIES_OF_TASK: std::cell::Cell<u64>;
}

/// Every connection's instrumentation: counts the statements it starts.
fn count_query(event: diesel::connection::InstrumentationEvent<'_>) {
    if matches!(
        event,
        diesel::connection::InstrumentationEvent::StartQuery { .. }
    ) {
        QUERIES_ON_THREAD.with(|n| n.set(n.get() + 1));
    }
}

fn queries_on_thread() -> u64 {
    QUERIES_ON_THREAD.with(|n| n.get())
}

/// Runs `fut` (one request) and counts the database queries its `Db::run` calls make.
pub async fn counting_queries<F: std::future::Future>(fut: F) -> (F::Output, u64) {
    QUERIES_OF_TASK
        .scope(std::cell::Cell::new(0), async move {
            let out = fut.await;
            (out, QUERIES_OF_TASK.with(|n| n.get()))
        })
        .await
}

#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct ConnectError(anyhow::Error);

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        self.connect_now().map_err(|e| {
            tracing::error!(error = %format!("{e:#}"), "database connection failed");
            ConnectError(e)
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError(anyhow::anyhow!(e)))
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// The shared pool and the bridge to it.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    pub backend: Backend,
}

pub type Conn = PooledConnection<Manager>;

impl Db {
    /// Opens the pool; creates the SQLite file's folder first.
    pub fn connect(url: &str, max_size: u32) -> anyhow::Result<Db> {
        let backend = Backend::of(url);
        if backend == Backend::Sqlite {
            let path = Path::new(sqlite_path(url));
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            }
        }
        let manager = Manager::new(url);
        // Try once by hand so that a wrong URL says why.
        manager.connect_now()?;
        let pool = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(15))
            .build(manager)
            .context("cannot build the connection pool")?;
        Ok(Db { pool, backend })
    }

    /// A connection for blocking code (CLI, worker internals).
    pub fn get(&self) -> anyhow::Result<Conn> {
        self.pool.get().context("no database connection available")
    }

    /// Runs blocking database work on actix's blocking pool and returns its result.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let (out, queries) = actix_web::rt::task::spawn_blocking(move || {
            match pool.get() {
                // Counted from here: the pool's check of the connection is not the request's.
                Ok(mut conn) => {
                    let before = queries_on_thread();
                    let out = f(&mut conn);
                    (out, queries_on_thread() - before)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "no database connection within the pool's wait");
                    (Err(AppError::busy()), 0)
                }
            }
        })
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("database task failed: {e}")))?;
        let _ = QUERIES_OF_TASK.try_with(|n| n.set(n.get() + queries));
        out
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.get()?;
        migrate_conn(&mut conn)
    }
}

/// Applies the migrations for this connection's backend.
pub fn migrate_conn(conn: &mut DbConn) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.len())
}

/// `SELECT 1`, for the health check.
pub fn ping(conn: &mut DbConn) -> AppResult<()> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// Writes a consistent copy of a running SQLite database to `dest` (`VACUUM INTO` reads one
/// snapshot, so concurrent writers neither block it nor tear it).
pub fn backup_sqlite(conn: &mut DbConn, dest: &Path) -> anyhow::Result<()> {
    if dest.exists() {
        anyhow::bail!("{} already exists; choose a new file name", dest.display());
    }
    let dest = dest
        .to_str()
        .context("the backup path must be valid UTF-8")?
        .replace('\'', "''");
    match conn {
        DbConn::Sqlite(c) => c
            .batch_execute(&format!("VACUUM INTO '{dest}'"))
            .context("the backup failed"),
        DbConn::Pg(_) => anyhow::bail!(
            "backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. \
             pg_dump --format=custom --file=steward.dump \"$STEWARD_DATABASE_URL\""
        ),
    }
}

/// Runs `f` in a write transaction. On SQLite the write lock is taken first (waiting up to
/// busy_timeout), so a transaction that reads and then writes cannot fail half-way with
/// SQLITE_BUSY when another writer got in between; PostgreSQL needs nothing extra.
pub fn write_tx<T, F>(conn: &mut DbConn, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConn) -> AppResult<T>,
{
    write_tx_with(conn, f)
}

/// `write_tx` for a use case with its own error type (e.g. one that names the form field a
/// refusal belongs to); any error rolls the transaction back.
pub fn write_tx_with<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let is_sqlite = matches!(conn, DbConn::Sqlite(_));
    conn.transaction(|conn| {
        if is_sqlite {
            // An UPDATE takes SQLite's RESERVED lock when it starts, even if no row matches.
            diesel::sql_query("UPDATE app_settings SET value = value WHERE key = '-'")
                .execute(conn)?;
        }
        f(conn)
    })
}

/// Raw SQL written with PostgreSQL's numbered parameters (`$1`, `$2`…), as this connection's
/// backend numbers them (SQLite: `?1`, `?2`…). The SQL must not contain `$` otherwise.
pub fn numbered_params(conn: &DbConn, sql: String) -> String {
    match conn {
        DbConn::Sqlite(_) => sql.replace('$', "?"),
        DbConn::Pg(_) => sql,
    }
}

/// Takes a transaction-scoped lock named by `key` (PostgreSQL advisory lock), so that rare
/// operations whose checks span many rows (e.g. "is this organisation already known?") run
/// one after the other. SQLite's write transaction already serialises writers.
pub fn serialize_on(conn: &mut DbConn, key: i64) -> diesel::QueryResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .execute(conn)?;
    }
    Ok(())
}

/// Advisory lock keys (one per kind of serialised operation).
pub mod lock_keys {
    /// New sponsor applications: the known-organisation check reads every sponsor.
    pub const SPONSOR_APPLICATIONS: i64 = 0x5354_5744_0001;
    /// Grant decisions: the budget check reads every award of the programme's year.
    pub const GRANT_DECISIONS: i64 = 0x5354_5744_0002;
    /// New success stories: choosing a free slug reads the others.
    pub const STORY_SLUGS: i64 = 0x5354_5744_0003;
    /// Confirming usage imports: each replaces whole periods of figures.
    pub const USAGE_IMPORTS: i64 = 0x5354_5744_0004;
}
