//! `assay migrate`: brings the database named by `DATABASE_URL` up to date,
//! then exits. The services also migrate at start-up (serialised by the
//! database); a deployment runs this first as its own step
//! (`deploy/base/migrate-job.yaml`), so a failing migration shows up as one
//! failed Job rather than as every pod crash-looping.

use anyhow::Context;
use common::Config;
use service::telemetry::{self, LogFormat};

pub fn run() -> anyhow::Result<()> {
    telemetry::init(LogFormat::Pretty);
    let config = Config::from_env().context("reading the configuration")?;
    actix_web::rt::System::new().block_on(async {
        let database = store::Database::connect(&config.database_url)
            .await
            .context("migrating the database")?;
        database.close().await;
        Ok(())
    })
}
