//! The `admin-api` production binary: configuration from the environment
//! (real credentials required), then the Admin API on `ASSAY_LISTEN` until
//! SIGTERM; JSON logs.

fn main() -> anyhow::Result<()> {
    common::process::set_library_defaults();
    actix_web::rt::System::new().block_on(service::server::run_production(
        "admin-api",
        admin_api::configure,
    ))
}
