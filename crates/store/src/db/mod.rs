//! The database behind the asset rows: PostgreSQL in production, SQLite as
//! the embedded default. Both run the same SQL (see `repo.rs`); only the
//! schema files under `migrations/<kind>/` differ.

pub(crate) mod repo;
mod row;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Connection;

use crate::StoreError;

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
            Database::Sqlite(connect_sqlite(database_url).await?)
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

async fn connect_sqlite(database_url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(database_url)?
        .create_if_missing(true)
        // WAL lets readers proceed while one writer commits.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true);
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
