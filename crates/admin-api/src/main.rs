//! The `admin-api` production binary: configuration from the environment
//! (real credentials required), then the Admin API on `ASSAY_LISTEN` until
//! SIGTERM; JSON logs.

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    service::server::run_production("admin-api", admin_api::configure).await
}
