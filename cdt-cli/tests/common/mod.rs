//! What the CLI tests share: running the built `cdt` in the repository root, its
//! output as text, and the demo's planted cases. Each test file uses a part of it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// `cdt ARGS` in the repository root, without the caller's settings folder or log level.
pub(crate) fn cdt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdt"))
        .args(args)
        .current_dir(root())
        .env_remove("CDT_SETTINGS_DIR")
        .env_remove("CDT_LOG")
        .output()
        .unwrap()
}

/// What a run printed on stdout.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a run printed on stderr.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A planted case of the demo district (`demo/cases.json`).
#[derive(serde::Deserialize)]
pub(crate) struct DemoCase {
    pub(crate) tool_id: String,
    pub(crate) inputs: BTreeMap<String, String>,
    pub(crate) expected_status: String,
    pub(crate) story: String,
}

/// Every planted case of the demo district.
pub(crate) fn demo_cases() -> Vec<DemoCase> {
    let text = std::fs::read_to_string(root().join("demo/cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}
