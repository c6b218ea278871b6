//! The OneRoster REST client against a real HTTP server on loopback that speaks the
//! protocol (`cdt_tests::fake_oneroster`): OAuth 1.0a and 2, paging whatever the
//! headers say, typed errors, retries, limits, safe filters, the conformance check of
//! every SIS backend, and how many requests one diagnostic costs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cdt_connectors::oneroster_api::{AuthOptions, OneRosterApi, RestOptions, SignatureMethod};
use cdt_connectors::{Error, OneRosterCsv, RestErrorKind};
use cdt_core::customer::OneRosterVersion;
use cdt_core::{Lookup, Roster, Secret, SourceConnector};
use cdt_tests::conformance::{check_source, same_roster};
use cdt_tests::fake_oneroster::{FakeOneRoster, Fault, Filters, Paging};
use cdt_tests::{LogCapture, root};

const KEY: &str = "cdt-client";
const SECRET: &str = "s3cret-Value+/=";

fn demo_roster() -> Roster {
    OneRosterCsv::new(root().join("demo/oneroster"))
        .read()
        .expect("demo bundle")
}

fn v11(server: &FakeOneRoster, method: SignatureMethod) -> RestOptions {
    let mut o = RestOptions::new(
        &server.base_url,
        OneRosterVersion::V1_1,
        KEY,
        AuthOptions::OAuth1(method),
    );
    o.retry.base_backoff = Duration::from_millis(10);
    o.max_requests_per_second = 1000;
    o
}

fn v12(server: &FakeOneRoster) -> RestOptions {
    let mut o = RestOptions::new(
        &server.base_url,
        OneRosterVersion::V1_2,
        KEY,
        AuthOptions::OAuth2 {
            token_url: server.token_url.clone(),
            scopes: vec![cdt_connectors::oneroster_api::default_scope(OneRosterVersion::V1_2).to_owned()],
        },
    );
    o.retry.base_backoff = Duration::from_millis(10);
    o.max_requests_per_second = 1000;
    o
}

fn kind(e: &Error) -> Option<RestErrorKind> {
    match e {
        Error::OneRoster { kind, .. } => Some(*kind),
        _ => None,
    }
}

async fn orgs(api: &OneRosterApi) -> Result<usize, cdt_core::Error> {
    api.get_orgs().await.map(|o| o.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth1_signatures_verify_with_both_methods_and_a_wrong_secret_is_a_typed_401() {
    let logs = LogCapture::global();
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    for m in [SignatureMethod::HmacSha256, SignatureMethod::HmacSha1] {
        let api = OneRosterApi::new(v11(&server, m), Secret::new(SECRET)).unwrap();
        assert_eq!(orgs(&api).await.unwrap(), roster.orgs.len(), "{m:?}");
        // A filter with quotes, spaces and non-ASCII text is signed as sent.
        let got = api.fetch(&Lookup::default().person("Núñez O'Brien")).await.unwrap();
        assert!(got.orgs.len() == roster.orgs.len());
    }
    let bad = OneRosterApi::new(v11(&server, SignatureMethod::HmacSha256), Secret::new("wrong-secret")).unwrap();
    let e = bad.load_all().await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::BadCredentials), "{e}");
    let text = e.to_string();
    assert!(text.contains("401") && text.contains("unauthorisedrequest"), "{text}");
    assert!(!text.contains("wrong-secret") && !text.contains(SECRET), "{text}");
    assert!(!format!("{bad:?}").contains("wrong-secret"));
    let log = logs.text();
    assert!(
        !log.contains(SECRET) && !log.contains("wrong-secret"),
        "a secret reached the logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_token_is_fetched_once_for_many_concurrent_requests_and_refreshed_after_expiry() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_secs(2), 1000).await;
    let mut opts = v12(&server);
    opts.max_concurrent_requests = 16;
    let api = OneRosterApi::new(opts, Secret::new(SECRET)).unwrap();
    let many = futures_util::future::join_all((0..40).map(|_| orgs(&api))).await;
    assert!(many.iter().all(|r| r.as_ref().is_ok_and(|n| *n == roster.orgs.len())));
    assert_eq!(server.token_requests(), 1, "one token for 40 concurrent requests");
    assert_eq!(api.token_request_count(), 1);
    // A 2 s token is used until 0.4 s before it expires, then refreshed once.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let again = futures_util::future::join_all((0..20).map(|_| orgs(&api))).await;
    assert!(again.iter().all(Result::is_ok));
    assert_eq!(server.token_requests(), 2, "one refresh for 20 concurrent requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_bad_client_secret_and_refused_scope_are_typed_errors() {
    let server = FakeOneRoster::start(&demo_roster(), KEY, SECRET, Duration::from_mins(1), 1000).await;
    let api = OneRosterApi::new(v12(&server), Secret::new("not-the-secret")).unwrap();
    let e = api.load_all().await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::BadCredentials), "{e}");
    assert!(
        e.to_string().contains("invalid_client") && !e.to_string().contains("not-the-secret"),
        "{e}"
    );
    let mut opts = v12(&server);
    opts.auth = AuthOptions::OAuth2 {
        token_url: server.token_url.clone(),
        scopes: vec!["forbidden-scope".into()],
    };
    let e = OneRosterApi::new(opts, Secret::new(SECRET))
        .unwrap()
        .load_all()
        .await
        .unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Forbidden), "{e}");
    assert!(e.to_string().contains("invalid_scope"), "{e}");
    assert_eq!(server.requests(), 0, "no API request without a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_stops_safely_whatever_the_headers_say() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let mut opts = v11(&server, SignatureMethod::HmacSha256);
    opts.page_size = 97;
    let api = OneRosterApi::new(opts.clone(), Secret::new(SECRET)).unwrap();
    for paging in [
        Paging::Headers,
        Paging::TotalOnly,
        Paging::Bare,
        Paging::TotalTooLow(150),
        Paging::TotalDrifts,
    ] {
        server.set_paging(paging);
        let got = api.load_all().await.unwrap();
        same_roster(&got, &roster, &format!("{paging:?}"));
        // A one-page listing costs one request when the headers end it on a short
        // page, two (the second empty) when there are none or they run on.
        let before = server.requests();
        assert_eq!(api.get_orgs().await.unwrap().len(), roster.orgs.len());
        let orgs_requests = server.requests() - before;
        let want = if matches!(paging, Paging::Bare | Paging::TotalDrifts) {
            2
        } else {
            1
        };
        assert_eq!(orgs_requests, want, "{paging:?}");
    }
    server.set_paging(Paging::IgnoresOffset);
    let e = api.load_all().await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Paging), "{e}");
    assert!(e.to_string().contains("same page twice"), "{e}");
    server.set_paging(Paging::Headers);
    let mut capped = opts;
    capped.max_pages = 3;
    let e = OneRosterApi::new(capped, Secret::new(SECRET))
        .unwrap()
        .load_all()
        .await
        .unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Paging), "{e}");
    assert!(e.to_string().contains("more than 3 pages"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_request_counts_follow_the_headers() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let mut opts = v11(&server, SignatureMethod::HmacSha256);
    opts.page_size = 100;
    let api = OneRosterApi::new(opts, Secret::new(SECRET)).unwrap();
    let pages = roster.users.len().div_ceil(100) as u64;
    for (paging, want) in [
        (Paging::Headers, pages),
        (Paging::TotalOnly, pages),
        (Paging::Bare, pages + 1),
    ] {
        server.set_paging(paging);
        let before = server.requests();
        let got = api.load_all().await.unwrap();
        assert_eq!(got.users.len(), roster.users.len());
        let sent = server.requests() - before;
        let others: u64 = [
            roster.orgs.len(),
            roster.academic_sessions.len(),
            roster.courses.len(),
            roster.classes.len(),
            roster.enrollments.len(),
        ]
        .iter()
        .map(|n| {
            let p = n.div_ceil(100) as u64;
            if paging == Paging::Bare { p + 1 } else { p }
        })
        .sum();
        assert_eq!(sent, want + others, "{paging:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_become_typed_errors() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let mut opts = v11(&server, SignatureMethod::HmacSha256);
    // One request at a time, so the first failure stops the load before another starts.
    opts.max_concurrent_requests = 1;
    let api = OneRosterApi::new(opts, Secret::new(SECRET)).unwrap();
    for (status, minor, want) in [
        (403, "forbidden", RestErrorKind::Forbidden),
        (404, "unknownobject", RestErrorKind::UnknownObject),
        (422, "invalid_filter_field", RestErrorKind::BadRequest),
        (400, "invalid_selection_field", RestErrorKind::BadRequest),
        (418, "unsupported", RestErrorKind::Server),
    ] {
        server.inject([Fault::Status(status, minor)]);
        let before = server.requests();
        let e = api.load_all().await.unwrap_err();
        assert_eq!(server.requests() - before, 1, "{status} is not retried");
        assert_eq!(kind(&e), Some(want), "{e}");
        let text = e.to_string();
        assert!(
            text.contains(&status.to_string()) && text.contains(&minor.replace('_', "")),
            "{text}"
        );
    }
    // The typed kinds, through the crate's own error.
    server.inject([Fault::Status(422, "invalid_filter_field")]);
    let e = api.load_all().await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::BadRequest));
    assert!(
        e.to_string().contains("rejected the filter") || e.to_string().contains("rejected the request"),
        "{e}"
    );
    server.inject([Fault::Malformed]);
    let e = api.load_all().await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Malformed), "{e}");
    server.inject([Fault::CutJson]);
    let before = server.requests();
    let e = api.load_all().await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Malformed), "{e}");
    assert!(e.to_string().contains("truncated JSON"), "{e}");
    assert_eq!(server.requests() - before, 1, "a complete but cut body is not retried");
    // A body broken mid-way is retried, and the listing completes.
    server.inject([Fault::Truncated]);
    let before = server.requests();
    assert_eq!(api.get_orgs().await.unwrap().len(), roster.orgs.len());
    assert_eq!(server.requests() - before, 2, "the broken answer was retried once");
    // An unknown id is no record, not an error.
    let none = api.fetch(&Lookup::default().sourced_id("no-such-id")).await.unwrap();
    assert!(none.users.is_empty() && none.classes.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_within_the_budget_and_timeouts_are_retried() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let mut opts = v11(&server, SignatureMethod::HmacSha1);
    opts.timeout = Duration::from_millis(500);
    opts.retry.max_retry_time = Duration::from_secs(5);
    let api = OneRosterApi::new(opts, Secret::new(SECRET)).unwrap();
    server.inject([Fault::RetryAfter(429, "1".into()), Fault::RetryAfter(503, "0".into())]);
    let (before, started) = (server.requests(), Instant::now());
    assert_eq!(orgs(&api).await.unwrap(), roster.orgs.len());
    assert_eq!(server.requests() - before, 3, "two refusals, then the answer");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured"
    );
    server.inject([Fault::RetryAfter(503, "120".into())]);
    let started = Instant::now();
    let e = api.get_orgs().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a wait beyond the budget is not waited"
    );
    assert!(e.to_string().contains("beyond the 5 s retry budget"), "{e}");
    server.inject([Fault::Delay(Duration::from_secs(2))]);
    let before = server.requests();
    assert_eq!(orgs(&api).await.unwrap(), roster.orgs.len());
    assert_eq!(
        server.requests() - before,
        2,
        "the slow answer timed out and was retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_limited_in_rate() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let mut opts = v11(&server, SignatureMethod::HmacSha256);
    opts.max_requests_per_second = 10;
    opts.max_concurrent_requests = 2;
    let api = OneRosterApi::new(opts, Secret::new(SECRET)).unwrap();
    let started = Instant::now();
    let all = futures_util::future::join_all((0..11).map(|_| orgs(&api))).await;
    assert!(all.iter().all(Result::is_ok));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "11 requests at 10/s take a second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_in_a_name_neither_breaks_nor_widens_the_filter() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let api = OneRosterApi::new(v11(&server, SignatureMethod::HmacSha256), Secret::new(SECRET)).unwrap();
    let _ = server.take_log();
    for hostile in [
        "x' OR familyName~'",
        "' OR '1'='1",
        "Theodore N'Diaye",
        "a\\' OR sourcedId~'",
    ] {
        let lookup = Lookup::default().person(hostile).email(&format!("{hostile}@x.org"));
        let got = api.fetch(&lookup).await.unwrap_or_else(|e| panic!("{hostile}: {e}"));
        same_roster(&got, &roster.slice(&lookup), hostile);
        assert!(got.users.len() < 5, "{hostile}: {} users", got.users.len());
    }
    for line in server.take_log() {
        let Some(filter) = line.split(['?', '&']).find_map(|p| p.strip_prefix("filter=")) else {
            continue;
        };
        let decoded = cdt_connectors::oneroster_api::oauth1::parse_authorization(&format!("OAuth f=\"{filter}\""))
            .and_then(|v| v.into_iter().next())
            .map(|(_, v)| v)
            .unwrap_or_default();
        let quotes = decoded.matches('\'').count();
        let preds = decoded.matches(" OR ").count() + 1;
        assert_eq!(quotes, preds * 2, "one quoted value a predicate: {decoded}");
    }
}

/// The demo cases' source lookups, as the engine builds them.
fn demo_source_lookups() -> Vec<(String, Lookup)> {
    cdt_tools::link();
    let registry = cdt_core::Registry::builtin().unwrap();
    cdt_tests::demo_cases()
        .into_iter()
        .map(|case| {
            let tool = registry.get(&case.tool_id).unwrap();
            let inputs = tool.spec().validate(&cdt_core::Inputs(case.inputs.clone())).unwrap();
            (case.story, tool.lookup(&inputs).unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_sources_return_exactly_the_reference_slice() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let lookups = demo_source_lookups();
    let sources: Vec<Arc<dyn SourceConnector>> = vec![
        Arc::new(OneRosterApi::new(v11(&server, SignatureMethod::HmacSha256), Secret::new(SECRET)).unwrap()),
        Arc::new(OneRosterApi::new(v12(&server), Secret::new(SECRET)).unwrap()),
    ];
    for source in &sources {
        let checked = check_source(source.as_ref(), &roster, &lookups, 12).await;
        assert!(checked > 60, "{checked} lookups");
    }
}

/// A customer settings file with `oneroster_api` builds a source (the secret
/// resolved from a `.env` file when first needed) whose test connection answers and
/// names no secret; the same settings with another secret fail with a typed 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_file_builds_a_working_rest_source() {
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(
        r#"{{"customer_id": "rest-district", "customer_name": "REST District", "active": true,
            "integration": {{"type": "oneroster_api", "base_url": "{}", "oneroster_version": "1.2",
                "client_id": "{KEY}", "client_secret": "env:CDT_TEST_REST_SECRET",
                "token_url": "{}", "limits": {{"page_size": 50, "max_requests_per_second": 500}}}},
            "bookmarked_environment": "staging", "bookmarked_org_id": "bm-org-0001",
            "platform": {{"type": "embedded", "path": "platform.sqlite"}}}}"#,
        server.base_url, server.token_url
    );
    let path = dir.path().join("rest-district.json");
    std::fs::write(&path, settings).unwrap();
    let customer = cdt_core::Customer::from_file_text(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    for (secret, ok) in [(SECRET, true), ("a-wrong-one", false)] {
        let env = dir.path().join(".env");
        std::fs::write(&env, format!("CDT_TEST_REST_SECRET={secret}\n")).unwrap();
        let creds = cdt_connectors::CredentialManager::new()
            .with_dotenv(&env, false)
            .unwrap();
        let source = cdt_connectors::source_with(&customer, &creds).unwrap();
        assert!(source.describe().contains("/ims/oneroster/rostering/v1p2"));
        match source.test_connection().await {
            Ok(said) => {
                assert!(ok, "a wrong secret connected");
                assert!(
                    said.contains("OAuth 2") && said.contains(&format!("{} orgs", roster.orgs.len())),
                    "{said}"
                );
                assert!(!said.contains(secret));
            }
            Err(e) => {
                assert!(!ok, "{e}");
                let text = e.to_string();
                assert!(text.contains("401") && !text.contains(secret), "{text}");
            }
        }
    }
}

/// A server that refuses filters (400, 422) or ignores them (every listing whole):
/// every demo lookup still gets exactly the reference slice, read from the
/// collections whole (once a fetch) and filtered by the client, with a warning in
/// the result and the log; the client sends no more filters to those collections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_or_ignores_filters_is_read_whole_with_a_warning() {
    let logs = LogCapture::global();
    let roster = demo_roster();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_mins(1), 1000).await;
    let lookups = demo_source_lookups();
    for (mode, v1_2, said) in [
        (Filters::Rejects(400), false, "refuses (HTTP 400)"),
        (Filters::Rejects(422), true, "refuses (HTTP 422)"),
        (Filters::Ignores, false, "ignores"),
        (Filters::Ignores, true, "ignores"),
    ] {
        server.set_filters(mode);
        let opts = if v1_2 {
            v12(&server)
        } else {
            v11(&server, SignatureMethod::HmacSha256)
        };
        let api = OneRosterApi::new(opts, Secret::new(SECRET)).unwrap();
        let mut warned = 0;
        for (story, lookup) in &lookups {
            let got = api
                .fetch(lookup)
                .await
                .unwrap_or_else(|e| panic!("{mode:?} {story}: {e}"));
            same_roster(&got, &roster.slice(lookup), &format!("{mode:?} {story}"));
            if let Some(w) = got.warnings.first() {
                assert!(w.contains(said) && w.contains("filter="), "{mode:?}: {w}");
                warned += 1;
            }
        }
        assert!(
            warned * 2 > lookups.len(),
            "{mode:?}: {warned} of {} warned",
            lookups.len()
        );
        // Once a collection is known not to filter, no filter is sent to it again: a
        // diagnostic costs its collections' pages, not a failed try first.
        let _ = server.take_log();
        let again = api.fetch(&lookups[0].1).await.unwrap();
        assert!(!again.warnings.is_empty(), "{mode:?}");
        let log = server.take_log();
        assert!(log.iter().all(|l| !l.contains("filter=")), "{mode:?}: {log:?}");
        let pages = roster.users.len().div_ceil(100) + roster.enrollments.len().div_ceil(100) + 1;
        assert!(log.len() <= pages + 10, "{mode:?}: {} requests", log.len());
    }
    let text = logs.text();
    assert!(text.contains("does not filter this collection"), "no warning logged");
    assert!(!text.contains(SECRET), "a secret reached the logs");
    // The same client against a server that filters again keeps reading whole (the
    // answer stays exact); a new client filters.
    server.set_filters(Filters::Honours);
    let api = OneRosterApi::new(v11(&server, SignatureMethod::HmacSha256), Secret::new(SECRET)).unwrap();
    let got = api.fetch(&lookups[0].1).await.unwrap();
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    assert!(server.take_log().iter().any(|l| l.contains("filter=")));
}
