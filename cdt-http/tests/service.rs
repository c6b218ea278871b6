//! The service's shared state: sessions with CSRF, login and run rate limits, tokens
//! revoked and users disabled, and two service instances on one PostgreSQL database
//! behaving as one (skipped on a laptop without PostgreSQL, failing under CI).

mod common;

use std::sync::Arc;

use cdt_store::{ManualClock, Permission, Role, Store};
use common::{MISMATCH_INPUTS, Service, call, settings, sqlite_store};

/// A minute-aligned time a second into a window, so a test's hits stay in one window.
fn window_start() -> i64 {
    let now = chrono::Utc::now().timestamp_millis();
    now - now.rem_euclid(60_000) + 1_000
}

/// An SQLite store whose clock stands still at [`window_start`].
async fn clocked_store(dir: &std::path::Path) -> Store {
    let url = format!("sqlite://{}", dir.join("service.sqlite").display());
    Store::open_with_clock(&url, Arc::new(ManualClock::new(window_start())))
        .await
        .unwrap()
}

fn run_url(s: &Service, customer: &str) -> String {
    format!("{}/customers/{customer}/tools/student-mismatch/run", s.base)
}

async fn login(s: &Service, user: &str, password: &str) -> common::Answer {
    let body = serde_json::json!({"username": user, "password": password}).to_string();
    call("POST", &format!("{}/login", s.base), None, &[], Some(&body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_needs_its_csrf_token_to_change_anything_and_ends_at_logout() {
    let settings = settings();
    let db = tempfile::tempdir().unwrap();
    let s = Service::start(cdt_http::AppState::new(settings.path(), sqlite_store(db.path()).await).unwrap()).await;
    s.user("sam", Role::Support, &[Permission::Staging]).await;

    let bad = login(&s, "sam", "not the password").await;
    assert_eq!(bad.status, 401, "{}", bad.text);
    assert!(bad.header("set-cookie").is_empty());
    let ok = login(&s, "sam", "sam password 123").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let set_cookie = ok.header("set-cookie").to_owned();
    for attr in [
        "cdt_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
        "Max-Age=3600",
    ] {
        assert!(set_cookie.contains(attr), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = ok.json["csrf_token"].as_str().unwrap().to_owned();

    let me = call("GET", &format!("{}/me", s.base), None, &[("cookie", &cookie)], None).await;
    assert_eq!(me.json["username"], "sam");
    let no_csrf = call(
        "POST",
        &run_url(&s, "demo-district"),
        None,
        &[("cookie", &cookie)],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.text);
    assert_eq!(no_csrf.json["type"], "urn:cdt:problem:csrf");
    let forged = call(
        "POST",
        &run_url(&s, "demo-district"),
        None,
        &[("cookie", &cookie), ("x-csrf-token", "forged")],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(forged.status, 403);
    let with_csrf = call(
        "POST",
        &run_url(&s, "demo-district"),
        None,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(with_csrf.status, 200, "{}", with_csrf.text);

    let out = call(
        "POST",
        &format!("{}/logout", s.base),
        None,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        None,
    )
    .await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    let after = call("GET", &format!("{}/me", s.base), None, &[("cookie", &cookie)], None).await;
    assert_eq!(after.status, 401);

    let kinds: Vec<String> = s
        .store
        .events(50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.kind)
        .collect();
    for k in ["login-failed", "csrf", "auth-failed"] {
        assert!(kinds.iter().any(|x| x == k), "{k}: {kinds:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_limited_even_for_the_right_password() {
    let settings = settings();
    let db = tempfile::tempdir().unwrap();
    let s = Service::start(cdt_http::AppState::new(settings.path(), clocked_store(db.path()).await).unwrap()).await;
    s.user("sam", Role::Support, &[Permission::Staging]).await;
    for _ in 0..5 {
        assert_eq!(login(&s, "sam", "guess guess guess").await.status, 401);
    }
    let limited = login(&s, "sam", "sam password 123").await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.header("retry-after"), "60");
    // Another user is not locked out by sam's attacker.
    s.user("ada", Role::Admin, &Permission::ALL).await;
    assert_eq!(login(&s, "ada", "ada password 123").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_limited_per_user_with_retry_after() {
    let settings = settings();
    let db = tempfile::tempdir().unwrap();
    let s = Service::start(cdt_http::AppState::new(settings.path(), clocked_store(db.path()).await).unwrap()).await;
    let sam = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let pat = s.user("pat", Role::Support, &[Permission::Staging]).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(
            call(
                "POST",
                &run_url(&s, "demo-district"),
                Some(&sam),
                &[],
                Some(MISMATCH_INPUTS),
            )
            .await,
        );
    }
    let codes: Vec<u16> = statuses.iter().map(|a| a.status).collect();
    assert_eq!(codes[..10], [200; 10], "{codes:?}");
    let limited = &statuses[10];
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.header("retry-after"), "59");
    assert_eq!(limited.json["type"], "urn:cdt:problem:rate-limited");
    let other = call(
        "POST",
        &run_url(&s, "demo-district"),
        Some(&pat),
        &[],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(other.status, 200, "another user's limit is their own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_tokens_expired_tokens_and_disabled_users_stop_at_once() {
    let settings = settings();
    let db = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(chrono::Utc::now().timestamp_millis()));
    let store = Store::open_with_clock(
        &format!("sqlite://{}", db.path().join("s.sqlite").display()),
        clock.clone(),
    )
    .await
    .unwrap();
    let s = Service::start(cdt_http::AppState::new(settings.path(), store).unwrap()).await;
    let sam = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let tools = format!("{}/tools", s.base);
    assert_eq!(call("GET", &tools, Some(&sam), &[], None).await.status, 200);
    let user = s.store.user_by_name("sam").await.unwrap().unwrap();
    let token_id = s.store.tokens_of(&user.id).await.unwrap()[0].id.clone();
    s.store.revoke_token(&token_id).await.unwrap();
    assert_eq!(call("GET", &tools, Some(&sam), &[], None).await.status, 401);

    let pat = s.user("pat", Role::Support, &[Permission::Staging]).await;
    assert_eq!(call("GET", &tools, Some(&pat), &[], None).await.status, 200);
    s.store.set_disabled("pat", true).await.unwrap();
    assert_eq!(call("GET", &tools, Some(&pat), &[], None).await.status, 401);

    let ida = s.user("ida", Role::Viewer, &[]).await;
    clock.advance(31 * 24 * 3600 * 1000);
    assert_eq!(
        call("GET", &tools, Some(&ida), &[], None).await.status,
        401,
        "idle for 31 days"
    );
}

/// A fresh database on the test PostgreSQL server, or `None` (skip, or fail under CI).
async fn fresh_pg_database(test: &str) -> Option<String> {
    use sqlx::Connection as _;
    let admin =
        std::env::var("CDT_TEST_PG_ADMIN_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/cdt_test".into());
    let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await else {
        cdt_tests::service::unavailable(
            test,
            "no PostgreSQL at CDT_TEST_PG_ADMIN_URL (scripts/setup.d/10-postgres starts one)",
        );
        return None;
    };
    let name = format!("cdt_service_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
    Some(format!("{base}/{name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_behave_as_one() {
    let Some(url) = fresh_pg_database("two_instances_on_one_postgres_behave_as_one").await else {
        return;
    };
    let settings = settings();
    // Both open (and migrate) the same database at once.
    // One clock for both, at the start of a rate-limit window: the count is exact.
    let clock = Arc::new(ManualClock::new(window_start()));
    let (a, b) = tokio::join!(
        Store::open_with_clock(&url, clock.clone()),
        Store::open_with_clock(&url, clock.clone())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.backend(), cdt_store::Backend::Postgres);
    let one = Service::start(cdt_http::AppState::new(settings.path(), a).unwrap()).await;
    let two = Service::start(cdt_http::AppState::new(settings.path(), b).unwrap()).await;
    let sam = one.user("sam", Role::Support, &[Permission::Staging]).await;

    // A token made through one works on the other; a run written by one is read
    // from the other.
    let first = call(
        "POST",
        &run_url(&one, "demo-district"),
        Some(&sam),
        &[],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let location = first.header("location").to_owned();
    let read = call("GET", &format!("{}{location}", two.base), Some(&sam), &[], None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["result"]["status"], "ISSUE_IN_SOURCE");

    // One rate limit across both: ten runs a minute in all, alternating instances.
    let mut codes = vec![first.status];
    for i in 0..11 {
        let s = if i % 2 == 0 { &two } else { &one };
        codes.push(
            call(
                "POST",
                &run_url(s, "demo-district"),
                Some(&sam),
                &[],
                Some(MISMATCH_INPUTS),
            )
            .await
            .status,
        );
    }
    assert_eq!(codes[..10], [200; 10], "{codes:?}");
    assert_eq!(codes[10..], [429, 429], "{codes:?}");

    // A session made on one is live on the other.
    let body = serde_json::json!({"username": "sam", "password": "sam password 123"}).to_string();
    let ok = call("POST", &format!("{}/login", one.base), None, &[], Some(&body)).await;
    let cookie = ok.header("set-cookie").split(';').next().unwrap().to_owned();
    let me = call("GET", &format!("{}/me", two.base), None, &[("cookie", &cookie)], None).await;
    assert_eq!(me.json["username"], "sam");
}
