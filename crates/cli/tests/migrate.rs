//! `assay migrate` as the deployment's migration Job runs it: the built
//! binary, configured by the environment.

use std::path::Path;
use std::process::{Command, Output};

fn assay_migrate(database_url: &str, workdir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("migrate")
        .env("DATABASE_URL", database_url)
        .env("ASSAY_STORAGE", workdir.join("blobs"))
        .current_dir(workdir)
        .output()
        .expect("assay runs")
}

#[test]
fn migrate_creates_the_schema_and_a_second_run_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("assay.db");
    let url = format!("sqlite://{}", database.display());

    for run in ["first", "second"] {
        let output = assay_migrate(&url, dir.path());
        assert!(
            output.status.success(),
            "{run} run: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    // SQLite keeps table definitions as text in the file: sqlx's migration
    // history is there once migrations have been applied.
    let bytes = std::fs::read(&database).expect("the database file exists");
    let needle = b"_sqlx_migrations";
    assert!(
        bytes.windows(needle.len()).any(|w| w == needle),
        "no migration history"
    );
}

#[test]
fn an_unusable_database_url_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = assay_migrate("mysql://nowhere/assay", dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("assay migrate") && stderr.contains("DATABASE_URL"),
        "{stderr}"
    );
}
