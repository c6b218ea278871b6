//! Cross-crate integration tests of Customer Data Tools live in `tests/tests/`: they
//! use the crates as a Rust service would, on the committed demo district.
//!
//! This library holds what those tests share: [`pg`] (a PostgreSQL schema loaded with
//! platform data, and the read-only role's options), [`fake_api`] (a real HTTP server
//! on loopback speaking the Bookmarked API of `docs/platform-api.md`, with injectable
//! faults), [`fake_hubspot`] (HubSpot's tickets, notes, pipelines and OAuth on
//! loopback), [`drops`] (real FTP, FTPS and SFTP servers on loopback), [`service`] (skip-or-fail when a service is missing) and [`conformance`]
//! (the check every platform backend passes), and [`accuracy`] (the property-based
//! accuracy harness of the built-in tools against an oracle), and [`browser`] (headless
//! Chromium through `ChromeDriver`, for the service's page).

pub mod accuracy;
pub mod browser;
pub mod conformance;
pub mod drops;
pub mod fake_api;
pub mod fake_hubspot;
pub mod fake_oneroster;
pub mod http;
pub mod moto;
pub mod pg;
pub mod sentinel;
pub mod service;
pub mod tickets;

use std::path::{Path, PathBuf};

/// The workspace root.
#[must_use]
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_owned)
}

/// The committed demo district's platform data (its only district).
pub async fn demo_platform() -> cdt_core::PlatformData {
    use cdt_core::PlatformConnector as _;
    let store = cdt_connectors::EmbeddedStore::open(&root().join("demo/platform.sqlite"), "bm-org-0001")
        .await
        .expect("the committed demo store opens");
    store.load().await.expect("the demo store loads")
}

/// A planted case of the demo district (`demo/cases.json`).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct DemoCase {
    /// The tool.
    pub tool_id: String,
    /// Its inputs.
    pub inputs: std::collections::BTreeMap<String, String>,
    /// The status it must give.
    pub expected_status: cdt_core::Status,
    /// What the case is about.
    pub story: String,
}

/// The demo district's planted cases.
#[must_use]
pub fn demo_cases() -> Vec<DemoCase> {
    let text = std::fs::read_to_string(root().join("demo/cases.json")).expect("demo/cases.json");
    serde_json::from_str(&text).expect("demo cases parse")
}

/// The platform lookup of every demo case as the engine builds it: the tool's lookup
/// plus the sourcedIds of the source slice.
pub async fn demo_lookups() -> Vec<(String, cdt_core::Lookup)> {
    use cdt_core::SourceConnector as _;
    cdt_tools::link();
    let registry = cdt_core::Registry::builtin().expect("registry");
    let source = cdt_connectors::OneRosterCsv::new(root().join("demo/oneroster"));
    let mut out = Vec::new();
    for case in demo_cases() {
        let tool = registry.get(&case.tool_id).expect("tool");
        let inputs = tool
            .spec()
            .validate(&cdt_core::Inputs(case.inputs.clone()))
            .expect("inputs");
        let lookup = tool.lookup(&inputs).expect("lookup");
        let roster = source.fetch(&lookup).await.expect("source slice");
        out.push((case.story.clone(), cdt_core::engine::platform_lookup(&lookup, &roster)));
    }
    out
}

/// Captures every tracing event (all levels, all crates) of the test binary into a
/// buffer, for tests that search logs for secrets.
///
/// The capture is the process's global subscriber: thread-local subscribers miss
/// events whose call sites were first seen while none was installed.
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    /// The capture, installed as the global subscriber on first use.
    ///
    /// # Panics
    /// If another global subscriber was installed first.
    pub fn global() -> &'static LogCapture {
        static CAPTURE: std::sync::OnceLock<LogCapture> = std::sync::OnceLock::new();
        CAPTURE.get_or_init(|| {
            let capture = LogCapture::default();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(capture.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
            capture
        })
    }

    /// Everything captured so far.
    #[must_use]
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Platform data with every table sorted by key (`id`; `parent_students` by its two
/// ids): the order PostgreSQL returns.
#[must_use]
pub fn by_key(mut d: cdt_core::PlatformData) -> cdt_core::PlatformData {
    d.organizations.sort_by(|a, b| a.id.cmp(&b.id));
    d.students.sort_by(|a, b| a.id.cmp(&b.id));
    d.parents.sort_by(|a, b| a.id.cmp(&b.id));
    d.parent_students
        .sort_by(|a, b| (&a.parent_id, &a.student_id).cmp(&(&b.parent_id, &b.student_id)));
    d.classes.sort_by(|a, b| a.id.cmp(&b.id));
    d.enrollments.sort_by(|a, b| a.id.cmp(&b.id));
    d.import_runs.sort_by(|a, b| a.id.cmp(&b.id));
    d.import_errors.sort_by(|a, b| a.id.cmp(&b.id));
    d
}
