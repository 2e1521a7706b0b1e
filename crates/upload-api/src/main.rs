//! The `upload-api` production binary: configuration from the environment
//! (real credentials required), then the Upload API on `ASSAY_LISTEN` until
//! SIGTERM; JSON logs.

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    service::server::run_production("upload-api", upload_api::configure).await
}
