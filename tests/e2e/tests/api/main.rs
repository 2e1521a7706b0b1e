//! One integration-test binary for the running services; one module per feature.
//! Every behaviour runs on both database backends.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

/// For each `async fn case(backend: Backend)`, a module `case` with two tests,
/// `case::sqlite` and `case::postgres`.
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test]
                async fn sqlite() {
                    super::$case(assay_e2e::Backend::Sqlite).await
                }

                #[tokio::test]
                async fn postgres() {
                    super::$case(assay_e2e::Backend::Postgres).await
                }
            }
        )*
    };
}

mod admin_client;
mod admin_list_delete;
mod admin_rate_limit;
mod admin_resources;
mod admin_sdk;
mod admin_update;
mod analyses;
mod async_jobs;
mod async_legacy_jobs;
mod async_restart;
mod bad_input_campaign;
mod chunked_upload;
mod cors;
mod delete_tokens;
mod delivery;
mod explicit;
mod health;
mod kill_restart;
mod lifecycle;
mod multi_process;
mod observability;
mod queue_bounds;
mod races;
mod request_rules;
mod sdk_analyses;
mod sdk_flows;
mod sdk_lifecycle;
mod sdk_metadata;
mod sdk_node;
mod sdk_python;
mod sdk_search;
mod sdk_unsigned;
mod sdk_upload_flow;
mod search_bounds;
mod similar;
mod structured_metadata;
mod unsigned_presets;
mod unsupported_params;
mod upload;
mod upload_auth;
mod upload_errors;
