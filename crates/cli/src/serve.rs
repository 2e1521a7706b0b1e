//! `assay serve`: the Upload and Admin APIs in one process on one port, for
//! development and single-machine use (production runs the `upload-api` and
//! `admin-api` binaries with the same configuration).

use std::net::TcpListener;

use actix_web::web;
use anyhow::Context;
use common::Config;
use service::server::serve_until_stopped;
use service::telemetry::{self, LogFormat};
use service::AppState;

/// Both APIs' routes. The Admin API's scope (`/v1_1/<cloud>/resources`) and
/// the Upload API's routes never match the same path.
pub fn mount_both_apis(cfg: &mut web::ServiceConfig, state: &AppState) {
    admin_api::configure(cfg, state);
    upload_api::configure(cfg, state);
}

/// Reads the configuration, prints where to reach the service and with which
/// credentials (the development ones when none are set), then serves until
/// interrupted.
pub fn run() -> anyhow::Result<()> {
    telemetry::init(LogFormat::Pretty);
    let config = Config::from_env().context("reading the configuration")?;
    actix_web::rt::System::new().block_on(serve(config))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener =
        TcpListener::bind(config.listen).with_context(|| format!("binding {}", config.listen))?;
    println!("{}", banner(&config, &listener.local_addr()?.to_string()));
    let state = AppState::from_config(config)
        .await
        .context("opening the store")?;
    serve_until_stopped(listener, state, mount_both_apis).await
}

/// What a developer needs to point an SDK at us.
fn banner(config: &Config, address: &str) -> String {
    use secrecy::ExposeSecret;
    let base_url = format!("http://{address}");
    let credentials = &config.credentials;
    // Only the built-in development secret is printed; a configured one stays secret.
    let secret = if credentials.are_dev_defaults() {
        credentials.api_secret.expose_secret().to_owned()
    } else {
        "<ASSAY_API_SECRET>".to_owned()
    };
    format!(
        "assay serving the Upload and Admin APIs at {base_url}\n\
         \x20 cloud name: {cloud}\n\
         \x20 api key:    {key}\n\
         \x20 api secret: {secret}\n\
         \x20 database:   {database}\n\
         \x20 blobs:      {storage}\n\
         SDKs: CLOUDINARY_URL=cloudinary://{key}:{secret}@{cloud}?upload_prefix={base_url}",
        cloud = config.cloud_name,
        key = credentials.api_key,
        database = redact_password(&config.database_url),
        storage = config.storage,
    )
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_shows_the_dev_credentials_and_an_sdk_url() {
        let banner = banner(&Config::defaults(), "127.0.0.1:8080");
        assert!(banner.contains("http://127.0.0.1:8080"));
        assert!(banner.contains(common::config::DEV_API_SECRET));
        assert!(banner.contains(&format!(
            "CLOUDINARY_URL=cloudinary://{}:{}@demo?upload_prefix=http://127.0.0.1:8080",
            common::config::DEV_API_KEY,
            common::config::DEV_API_SECRET
        )));
    }

    #[test]
    fn a_configured_secret_and_database_password_are_not_printed() {
        let mut config = Config::defaults();
        config.credentials = common::Credentials::new("k", "top-secret");
        config.database_url = "postgres://assay:hunter2@db/assay".into();
        let banner = banner(&config, "0.0.0.0:80");
        assert!(
            !banner.contains("top-secret") && !banner.contains("hunter2"),
            "{banner}"
        );
    }
}
