//! Liveness and readiness probes.

use assay_e2e::{json_ok, Backend, TestApp};

on_both_backends!(liveness_and_readiness_answer_ok);

async fn liveness_and_readiness_answer_ok(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(json_ok(app.get("/healthz").await).await["status"], "ok");
    assert_eq!(json_ok(app.get("/readyz").await).await["status"], "ok");
}
