//! Test support (cargo feature `testing`): a throwaway database and blob
//! directory per test, on either backend.
//!
//! PostgreSQL tests create `assay_test_<uuid>` on the server named by
//! `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and drop it when the [`Sandbox`] is dropped (best effort). SQLite tests use
//! a file in a temporary directory.

use std::fmt;
use std::path::PathBuf;

use common::StorageLocation;
use sqlx::postgres::PgPool;
use tempfile::TempDir;

use crate::{Store, StoreError};

mod crash;
mod hold;
pub use crash::{crash_asset, crash_original, parse_crash_original};
pub use hold::Hold;

const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub const ALL: [Backend; 2] = [Backend::Postgres, Backend::Sqlite];
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        })
    }
}

/// A fresh, empty database plus a fresh blob directory. Pass
/// `database_url`/`storage` to a service under test, or call [`Sandbox::store`].
pub struct Sandbox {
    pub backend: Backend,
    pub database_url: String,
    pub storage: StorageLocation,
    /// The blob directory (inside `dir`).
    pub blob_root: PathBuf,
    dir: TempDir,
    postgres: Option<PostgresDatabase>,
}

struct PostgresDatabase {
    server_url: String,
    name: String,
}

impl Sandbox {
    /// Creates the database (empty: migrations run when a store connects).
    /// Panics with a clear message when PostgreSQL is unreachable: tests must
    /// fail loudly, not skip.
    pub async fn new(backend: Backend) -> Sandbox {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        let blob_root = dir.path().join("blobs");
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("assay.db").display()),
                None,
            ),
            Backend::Postgres => {
                let server_url = std::env::var("TEST_DATABASE_URL")
                    .unwrap_or_else(|_| DEFAULT_SERVER_URL.into());
                let name = format!("assay_test_{}", uuid::Uuid::new_v4().simple());
                let server = PgPool::connect(&server_url).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL at {server_url} (TEST_DATABASE_URL) is needed: {e}; `make setup` starts it")
                });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&server)
                    .await
                    .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
                server.close().await;
                (
                    database_url_for(&server_url, &name),
                    Some(PostgresDatabase { server_url, name }),
                )
            }
        };
        Sandbox {
            backend,
            database_url,
            storage: StorageLocation::Directory(blob_root.clone()),
            blob_root,
            dir,
            postgres,
        }
    }

    /// A store on this sandbox (migrations applied).
    pub async fn store(&self) -> Result<Store, StoreError> {
        Store::connect(&self.database_url, &self.storage).await
    }

    /// A scratch directory that lives as long as the sandbox.
    pub fn scratch_dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let Some(db) = self.postgres.take() else {
            return;
        };
        // Drop may run inside a runtime, which cannot be blocked on: use a
        // thread with its own. FORCE ends connections the test left open.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let server = PgPool::connect(&db.server_url).await.ok()?;
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name))
                    .execute(&server)
                    .await;
                server.close().await;
                Some(())
            })
        })
        .join();
    }
}

/// The server URL with its database name replaced.
fn database_url_for(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        url = format!("{url}?{query}");
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_only_the_database_name() {
        assert_eq!(
            database_url_for("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            database_url_for("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            database_url_for("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
