//! The four built-in tools give the same result on every demo case whichever platform
//! source holds the Bookmarked side: the embedded store, a snapshot folder, PostgreSQL
//! (a real server, when there is one) and the REST API (a real HTTP server on loopback).

use std::sync::Arc;

use cdt_connectors::OneRosterCsv;
use cdt_connectors::platform_api::{ApiOptions, PlatformApi};
use cdt_connectors::postgres::PostgresPlatform;
use cdt_core::{DiagnosticResult, Inputs, PlatformConnector, Registry, RunContext, Secret, diagnose};
use cdt_tests::conformance::check_platform;
use cdt_tests::fake_api::FakeApi;
use cdt_tests::pg::{PgTest, readonly_password};
use cdt_tests::{demo_cases, demo_lookups, demo_platform, root};

async fn run(registry: &Registry, case: &cdt_tests::DemoCase, platform: &dyn PlatformConnector) -> DiagnosticResult {
    let source = OneRosterCsv::new(root().join("demo/oneroster"));
    let ctx = RunContext {
        customer_id: Some("demo-district".into()),
        ..RunContext::new("bm-org-0001", chrono::Utc::now())
    };
    let tool = registry.get(&case.tool_id).unwrap();
    let mut result = diagnose(tool.as_ref(), &Inputs(case.inputs.clone()), &source, platform, &ctx)
        .await
        .unwrap_or_else(|e| panic!("{} on {}: {e}", case.story, platform.describe()));
    result.timestamp = chrono::DateTime::UNIX_EPOCH;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_agrees_on_every_platform_source() {
    cdt_tools::link();
    let registry = Registry::builtin().unwrap();
    let data = demo_platform().await;
    let server = FakeApi::start(&data, "agree-token", 50).await;
    let mut platforms: Vec<Arc<dyn PlatformConnector>> = vec![
        cdt_connectors::factory::platform_from_path(&root().join("demo/platform.sqlite"), "bm-org-0001")
            .await
            .unwrap(),
        cdt_connectors::factory::platform_from_path(&root().join("demo/platform-snapshot"), "bm-org-0001")
            .await
            .unwrap(),
        Arc::new(
            PlatformApi::new(
                ApiOptions::new(&server.base_url),
                Secret::new("agree-token"),
                "bm-org-0001",
            )
            .unwrap(),
        ),
    ];
    // Without a PostgreSQL server the other sources are still compared (and under
    // CI=true the missing server fails the test).
    let db = PgTest::new("every_tool_agrees_on_every_platform_source", "t_agree").await;
    if let Some(db) = &db {
        db.load(&data, true).await;
        platforms.push(Arc::new(
            PostgresPlatform::connect(&db.options(), &readonly_password(), "bm-org-0001")
                .await
                .unwrap(),
        ));
    }
    let cases = demo_cases();
    let tools: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.tool_id.as_str()).collect();
    assert_eq!(
        tools.into_iter().collect::<Vec<_>>(),
        [
            "campus-transfer",
            "missing-data",
            "parent-conflicts",
            "student-mismatch"
        ],
        "the demo cases cover the four built-in tools"
    );
    for case in &cases {
        let embedded = run(&registry, case, platforms[0].as_ref()).await;
        assert_eq!(embedded.status, case.expected_status, "{}", case.story);
        for platform in &platforms[1..] {
            let other = run(&registry, case, platform.as_ref()).await;
            assert_eq!(other, embedded, "{} on {}", case.story, platform.describe());
        }
    }
}

/// The file-backed platform sources pass the conformance check of every backend
/// (PostgreSQL and the API pass it in their own tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_platform_sources_return_exactly_the_reference_slice() {
    let data = demo_platform().await;
    let lookups = demo_lookups().await;
    for path in ["demo/platform.sqlite", "demo/platform-snapshot"] {
        let platform = cdt_connectors::factory::platform_from_path(&root().join(path), "bm-org-0001")
            .await
            .unwrap();
        let checked = check_platform(platform.as_ref(), &data, &lookups, 25).await;
        assert!(checked > 150, "{path}: {checked} lookups");
    }
}
