//! The REST API connector against a real HTTP server on loopback (the fake Bookmarked
//! API of `cdt_tests::fake_api`): exact slices over several pages, and every fault the
//! server can inject.

use std::time::Duration;

use cdt_connectors::platform_api::{ApiOptions, PlatformApi};
use cdt_core::{Lookup, PlatformConnector, Secret};
use cdt_tests::conformance::check_platform;
use cdt_tests::fake_api::{FakeApi, Fault};
use cdt_tests::{LogCapture, demo_lookups, demo_platform};

const TOKEN: &str = "bm-test-token-5f2c9a77d1";

/// Options for tests: short backoffs, so retries take milliseconds.
fn options(api: &FakeApi) -> ApiOptions {
    ApiOptions {
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
        max_retry_time: Duration::from_secs(20),
        page_size: 40,
        ..ApiOptions::new(&api.base_url)
    }
}

fn client(_server: &FakeApi, opts: ApiOptions) -> PlatformApi {
    PlatformApi::new(opts, Secret::new(TOKEN), "bm-org-0001").unwrap()
}

async fn err_of(api: &PlatformApi) -> cdt_core::Error {
    api.fetch(&Lookup::default().person("Avery")).await.unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_returns_exactly_the_reference_slice_over_many_pages() {
    let data = demo_platform().await;
    // The server sends at most 7 rows a page, so nearly every answer is paged.
    let server = FakeApi::start(&data, TOKEN, 7).await;
    let api = client(&server, options(&server));
    assert_eq!(api.load().await.unwrap(), data, "the API keeps the store's order");
    let checked = check_platform(&api, &data, &demo_lookups().await, 20).await;
    assert!(checked > 100, "{checked} lookups");
    assert_eq!(api.request_count(), server.requests());
    let summary = api.test_connection().await.unwrap();
    assert!(summary.contains("3 schools"), "{summary}");
}

#[tokio::test]
async fn server_errors_and_broken_connections_are_retried() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(&server, options(&server));
    let want = data.slice(&Lookup::default().person("Avery"));
    for fault in [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
        Fault::Truncated,
    ] {
        let before = server.requests();
        server.push_faults([fault.clone(), fault.clone()]);
        assert_eq!(
            api.fetch(&Lookup::default().person("Avery")).await.unwrap(),
            want,
            "{fault:?}"
        );
        // Two failed attempts, then the fetch's own requests.
        let plain = {
            let b = server.requests();
            api.fetch(&Lookup::default().person("Avery")).await.unwrap();
            server.requests() - b
        };
        assert_eq!(server.requests() - before, 2 + 2 * plain, "{fault:?}");
    }
}

#[tokio::test]
async fn too_many_requests_waits_as_retry_after_says() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(&server, options(&server));
    server.push_faults([Fault::RetryAfter(429, "1".into())]);
    let started = std::time::Instant::now();
    api.fetch(&Lookup::default().person("Avery")).await.unwrap();
    // Not a timing assertion on the machine's speed: the client must not retry
    // before the second the server asked for.
    assert!(started.elapsed() >= Duration::from_secs(1));
    let http_date = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc2822();
    server.push_faults([Fault::RetryAfter(503, http_date)]);
    api.fetch(&Lookup::default().person("Avery")).await.unwrap();
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_gives_up_at_once() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(&server, options(&server));
    server.push_faults([Fault::RetryAfter(429, "3600".into())]);
    let err = err_of(&api).await.to_string();
    assert!(
        err.contains("HTTP 429") && err.contains("beyond the 20 s retry budget"),
        "{err}"
    );
    assert_eq!(server.requests(), 1, "no retry when the wait is over budget");
}

#[tokio::test]
async fn persistent_failures_end_after_the_attempt_cap() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(
        &server,
        ApiOptions {
            max_attempts: 3,
            ..options(&server)
        },
    );
    server.push_faults([Fault::Status(503), Fault::Status(503), Fault::Status(503)]);
    let err = err_of(&api).await.to_string();
    assert!(
        err.contains("gave up after 3 attempts") && err.contains("HTTP 503"),
        "{err}"
    );
    server.push_faults([Fault::Truncated, Fault::Truncated, Fault::Truncated]);
    let err = err_of(&api).await.to_string();
    assert!(err.contains("truncated"), "{err}");
}

#[tokio::test]
async fn a_slow_server_times_out_and_is_retried_within_the_budget() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(
        &server,
        ApiOptions {
            timeout: Duration::from_millis(300),
            max_attempts: 2,
            ..options(&server)
        },
    );
    server.push_faults([Fault::Delay(Duration::from_secs(3))]);
    assert!(api.fetch(&Lookup::default().person("Avery")).await.is_ok());
    server.push_faults([
        Fault::Delay(Duration::from_secs(3)),
        Fault::Delay(Duration::from_secs(3)),
    ]);
    let err = err_of(&api).await.to_string();
    assert!(
        err.contains("timed out") && err.contains("gave up after 2 attempts"),
        "{err}"
    );
}

/// A server that answers and then drips its body a byte at a time, forever, is cut
/// off by the request deadline (not by a per-read timeout, which each byte resets), a
/// bounded number of times.
#[tokio::test]
async fn a_body_that_drips_forever_times_out_within_the_deadline() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(
        &server,
        ApiOptions {
            timeout: Duration::from_millis(400),
            max_attempts: 2,
            ..options(&server)
        },
    );
    server.push_faults([
        Fault::Drip(Duration::from_millis(20)),
        Fault::Drip(Duration::from_millis(20)),
    ]);
    let before = server.requests();
    let err = err_of(&api).await.to_string();
    assert!(
        err.contains("timed out") && err.contains("gave up after 2 attempts"),
        "{err}"
    );
    assert_eq!(server.requests() - before, 2, "one retry, then the error");
}

#[tokio::test]
async fn the_total_retry_time_is_capped() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(
        &server,
        ApiOptions {
            base_backoff: Duration::from_millis(400),
            max_backoff: Duration::from_millis(400),
            max_retry_time: Duration::from_millis(500),
            max_attempts: 100,
            ..options(&server)
        },
    );
    server.push_faults(std::iter::repeat_n(Fault::Status(500), 50));
    let err = err_of(&api).await.to_string();
    assert!(err.contains("gave up after"), "{err}");
    assert!(server.requests() < 10, "the budget, not the attempt cap, ended it");
}

#[tokio::test]
async fn malformed_bodies_are_clear_errors_and_not_retried() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(&server, options(&server));
    server.push_faults([Fault::Malformed]);
    let err = err_of(&api).await.to_string();
    assert!(
        err.contains("malformed answer") && err.contains("/students/search"),
        "{err}"
    );
    assert_eq!(server.requests(), 1);
    server.push_faults([Fault::CutJson]);
    let err = err_of(&api).await.to_string();
    assert!(err.contains("truncated JSON"), "{err}");
    server.push_faults([Fault::WrongShape]);
    let err = err_of(&api).await.to_string();
    assert!(
        err.contains("malformed answer") && err.contains("missing field `data`"),
        "{err}"
    );
}

#[tokio::test]
async fn refusals_are_clear_errors_and_never_show_the_token() {
    let data = demo_platform().await;
    let server = FakeApi::start_forbidding(&data, TOKEN, 500, &["bm-org-0001"]).await;
    let capture = LogCapture::global();
    let wrong = PlatformApi::new(options(&server), Secret::new("not-the-token-9c1d"), "bm-org-0001").unwrap();
    let unauthorized = err_of(&wrong).await.to_string();
    let forbidden = err_of(&client(&server, options(&server))).await.to_string();
    let unknown = PlatformApi::new(options(&server), Secret::new(TOKEN), "bm-org-nope").unwrap();
    let not_found = err_of(&unknown).await.to_string();
    let other = FakeApi::start(&data, TOKEN, 500).await;
    client(&other, options(&other)).load().await.unwrap();
    assert!(unauthorized.contains("401"), "{unauthorized}");
    assert!(
        forbidden.contains("403") && forbidden.contains("bm-org-0001"),
        "{forbidden}"
    );
    assert!(
        not_found.contains("404") && not_found.contains("bm-org-nope"),
        "{not_found}"
    );
    assert_eq!(server.requests(), 3, "401, 403 and 404 are not retried");
    let logs = capture.text();
    assert!(logs.contains("API request"), "the capture works");
    for text in [&unauthorized, &forbidden, &not_found, &logs, &format!("{wrong:?}")] {
        assert!(!text.contains(TOKEN) && !text.contains("not-the-token-9c1d"), "{text}");
    }
}

#[tokio::test]
async fn an_unreachable_api_is_retried_then_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = ApiOptions {
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_attempts: 3,
        ..ApiOptions::new(&format!("http://127.0.0.1:{port}"))
    };
    let api = PlatformApi::new(opts, Secret::new(TOKEN), "bm-org-0001").unwrap();
    let err = err_of(&api).await.to_string();
    assert!(
        err.contains("cannot connect") && err.contains("gave up after 3 attempts"),
        "{err}"
    );
    assert_eq!(api.request_count(), 3);
    assert!(!err.contains(TOKEN));
}

/// A redirect is never followed: the request (which may carry a parent's email and a
/// student's name) must not reach the other server, and the error names where it
/// pointed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_errors_and_never_followed() {
    let data = demo_platform().await;
    let server = FakeApi::start(&data, TOKEN, 500).await;
    let elsewhere = FakeApi::start(&data, TOKEN, 500).await;
    let api = client(&server, options(&server));
    for status in [301, 302, 303, 307, 308] {
        let target = format!("{}/v1/districts/bm-org-0001/students/search", elsewhere.base_url);
        server.push_faults([Fault::Redirect(status, target.clone())]);
        let err = api
            .fetch(&Lookup::default().email("ximena.huaman@andes-mail.example"))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&target) && err.contains("redirect"), "{status}: {err}");
        assert!(!err.contains(TOKEN), "{err}");
    }
    assert_eq!(elsewhere.requests(), 0, "no request reached the redirect's target");
}

/// Plain http to another machine is refused before any request.
#[test]
fn plain_http_to_another_host_is_refused() {
    let err = PlatformApi::new(
        ApiOptions::new("http://api.bookmarked.example"),
        Secret::new(TOKEN),
        "bm-org-0001",
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("https"), "{err}");
}
