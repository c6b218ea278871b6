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
