//! The `upload-api` production binary: configuration from the environment
//! (real credentials required), then the Upload API on `ASSAY_LISTEN` until
//! SIGTERM; JSON logs.

fn main() -> anyhow::Result<()> {
    common::process::set_library_defaults();
    actix_web::rt::System::new().block_on(service::server::run_production(
        "upload-api",
        upload_api::configure,
    ))
}
