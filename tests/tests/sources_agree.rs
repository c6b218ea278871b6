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

/// A OneRoster REST client of the fake server, 1.1 with OAuth 1.0a or 1.2 with OAuth 2.
fn rest_source(
    server: &cdt_tests::fake_oneroster::FakeOneRoster,
    v1_2: bool,
) -> Arc<cdt_connectors::oneroster_api::OneRosterApi> {
    use cdt_connectors::oneroster_api::{AuthOptions, OneRosterApi, RestOptions, SignatureMethod, default_scope};
    use cdt_core::customer::OneRosterVersion;
    let (version, auth) = if v1_2 {
        (
            OneRosterVersion::V1_2,
            AuthOptions::OAuth2 {
                token_url: server.token_url.clone(),
                scopes: vec![default_scope(OneRosterVersion::V1_2).to_owned()],
            },
        )
    } else {
        (OneRosterVersion::V1_1, AuthOptions::OAuth1(SignatureMethod::HmacSha256))
    };
    let mut opts = RestOptions::new(&server.base_url, version, "agree-client", auth);
    opts.max_requests_per_second = 1000;
    Arc::new(OneRosterApi::new(opts, Secret::new("agree-secret")).unwrap())
}

/// The token ClassLink's proxy takes in these tests.
const PROXY_TOKEN: &str = "agree-proxy-token-5f1c";

/// A ClassLink source of the fake server, built from a customer's settings as `cdt`
/// builds it: the direct route (OAuth 1.0a at the Roster Server's address) or the
/// proxy route (application `57`, a static bearer token, at the fake's address).
fn classlink_source(
    server: &cdt_tests::fake_oneroster::FakeOneRoster,
    proxy: bool,
    dir: &std::path::Path,
) -> Arc<dyn cdt_core::SourceConnector> {
    let env = dir.join("classlink.env");
    std::fs::write(
        &env,
        format!("CDT_TEST_CL_SECRET=agree-secret\nCDT_TEST_CL_TOKEN={PROXY_TOKEN}\n"),
    )
    .unwrap();
    let creds = cdt_connectors::CredentialManager::new()
        .with_dotenv(&env, false)
        .unwrap();
    let route = if proxy {
        format!(
            r#""route": "proxy", "application_id": "57", "access_token": "env:CDT_TEST_CL_TOKEN", "proxy_base": "{}""#,
            server.base_url
        )
    } else {
        format!(
            r#""base_url": "{}", "client_id": "agree-client", "client_secret": "env:CDT_TEST_CL_SECRET""#,
            server.base_url
        )
    };
    let customer = cdt_core::Customer::from_json(&format!(
        r#"{{"customer_id": "cl-district", "customer_name": "ClassLink District", "active": true,
            "integration": {{"type": "classlink", {route},
                "limits": {{"max_concurrent_requests": 4, "max_requests_per_second": 1000}}}},
            "bookmarked_environment": "staging", "bookmarked_org_id": "bm-org-0001",
            "platform": {{"type": "embedded", "path": "platform.sqlite"}}}}"#
    ))
    .unwrap();
    let source = cdt_connectors::source_with(&customer, &creds).unwrap();
    let said = source.describe();
    assert!(
        said.contains("ClassLink") && said.contains(if proxy { "proxy" } else { "direct" }),
        "{said}"
    );
    source
}

/// Every demo case gives the same result whether the SIS side is the bundle or the
/// district's OneRoster REST API (1.1 with OAuth 1.0a, 1.2 with OAuth 2, and ClassLink
/// directly and through its proxy), and one diagnostic costs a number of requests set
/// by the case (printed, and bounded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_agrees_on_every_sis_source() {
    cdt_tools::link();
    let registry = Registry::builtin().unwrap();
    let bundle = OneRosterCsv::new(root().join("demo/oneroster"));
    let roster = bundle.read().unwrap();
    let server = cdt_tests::fake_oneroster::FakeOneRoster::start(
        &roster,
        "agree-client",
        "agree-secret",
        std::time::Duration::from_mins(5),
        1000,
    )
    .await;
    let platform = cdt_connectors::factory::platform_from_path(&root().join("demo/platform.sqlite"), "bm-org-0001")
        .await
        .unwrap();
    let ctx = RunContext {
        customer_id: Some("demo-district".into()),
        ..RunContext::new("bm-org-0001", chrono::Utc::now())
    };
    server.serve_classlink_proxy("57", PROXY_TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let (rest11, rest12) = (rest_source(&server, false), rest_source(&server, true));
    let sources: [Arc<dyn cdt_core::SourceConnector>; 4] = [
        rest11.clone(),
        rest12.clone(),
        classlink_source(&server, false, dir.path()),
        classlink_source(&server, true, dir.path()),
    ];
    let mut counts = Vec::new();
    for rest in &sources {
        for case in demo_cases() {
            let tool = registry.get(&case.tool_id).unwrap();
            let inputs = Inputs(case.inputs.clone());
            let mut want = diagnose(tool.as_ref(), &inputs, &bundle, platform.as_ref(), &ctx)
                .await
                .unwrap();
            want.timestamp = chrono::DateTime::UNIX_EPOCH;
            let before = server.requests();
            let mut got = diagnose(tool.as_ref(), &inputs, rest.as_ref(), platform.as_ref(), &ctx)
                .await
                .unwrap_or_else(|e| panic!("{} over {}: {e}", case.story, rest.describe()));
            let sent = server.requests() - before;
            got.timestamp = chrono::DateTime::UNIX_EPOCH;
            // The bundle's validation warnings are about the bundle file; a REST
            // source has none of its own.
            assert!(got.warnings.is_empty(), "{:?}", got.warnings);
            want.warnings.clear();
            assert_eq!(got, want, "{} over {}", case.story, rest.describe());
            counts.push((rest.describe(), case.tool_id.clone(), sent));
        }
    }
    assert_eq!(rest11.token_request_count(), 0, "OAuth 1.0a needs no token");
    assert!(rest12.token_request_count() <= 1, "one token for every case");
    let max = counts.iter().map(|c| c.2).max().unwrap_or_default();
    let total: u64 = counts.iter().map(|c| c.2).sum();
    #[allow(clippy::print_stderr)]
    {
        eprintln!("requests per demo diagnostic over REST (1.1, 1.2, ClassLink direct and proxy): {counts:?}");
        eprintln!("max {max}, total {total} for {} diagnostics", counts.len());
    }
    assert!(max <= 40, "a diagnostic sent {max} requests");
}

/// On a generated district several times the demo's size, the requests of one
/// student-mismatch-shaped lookup (a parent's email and a student's name) stay those
/// of the case (the people it finds and their classes), not of the district: the
/// same bound as on the small demo district, and each slice is exact; over a OneRoster
/// 1.1 server and ClassLink's proxy alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_per_diagnostic_follow_the_case_not_the_district() {
    let district = cdt_demo::generate(&cdt_demo::GenConfig::new(3_000, 11));
    let roster = &district.roster;
    let server = cdt_tests::fake_oneroster::FakeOneRoster::start(
        roster,
        "agree-client",
        "agree-secret",
        std::time::Duration::from_mins(5),
        1000,
    )
    .await;
    server.serve_classlink_proxy("57", PROXY_TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let sources: [Arc<dyn cdt_core::SourceConnector>; 2] =
        [rest_source(&server, false), classlink_source(&server, true, dir.path())];
    let mut counts = Vec::new();
    let mut log = Vec::new();
    let students: Vec<&cdt_core::roster::User> = roster.students().collect();
    for (rest, s) in sources
        .iter()
        .flat_map(|rest| students.iter().step_by(students.len() / 8).map(move |s| (rest, s)))
    {
        let parent = s.agent_sourced_ids.first().and_then(|p| roster.user(p));
        let mut lookup = cdt_core::Lookup::default().person(&format!("{} {}", s.given_name, s.family_name));
        if let Some(email) = parent.and_then(|p| p.email.as_deref()) {
            lookup = lookup.email(email);
        }
        let before = server.requests();
        let got = rest.fetch(&lookup).await.unwrap();
        counts.push(server.requests() - before);
        log.push(
            server
                .take_log()
                .iter()
                .map(|l| {
                    l.split('?')
                        .next()
                        .unwrap_or_default()
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect::<Vec<_>>(),
        );
        cdt_tests::conformance::same_roster(&got, &roster.slice(&lookup), &format!("{lookup:?}"));
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "requests per lookup on a {}-user district: {counts:?}",
            roster.users.len()
        );
        eprintln!("{log:?}");
    }
    assert!(counts.iter().all(|c| *c <= 60), "{counts:?}");
}
