//! The service over a loopback socket on the demo district: every endpoint, every
//! role and permission, the problem+json errors, the `Host` check and the limits on
//! bodies and inputs.

mod common;

use cdt_store::{Permission, Role};
use common::{MISMATCH_INPUTS, Service, call, root, settings, sqlite_store};

async fn service(data_dir: bool) -> (Service, tempfile::TempDir, tempfile::TempDir) {
    let settings = settings();
    let db = tempfile::tempdir().unwrap();
    let mut state = cdt_http::AppState::new(settings.path(), sqlite_store(db.path()).await).unwrap();
    if data_dir {
        state = state.with_data_dir(root().join("demo"));
    }
    (Service::start(state).await, settings, db)
}

fn run_path(customer: &str, tool: &str) -> String {
    format!("/customers/{customer}/tools/{tool}/run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_without_credentials_and_everything_else_needs_them() {
    let (s, _settings, _db) = service(false).await;
    let health = call("GET", &format!("{}/health", s.base), None, &[], None).await;
    assert_eq!((health.status, health.text.as_str()), (200, "ok"));
    assert!(!health.header("x-request-id").is_empty());
    let ready = call("GET", &format!("{}/ready", s.base), None, &[], None).await;
    assert_eq!(ready.status, 200);
    for path in ["/tools", "/customers", "/runs", "/me", "/security-events"] {
        let a = call("GET", &format!("{}{path}", s.base), None, &[], None).await;
        assert_eq!(a.status, 401, "{path}: {}", a.text);
        assert_eq!(a.header("content-type"), "application/problem+json");
        assert_eq!(a.json["type"], "urn:cdt:problem:unauthenticated");
        assert!(a.header("www-authenticate").starts_with("Bearer"));
        assert!(a.json["error_id"].as_str().is_some_and(|id| !id.is_empty()));
    }
    let forged = call(
        "GET",
        &format!("{}/tools", s.base),
        Some("cdt_0123456789abcdef_nope"),
        &[],
        None,
    )
    .await;
    assert_eq!(forged.status, 401);
    let events = s.store.events(10).await.unwrap();
    assert!(events.iter().any(|e| e.event.kind == "auth-failed"), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_and_permission_is_enforced() {
    let (s, _settings, _db) = service(false).await;
    let viewer = s
        .user("vera", Role::Viewer, &[Permission::Staging, Permission::Production])
        .await;
    let support = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let prod = s
        .user("pat", Role::Support, &[Permission::Staging, Permission::Production])
        .await;
    let admin = s.user("ada", Role::Admin, &Permission::ALL).await;
    let url = |p: &str| format!("{}{p}", s.base);

    // Everyone reads.
    for t in [&viewer, &support, &prod, &admin] {
        let tools = call("GET", &url("/tools"), Some(t), &[], None).await;
        assert_eq!(tools.status, 200);
        let ids: Vec<&str> = tools
            .json
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["id"].as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "campus-transfer",
                "missing-data",
                "parent-conflicts",
                "student-mismatch"
            ]
        );
        let customers = call("GET", &url("/customers"), Some(t), &[], None).await;
        assert_eq!(customers.status, 200);
        assert_eq!(customers.json[1]["customer_id"], "demo-prod");
        assert_eq!(customers.json[1]["environment"], "production");
    }
    let me = call("GET", &url("/me"), Some(&support), &[], None).await;
    assert_eq!(me.json["username"], "sam");
    assert!(me.json.get("password_hash").is_none());

    // A viewer runs nothing, even with the environment's permission.
    let a = call(
        "POST",
        &url(&run_path("demo-district", "student-mismatch")),
        Some(&viewer),
        &[],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert_eq!(a.json["type"], "urn:cdt:problem:forbidden");

    // Support on staging runs staging, not production.
    let a = call(
        "POST",
        &url(&run_path("demo-district", "student-mismatch")),
        Some(&support),
        &[],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["status"], "ISSUE_IN_SOURCE");
    assert_eq!(a.json["remediation"][0]["system"], "sis");
    let location = a.header("location").to_owned();
    assert!(location.starts_with("/runs/"), "{location}");
    let a = call(
        "POST",
        &url(&run_path("demo-prod", "student-mismatch")),
        Some(&support),
        &[],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert!(a.json["detail"].as_str().unwrap().contains("production"));

    // With the production permission, production runs.
    let a = call(
        "POST",
        &url(&run_path("demo-prod", "student-mismatch")),
        Some(&prod),
        &[],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);

    // The history: the run by id, with its result, readable by a viewer; filters.
    let run = call("GET", &url(&location), Some(&viewer), &[], None).await;
    assert_eq!(run.status, 200, "{}", run.text);
    assert_eq!(run.json["username"], "sam");
    assert_eq!(run.json["customer_id"], "demo-district");
    assert_eq!(run.json["environment"], "staging");
    assert_eq!(run.json["status"], "ISSUE_IN_SOURCE");
    assert_eq!(run.json["result"]["status"], "ISSUE_IN_SOURCE");
    assert_eq!(run.json["inputs"]["student_name"], "mateo quispe huaman");
    let list = call("GET", &url("/runs?user=pat"), Some(&viewer), &[], None).await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    assert_eq!(list.json[0]["customer_id"], "demo-prod");
    assert!(list.json[0].get("result").is_none(), "lists carry no results");
    let list = call(
        "GET",
        &url("/runs?customer=demo-district&tool=student-mismatch&status=ISSUE_IN_SOURCE"),
        Some(&viewer),
        &[],
        None,
    )
    .await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    let bad = call("GET", &url("/runs?limit=many"), Some(&viewer), &[], None).await;
    assert_eq!(bad.status, 400);
    let missing = call("GET", &url("/runs/nope"), Some(&viewer), &[], None).await;
    assert_eq!(missing.status, 404);

    // Security events: admins only; the denials are there.
    let a = call("GET", &url("/security-events"), Some(&support), &[], None).await;
    assert_eq!(a.status, 403);
    let events = call("GET", &url("/security-events"), Some(&admin), &[], None).await;
    assert_eq!(events.status, 200);
    let denied: Vec<&str> = events
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "denied")
        .filter_map(|e| e["username"].as_str())
        .collect();
    for who in ["vera", "sam"] {
        assert!(denied.contains(&who), "{denied:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_may_ask_for_fresh_data() {
    let (s, _settings, _db) = service(false).await;
    let t = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let url = format!("{}{}", s.base, run_path("demo-district", "student-mismatch"));
    let body = r#"{"inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}, "fresh": true}"#;
    let a = call("POST", &url, Some(&t), &[], Some(body)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["status"], "ISSUE_IN_SOURCE");
    let a = call("POST", &url, Some(&t), &[], Some(r#"{"fresh": "yes"}"#)).await;
    assert_eq!(a.status, 400, "{}", a.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_problem_json_without_internals() {
    let (s, settings, _db) = service(false).await;
    let t = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let url = |p: &str| format!("{}{p}", s.base);
    let long = "x".repeat(300);
    let long_input = format!(r#"{{"inputs": {{"parent_email": "a@b.example", "student_name": "{long}"}}}}"#);
    let huge = format!(r#"{{"inputs": {{"student_name": "{}"}}}}"#, "y".repeat(100_000));
    let cases: Vec<(String, String, u16, &str, &str)> = vec![
        (
            run_path("demo-district", "no-such-tool"),
            "{}".into(),
            404,
            "not-found",
            "unknown tool",
        ),
        (
            run_path("nobody", "parent-conflicts"),
            "{}".into(),
            404,
            "not-found",
            "customer `nobody` not found",
        ),
        (
            run_path("demo-district", "parent-conflicts"),
            "{}".into(),
            422,
            "invalid-input",
            "parent_email",
        ),
        (
            run_path("demo-district", "parent-conflicts"),
            "not json".into(),
            400,
            "bad-request",
            "",
        ),
        (
            run_path("demo-district", "parent-conflicts"),
            r#"{"inputz": {}}"#.into(),
            400,
            "bad-request",
            "inputz",
        ),
        (
            run_path("demo-district", "student-mismatch"),
            long_input,
            422,
            "invalid-input",
            "at most 256 characters",
        ),
        (
            run_path("demo-district", "student-mismatch"),
            huge,
            413,
            "too-large",
            "",
        ),
        (
            "/tools/student-mismatch/run".into(),
            r#"{"source": "oneroster", "platform": "platform.sqlite"}"#.into(),
            404,
            "not-configured",
            "runs on customers only",
        ),
        ("/nowhere".into(), "{}".into(), 404, "not-found", "no such route"),
    ];
    for (path, body, status, slug, detail) in cases {
        let a = call("POST", &url(&path), Some(&t), &[], Some(&body)).await;
        assert_eq!(a.status, status, "{path}: {}", a.text);
        assert_eq!(a.header("content-type"), "application/problem+json", "{path}");
        assert_eq!(a.json["type"], format!("urn:cdt:problem:{slug}"), "{path}");
        assert_eq!(a.json["status"], status);
        let d = a.json["detail"].as_str().unwrap();
        assert!(d.contains(detail), "{path}: {d}");
        assert!(!d.contains(&*settings.path().to_string_lossy()), "{path}: {d}");
        assert!(!d.contains("/demo/"), "{path}: {d}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_configured_hosts_are_answered() {
    let (s, _settings, _db) = service(false).await;
    let t = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let evil = call(
        "GET",
        &format!("{}/tools", s.base),
        Some(&t),
        &[("host", "evil.example")],
        None,
    )
    .await;
    assert_eq!(evil.status, 400, "{}", evil.text);
    assert_eq!(evil.json["type"], "urn:cdt:problem:bad-host");
    let local = call(
        "GET",
        &format!("{}/tools", s.base),
        Some(&t),
        &[("host", "localhost:8080")],
        None,
    )
    .await;
    assert_eq!(local.status, 200);
    // Load balancers probe by address: the probes answer whatever the host.
    let probe = call(
        "GET",
        &format!("{}/health", s.base),
        None,
        &[("host", "10.0.3.7:8080")],
        None,
    )
    .await;
    assert_eq!(probe.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_run_on_files_only_inside_the_data_directory() {
    let (s, _settings, _db) = service(true).await;
    let t = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let url = |p: &str| format!("{}{p}", s.base);
    let inputs =
        r#""inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}"#;
    let good = format!(r#"{{"source": "oneroster", "platform": "platform-snapshot", {inputs}}}"#);
    let a = call("POST", &url("/tools/student-mismatch/run"), Some(&t), &[], Some(&good)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["status"], "ISSUE_IN_SOURCE");
    assert_eq!(a.json["customer_id"], serde_json::Value::Null);
    let by_customer = call(
        "POST",
        &url(&run_path("demo-district", "student-mismatch")),
        Some(&t),
        &[],
        Some(MISMATCH_INPUTS),
    )
    .await;
    assert_eq!(a.json["findings"], by_customer.json["findings"]);
    let root = root().canonicalize().unwrap();
    for (source, why) in [
        ("../customer-integration-settings", "without `..`"),
        ("/etc", "without `..`"),
        ("missing", "does not exist"),
    ] {
        let body = format!(r#"{{"source": "{source}", "platform": "platform-snapshot", {inputs}}}"#);
        let a = call("POST", &url("/tools/student-mismatch/run"), Some(&t), &[], Some(&body)).await;
        assert_eq!(a.status, 422, "{}", a.text);
        let detail = a.json["detail"].as_str().unwrap();
        assert!(
            detail.contains(why) && !detail.contains(&*root.to_string_lossy()),
            "{}",
            a.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundles_are_validated_by_upload_within_the_cap() {
    let (s, _settings, _db) = service(false).await;
    let admin = s.user("ada", Role::Admin, &Permission::ALL).await;
    let support = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let users_csv = std::fs::read(root().join("demo/oneroster/users.csv")).unwrap();
    let upload = |token: String, name: &str, body: Vec<u8>| {
        let url = format!("{}/validate?name={name}", s.base);
        async move {
            let res = common::client()
                .post(url)
                .header("authorization", format!("Bearer {token}"))
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            (
                status,
                serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default(),
                text,
            )
        }
    };
    let (status, _, text) = upload(support.clone(), "users.csv", users_csv.clone()).await;
    assert_eq!(status, 403, "configuration permission: {text}");
    let (status, report, text) = upload(admin.clone(), "users.csv", users_csv).await;
    assert_eq!(status, 200, "{text}");
    assert!(report.is_object(), "{text}");
    let (status, _, text) = upload(admin.clone(), "../../etc/passwd", b"x".to_vec()).await;
    assert_eq!(status, 400, "{text}");
    let (status, _, text) = upload(admin.clone(), "bundle.zip", b"PK\x03\x04 not a zip".to_vec()).await;
    assert_eq!(status, 422, "{text}");
    let (status, json, text) = upload(admin.clone(), "bundle.zip", vec![0u8; 65 * 1024 * 1024]).await;
    assert_eq!(status, 413, "{text}");
    assert_eq!(json["type"], "urn:cdt:problem:too-large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_queries_are_counted_per_user_by_the_library_and_limited_to_100_a_minute() {
    use cdt_core::QueryBudget as _;
    let (s, _settings, _db) = service(false).await;
    let t = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let other = s.user("ola", Role::Support, &[Permission::Staging]).await;
    let me = call("GET", &format!("{}/me", s.base), Some(&t), &[], None).await;
    let sam = me.json["id"].as_str().unwrap().to_owned();
    let url = format!("{}{}", s.base, run_path("demo-district", "student-mismatch"));
    // A run reads the platform: it takes from sam's budget, counted in the database.
    let a = call("POST", &url, Some(&t), &[], Some(MISMATCH_INPUTS)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let budget = cdt_store::budget::UserBudget::new(s.store.clone(), sam);
    // The same budget, spent elsewhere (the command line or Python on this database).
    let mut spent = 1;
    while budget.take().await.is_ok() {
        spent += 1;
        assert!(spent <= 100, "more than 100 queries allowed");
    }
    assert_eq!(spent, 100, "every run's platform read is one query");
    let a = call("POST", &url, Some(&t), &[], Some(MISMATCH_INPUTS)).await;
    assert_eq!(a.status, 429, "{}", a.text);
    assert_eq!(a.json["type"], "urn:cdt:problem:rate-limited");
    assert!(
        a.json["detail"]
            .as_str()
            .unwrap()
            .contains("100 platform queries a minute")
    );
    let wait: i64 = a.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait));
    // Another user's budget is untouched.
    let a = call("POST", &url, Some(&other), &[], Some(MISMATCH_INPUTS)).await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_sweep_runs_for_permitted_users_and_is_recorded() {
    let (s, settings, _db) = service(false).await;
    let t = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let viewer = s.user("val", Role::Viewer, &[Permission::Staging]).await;
    let url = |customer: &str, query: &str| format!("{}/customers/{customer}/sweep{query}", s.base);
    let a = call("POST", &url("demo-district", ""), Some(&t), &[], None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.json["cases"].as_u64().unwrap() > 100, "{}", a.json["cases"]);
    let findings = a.json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    // The same report as the library's sweep of the same district.
    let target = cdt_connectors::Target::Customer {
        settings_dir: settings.path().to_owned(),
        customer_id: "demo-district".into(),
    };
    let direct = cdt_connectors::sweep::sweep(
        &target,
        &cdt_connectors::RunOptions::now(None),
        &cdt_tools::sweep::Quiet,
    )
    .await
    .unwrap();
    assert_eq!(findings.len(), direct.findings.len());
    assert_eq!(a.json["by_code"], serde_json::to_value(&direct.by_code).unwrap());
    let run = call(
        "GET",
        &format!("{}{}", s.base, a.header("location")),
        Some(&t),
        &[],
        None,
    )
    .await;
    assert_eq!(run.json["tool_id"], "sweep");
    assert_eq!(run.json["status"], "ISSUES_FOUND");
    assert_eq!(run.json["environment"], "staging");

    let html = call("POST", &url("demo-district", "?format=html"), Some(&t), &[], None).await;
    assert_eq!(html.status, 200);
    assert!(html.header("content-type").starts_with("text/html"));
    assert!(
        html.text.contains("<svg") && !html.text.contains("<script"),
        "charts, no script"
    );
    let text = call("POST", &url("demo-district", "?format=text"), Some(&t), &[], None).await;
    assert!(text.text.contains("cases:"), "{}", text.text);
    let bad = call("POST", &url("demo-district", "?format=xml"), Some(&t), &[], None).await;
    assert_eq!(bad.status, 400);
    let fresh = call(
        "POST",
        &url("demo-district", ""),
        Some(&t),
        &[],
        Some(r#"{"fresh": true}"#),
    )
    .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    let bad = call(
        "POST",
        &url("demo-district", ""),
        Some(&t),
        &[],
        Some(r#"{"fresh": "yes"}"#),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    // A viewer may not; production needs its permission; an unknown customer is 404.
    assert_eq!(
        call("POST", &url("demo-district", ""), Some(&viewer), &[], None)
            .await
            .status,
        403
    );
    assert_eq!(
        call("POST", &url("demo-prod", ""), Some(&t), &[], None).await.status,
        403
    );
    assert_eq!(call("POST", &url("nobody", ""), Some(&t), &[], None).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route() {
    let (s, _settings, _db) = service(false).await;
    let doc = call("GET", &format!("{}/openapi.json", s.base), None, &[], None).await;
    assert_eq!(doc.status, 200, "{}", doc.text);
    assert!(doc.json["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths: Vec<&String> = doc.json["paths"].as_object().unwrap().keys().collect();
    for p in [
        "/health",
        "/ready",
        "/metrics",
        "/login",
        "/logout",
        "/me",
        "/tools",
        "/customers",
        "/customers/{customer_id}/tools/{tool_id}/run",
        "/tools/{tool_id}/run",
        "/customers/{customer_id}/sweep",
        "/triage/{ticket}",
        "/validate",
        "/runs",
        "/runs/{id}",
        "/security-events",
    ] {
        assert!(paths.iter().any(|x| *x == p), "{p} missing from {paths:?}");
    }
    let schemas = &doc.json["components"]["schemas"];
    for name in ["DiagnosticResult", "Problem", "RunRequest", "Run", "User", "ToolSpec"] {
        assert!(schemas.get(name).is_some(), "schema {name}");
    }
    assert_eq!(doc.json["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    // Every documented path answers something other than "no such route".
    for p in paths {
        let concrete = p
            .replace("{customer_id}", "demo-district")
            .replace("{tool_id}", "student-mismatch")
            .replace("{ticket}", "1")
            .replace("{id}", "x");
        let a = call("GET", &format!("{}{concrete}", s.base), None, &[], None).await;
        assert_ne!(a.json["detail"], "no such route", "{p}");
        assert!(
            a.status != 405 || a.json["type"] == "urn:cdt:problem:method-not-allowed",
            "{p}: {} {}",
            a.status,
            a.text
        );
    }
}
