//! The `upload-api` production binary: configuration from the environment,
//! then the Upload API on `ASSAY_LISTEN`.

use std::net::TcpListener;

use anyhow::Context;
use common::Config;
use service::server::{http_server, init_logging};
use service::AppState;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    let config = Config::from_env()?;
    let listener =
        TcpListener::bind(config.listen).with_context(|| format!("binding {}", config.listen))?;
    tracing::info!(address = %config.listen, "upload-api listening");
    let state = AppState::from_config(config).await?;
    http_server(listener, state, upload_api::configure)?.await?;
    Ok(())
}
