//! The HTTP API over the demo district, through the router (no socket).

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn app() -> axum::Router {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../customer-integration-settings");
    cdt_http::app(cdt_http::AppState::new(dir).unwrap())
}

async fn call(req: Request<Body>) -> (StatusCode, String, serde_json::Value) {
    let res = app().oneshot(req).await.unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        ctype,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

fn run(customer: &str, tool: &str, body: &str) -> Request<Body> {
    Request::post(format!("/customers/{customer}/tools/{tool}/run"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn tools_are_listed() {
    let (status, _, json) = call(Request::get("/tools").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = json
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
}

#[tokio::test]
async fn a_diagnostic_runs_on_the_demo_district() {
    let body = r#"{"inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}, "hubspot_ticket_id": "T-1"}"#;
    let (status, _, json) = call(run("demo-district", "student-mismatch", body)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], "ISSUE_IN_SOURCE");
    assert_eq!(json["hubspot_ticket_id"], "T-1");
    assert_eq!(json["remediation"][0]["system"], "sis");
}

#[tokio::test]
async fn a_run_may_ask_for_fresh_data() {
    let body = r#"{"inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}, "fresh": true}"#;
    let (status, _, json) = call(run("demo-district", "student-mismatch", body)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], "ISSUE_IN_SOURCE");
    let (status, _, json) = call(run("demo-district", "student-mismatch", r#"{"fresh": "yes"}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
}

#[tokio::test]
async fn errors_are_problem_json_with_the_right_status() {
    let cases = [
        (
            run("demo-district", "no-such-tool", "{}"),
            StatusCode::NOT_FOUND,
            "unknown tool",
        ),
        (
            run("nobody", "parent-conflicts", "{}"),
            StatusCode::NOT_FOUND,
            "customer `nobody` not found",
        ),
        (
            run("demo-district", "parent-conflicts", "{}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent_email",
        ),
        (
            run("demo-district", "parent-conflicts", "not json"),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            run("demo-district", "parent-conflicts", r#"{"inputz": {}}"#),
            StatusCode::BAD_REQUEST,
            "inputz",
        ),
    ];
    for (req, want, detail) in cases {
        let (status, ctype, json) = call(req).await;
        assert_eq!(status, want, "{json}");
        assert_eq!(ctype, "application/problem+json");
        assert_eq!(json["status"], want.as_u16());
        assert!(json["detail"].as_str().unwrap().contains(detail), "{json}");
    }
}

fn run_on_files(body: &str) -> Request<Body> {
    Request::post("/tools/student-mismatch/run")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn call_with(app: axum::Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn diagnostics_run_on_files_only_inside_the_data_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let with_data = || {
        cdt_http::app(
            cdt_http::AppState::new(root.join("customer-integration-settings"))
                .unwrap()
                .with_data_dir(root.join("demo")),
        )
    };
    let inputs =
        r#""inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}"#;
    let good = format!(r#"{{"source": "oneroster", "platform": "platform-snapshot", {inputs}}}"#);
    let (status, json) = call_with(with_data(), run_on_files(&good)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], "ISSUE_IN_SOURCE");
    assert_eq!(json["customer_id"], serde_json::Value::Null);

    // The same run on the customer gives the same verdict.
    let body = format!("{{{inputs}}}");
    let (_, _, by_customer) = call(run("demo-district", "student-mismatch", &body)).await;
    assert_eq!(json["findings"], by_customer["findings"]);

    for (source, why) in [
        ("../customer-integration-settings", "without `..`"),
        ("/etc", "without `..`"),
        ("missing", "does not exist"),
    ] {
        let body = format!(r#"{{"source": "{source}", "platform": "platform-snapshot", {inputs}}}"#);
        let (status, json) = call_with(with_data(), run_on_files(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
        let detail = json["detail"].as_str().unwrap();
        assert!(
            detail.contains(why) && !detail.contains(&*root.to_string_lossy()),
            "{json}"
        );
    }

    // Without a data directory, no file is reachable at all.
    let (status, json) = call_with(app(), run_on_files(&good)).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{json}");
}
