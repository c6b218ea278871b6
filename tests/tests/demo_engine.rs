//! The engine on the demo district, through the library as Rust services use it:
//! every planted case gives its expected status, and the embedded store and the
//! snapshot folder give identical results.

use std::path::{Path, PathBuf};

use cdt_connectors::{RunOptions, Target};
use cdt_core::{DiagnosticResult, Inputs, Registry};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

#[derive(serde::Deserialize)]
struct DemoCase {
    tool_id: String,
    inputs: std::collections::BTreeMap<String, String>,
    expected_status: cdt_core::Status,
    story: String,
}

async fn run(customer_id: &str, case: &DemoCase, registry: &Registry) -> DiagnosticResult {
    let target = Target::Customer {
        settings_dir: root().join("customer-integration-settings"),
        customer_id: customer_id.to_owned(),
    };
    let tool = registry.get(&case.tool_id).unwrap();
    let inputs = Inputs(case.inputs.clone());
    cdt_connectors::run(tool.as_ref(), &inputs, &target, &RunOptions::now(None))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.story))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_agrees_across_platform_sources() {
    cdt_tools::link();
    let registry = Registry::builtin().unwrap();
    let cases: Vec<DemoCase> =
        serde_json::from_str(&std::fs::read_to_string(root().join("demo/cases.json")).unwrap()).unwrap();
    for case in &cases {
        let embedded = run("demo-district", case, &registry).await;
        let mut snapshot = run("demo-district-snapshot", case, &registry).await;
        assert_eq!(
            embedded.status, case.expected_status,
            "{}: {}",
            case.story, embedded.summary
        );
        snapshot.timestamp = embedded.timestamp;
        snapshot.customer_id.clone_from(&embedded.customer_id);
        assert_eq!(snapshot, embedded, "{}", case.story);
    }
}
