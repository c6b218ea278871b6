//! The golden case document and verdict document: what the host writes to a plugin
//! and the verdict form it reads back, on a demo case, committed in `tests/golden/`.
//! The plugin SDK's tests parse both strictly, so the SDK's mirror of the wire format
//! cannot drift from the host.
//!
//! When the host's format changes on purpose, regenerate them with
//! `UPDATE_GOLDEN=1 cargo test -p cdt-wasm --test golden` and commit the result (the
//! SDK and example plugins then have to follow: `cargo test --manifest-path
//! plugins/Cargo.toml`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cdt_core::{Case, Inputs, Lookup, Registry, RunContext, Tool, ToolSpec, Verdict, diagnose};
use cdt_wasm::manifest::{DataSpec, PLATFORM_TABLES, SOURCE_TABLES};
use cdt_wasm::wire::{case_document, parse_verdict, verdict_document};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// A built-in tool that also keeps the case the engine gave it and its verdict.
struct Capture {
    inner: Arc<dyn Tool>,
    seen: Mutex<Option<(Case, Verdict)>>,
}

impl Tool for Capture {
    fn spec(&self) -> &ToolSpec {
        self.inner.spec()
    }
    fn lookup(&self, inputs: &Inputs) -> cdt_core::Result<Lookup> {
        self.inner.lookup(inputs)
    }
    fn run(&self, inputs: &Inputs, case: &Case) -> cdt_core::Result<Verdict> {
        let verdict = self.inner.run(inputs, case)?;
        *self.seen.lock().unwrap() = Some((case.clone(), verdict.clone()));
        Ok(verdict)
    }
}

/// The first demo case (of `demo/cases.json`) whose case holds a row in every table
/// of both sides and whose verdict has a finding and a step naming records, so
/// that the golden documents show every field.
async fn demo_case() -> (Inputs, Case, Verdict) {
    #[derive(serde::Deserialize)]
    struct DemoCase {
        tool_id: String,
        inputs: std::collections::BTreeMap<String, String>,
    }
    cdt_tools::link();
    let registry = Registry::builtin().unwrap();
    let customer =
        cdt_connectors::customers::load(&root().join("customer-integration-settings"), "demo-district").unwrap();
    let source = cdt_connectors::source_for(&customer).unwrap();
    let platform = cdt_connectors::platform_for(&customer).await.unwrap();
    // A fixed time: the golden documents must not change daily.
    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    let ctx = RunContext {
        customer_id: Some(customer.customer_id.clone()),
        ..RunContext::new(customer.bookmarked_org_id.clone(), at)
    };
    let cases: Vec<DemoCase> =
        serde_json::from_str(&std::fs::read_to_string(root().join("demo/cases.json")).unwrap()).unwrap();
    for c in cases {
        let tool = Capture {
            inner: registry.get(&c.tool_id).unwrap(),
            seen: Mutex::new(None),
        };
        let inputs = Inputs::from_pairs(c.inputs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if diagnose(&tool, &inputs, source.as_ref(), platform.as_ref(), &ctx)
            .await
            .is_err()
        {
            continue;
        }
        let Some((case, _)) = tool.seen.lock().unwrap().take() else {
            continue;
        };
        let verdict = tool.inner.run(&inputs, &case).unwrap();
        let (s, p) = (&case.source, &case.platform);
        let full = !(s.orgs.is_empty()
            || s.users.is_empty()
            || s.classes.is_empty()
            || s.courses.is_empty()
            || s.academic_sessions.is_empty()
            || s.enrollments.is_empty()
            || p.organizations.is_empty()
            || p.students.is_empty()
            || p.parents.is_empty()
            || p.parent_students.is_empty()
            || p.classes.is_empty()
            || p.enrollments.is_empty()
            || p.import_runs.is_empty()
            || p.import_errors.is_empty());
        let named = verdict.findings.iter().any(|f| !f.record_ids.is_empty())
            && verdict.remediation.iter().any(|r| !r.record_ids.is_empty());
        if full && named {
            return (inputs, case, verdict);
        }
    }
    panic!("no demo case fills every table and names records in its verdict");
}

/// Pretty JSON (keys sorted), so a change to the format reads as a small diff.
fn pretty(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    serde_json::to_string_pretty(&value).unwrap() + "\n"
}

/// Compares `written` with the committed file, or rewrites the file under
/// `UPDATE_GOLDEN=1`.
fn check(name: &str, written: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, written).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == written,
        "{} is stale: the host writes something else now. Regenerate it with \
         `UPDATE_GOLDEN=1 cargo test -p cdt-wasm --test golden`, then make the plugin SDK \
         follow (`cargo test --manifest-path plugins/Cargo.toml`)",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_golden_documents_are_what_the_host_writes_and_reads() {
    let (inputs, case, verdict) = demo_case().await;
    let all = DataSpec {
        source: SOURCE_TABLES.iter().map(|t| (*t).to_owned()).collect(),
        platform: PLATFORM_TABLES.iter().map(|t| (*t).to_owned()).collect(),
    };
    let case_json = pretty(&case_document("golden", &all, &inputs, &case));
    let doc: serde_json::Value = serde_json::from_str(&case_json).unwrap();
    for t in SOURCE_TABLES {
        assert!(doc["source"][t].as_array().is_some_and(|a| !a.is_empty()), "source.{t}");
    }
    for t in PLATFORM_TABLES {
        assert!(
            doc["platform"][t].as_array().is_some_and(|a| !a.is_empty()),
            "platform.{t}"
        );
    }
    check("case.json", &case_json);

    let verdict_json = pretty(&verdict_document(&verdict));
    assert_eq!(
        parse_verdict(&verdict_json).unwrap(),
        verdict,
        "the host reads what it writes"
    );
    check("verdict.json", &verdict_json);
}

#[test]
fn the_platform_tables_a_plugin_may_ask_for_are_the_described_ones() {
    let described: Vec<&str> = cdt_core::platform::schema::TABLES.iter().map(|t| t.name).collect();
    assert_eq!(PLATFORM_TABLES.to_vec(), described);
}
