//! Reference tools run by the tests that generate their inputs (ImageMagick,
//! libtiff's tools, libjpeg-turbo's `cjpeg`): one shell command at a time.

use std::path::Path;
use std::process::Command;

/// Runs `command` under `sh` in `dir`; panics with its stderr if it fails
/// (the tools come from `make setup`).
pub fn run_in(dir: &Path, command: &str) {
    let output = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running {command}: {e}"));
    assert!(
        output.status.success(),
        "{command} failed (are the reference tools installed? `make setup`):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
