//! Runs the official SDK scripts under `tests/sdk/` against a [`TestApp`].
//! The SDKs are installed by `scripts/setup.sh` (which `make test` runs
//! first); a missing SDK fails the test rather than skipping it.

use std::path::PathBuf;
use tokio::process::Command;

use serde_json::Value;

use crate::{TestApp, API_KEY, API_SECRET, CLOUD};

/// The workspace root (this crate lives at `tests/e2e`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `python <tests/sdk/python/<script>> args...` with the pinned SDK from
/// `.venv`, the app's base URL and credentials in `ASSAY_*` variables.
/// Returns the JSON report the script prints.
pub async fn run_python(app: &TestApp, script: &str, args: &[&str]) -> Value {
    let python = workspace_root().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `make setup` (scripts/setup.sh)",
        python.display()
    );
    let script = workspace_root().join("tests/sdk/python").join(script);
    let mut command = Command::new(python);
    command
        .arg(script)
        .args(args)
        .env("ASSAY_BASE_URL", &app.base_url)
        .env("ASSAY_CLOUD", CLOUD)
        .env("ASSAY_API_KEY", API_KEY)
        .env("ASSAY_API_SECRET", API_SECRET);
    run(command).await
}

/// `node <tests/sdk/node/<script>> args...` with the pinned SDK from
/// `tests/sdk/node/node_modules`, configured through `CLOUDINARY_URL`
/// (which must be set before the SDK loads). Returns the printed JSON report.
pub async fn run_node(app: &TestApp, script: &str, args: &[&str]) -> Value {
    let dir = workspace_root().join("tests/sdk/node");
    assert!(
        dir.join("node_modules/cloudinary/package.json").is_file(),
        "the Node SDK is not installed in {}: run `make setup` (scripts/setup.sh)",
        dir.display()
    );
    let mut command = Command::new("node");
    command
        .current_dir(&dir)
        .arg(dir.join(script))
        .args(args)
        .env(
            "CLOUDINARY_URL",
            format!(
                "cloudinary://{API_KEY}:{API_SECRET}@{CLOUD}?upload_prefix={}",
                app.base_url
            ),
        );
    run(command).await
}

/// Awaits the script without blocking this runtime: the app's database
/// connections live on it and must keep being served meanwhile.
async fn run(mut command: Command) -> Value {
    let shown = format!("{:?}", command.as_std());
    let output = command
        .output()
        .await
        .unwrap_or_else(|e| panic!("running {shown}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{shown} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{shown} printed no JSON report ({e}):\n{stdout}\n{stderr}"))
}
