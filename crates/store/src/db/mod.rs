//! The database behind the asset rows: PostgreSQL in production, SQLite as
//! the embedded default. Both run the same SQL (see `repo.rs`); only the
//! schema files under `migrations/<kind>/` differ.

mod by_asset_id;
mod lifecycle;
pub(crate) mod repo;
mod row;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Connection;

use crate::StoreError;

pub(crate) use lifecycle::Renamed;
pub(crate) use repo::AssetRepo;
pub(crate) use row::{AssetRow, COLUMNS};

/// A connection pool to one of the two supported databases. Public so that
/// modules that keep their own tables (admin rate limits) can use the pool.
#[derive(Debug, Clone)]
pub enum Database {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs one body against whichever pool `$db` holds. The body is compiled once
/// per backend, so each sqlx call is typed for its database while the SQL and
/// the logic are written once.
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Database::Postgres($pool) => $body,
            $crate::db::Database::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// How long a SQLite writer waits for another writer's lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_CONNECTIONS: u32 = 10;

impl Database {
    /// Connects to `database_url` (`postgres://...` or `sqlite:...`) and
    /// brings the schema up to date. A SQLite file and its directory are
    /// created if missing.
    pub async fn connect(database_url: &str) -> Result<Database, StoreError> {
        let database = if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            let pool = PgPoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .connect(database_url)
                .await?;
            Database::Postgres(pool)
        } else if database_url.starts_with("sqlite:") {
            return open_sqlite(database_url).await;
        } else {
            return Err(StoreError::UnsupportedDatabase);
        };
        database.migrate().await?;
        Ok(database)
    }

    /// Applies the migrations of this database kind that have not run yet.
    /// Safe to call from several processes at once: sqlx takes an advisory
    /// lock on PostgreSQL, and SQLite runs them under its write lock.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Database::Postgres(pool) => {
                sqlx::migrate!("../../migrations/postgres")
                    .run(pool)
                    .await?
            }
            Database::Sqlite(pool) => {
                // SQLite has no advisory lock: two processes starting on a new
                // file would both apply migration 1. Running them inside one
                // `BEGIN IMMEDIATE` holds the write lock throughout (each
                // migration becomes a savepoint); the other process waits,
                // then finds them applied.
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::migrate!("../../migrations/sqlite")
                    .run(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Fails when the database cannot answer a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Closes every connection (tests drop their database afterwards).
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// How often a SQLite start that met a lock deadlock is tried again.
const SQLITE_START_RETRIES: u32 = 20;

/// Opens and migrates a SQLite database. Processes starting together on a new
/// file can deadlock in SQLite's lock upgrade (one switching the file to WAL
/// while another holds the migration's write lock); SQLite breaks that with an
/// immediate SQLITE_BUSY rather than waiting out the busy timeout, so such a
/// start is tried again after a short pause.
async fn open_sqlite(database_url: &str) -> Result<Database, StoreError> {
    let mut attempt = 0;
    loop {
        let opened = async {
            let database = Database::Sqlite(connect_sqlite(database_url).await?);
            database.migrate().await?;
            Ok(database)
        }
        .await;
        match opened {
            Err(error) if attempt < SQLITE_START_RETRIES && is_sqlite_busy(&error) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(25 * u64::from(attempt))).await;
            }
            other => return other,
        }
    }
}

/// SQLITE_BUSY (5) or SQLITE_LOCKED (6), however the error reached us.
fn is_sqlite_busy(error: &StoreError) -> bool {
    let database_error = match error {
        StoreError::Database(sqlx::Error::Database(e)) => e,
        StoreError::Migration(
            sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(e))
            | sqlx::migrate::MigrateError::ExecuteMigration(sqlx::Error::Database(e), _),
        ) => e,
        _ => return false,
    };
    matches!(database_error.code().as_deref(), Some("5" | "6"))
}

async fn connect_sqlite(database_url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(database_url)?
        .create_if_missing(true)
        // WAL lets readers proceed while one writer commits.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true)
        // REGEXP, which search's word matching uses (search/words.rs).
        .with_regexp();
    // `sqlite::memory:` has no directory (its file name has no parent).
    if let Some(dir) = options
        .get_filename()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
    }
    Ok(SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await?)
}
