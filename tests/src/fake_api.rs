//! A fake Bookmarked API: a real axum server on loopback that serves platform data
//! through the endpoints of `docs/platform-api.md`, with faults a test can inject.
//!
//! Faults are queued: each request takes the next one (if any) before being served.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cdt_core::PlatformData;
use cdt_core::matching::{normalize_email, person_search_key, search_key};
use serde_json::{Value, json};

/// A fault the next request meets.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status (and a JSON error body).
    Status(u16),
    /// Answer 429 or 503 with this `Retry-After` value.
    RetryAfter(u16, String),
    /// Wait this long before answering (for client timeouts).
    Delay(Duration),
    /// Answer 200 with a body that is not JSON.
    Malformed,
    /// Answer 200 with JSON of the wrong shape.
    WrongShape,
    /// Answer 200 with a complete HTTP body holding JSON cut short.
    CutJson,
    /// Send the start of a JSON body, then break the connection mid-body.
    Truncated,
    /// Answer with this redirect status and `Location`.
    Redirect(u16, String),
    /// Answer 200, then drip the body one byte per interval, never finishing (a
    /// server or proxy that keeps a connection alive without answering).
    Drip(Duration),
}

/// A table's rows as JSON, with the search key of each row (person key for people,
/// title key for classes, empty otherwise), computed once.
struct Table {
    rows: Vec<Value>,
    keys: Vec<String>,
}

fn table<T: serde::Serialize>(rows: &[T], key: impl Fn(&T) -> String) -> Table {
    Table {
        rows: rows
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect(),
        keys: rows.iter().map(key).collect(),
    }
}

fn none<T>(_: &T) -> String {
    String::new()
}

fn tables(d: &PlatformData) -> HashMap<&'static str, Table> {
    HashMap::from([
        ("organizations", table(&d.organizations, none)),
        (
            "students",
            table(&d.students, |s| person_search_key(&s.first_name, &s.last_name)),
        ),
        (
            "parents",
            table(&d.parents, |p| person_search_key(&p.first_name, &p.last_name)),
        ),
        ("parent_students", table(&d.parent_students, none)),
        ("classes", table(&d.classes, |c| search_key(&c.title))),
        ("enrollments", table(&d.enrollments, none)),
        ("import_runs", table(&d.import_runs, none)),
        ("import_errors", table(&d.import_errors, none)),
    ])
}

struct Shared {
    districts: HashMap<String, HashMap<&'static str, Table>>,
    token: String,
    forbidden: HashSet<String>,
    faults: Mutex<VecDeque<Fault>>,
    requests: AtomicU64,
    page_max: usize,
}

/// A running fake API. The server stops when this is dropped.
pub struct FakeApi {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeApi {
    /// Serves `data` (every district in it) to holders of `token`, at most `page_max`
    /// rows a page.
    pub async fn start(data: &PlatformData, token: &str, page_max: usize) -> Self {
        Self::start_forbidding(data, token, page_max, &[]).await
    }

    /// Like [`FakeApi::start`], but the token may not read the `forbidden` districts (403).
    pub async fn start_forbidding(data: &PlatformData, token: &str, page_max: usize, forbidden: &[&str]) -> Self {
        let districts = data
            .organizations
            .iter()
            .filter(|o| o.org_type == "district")
            .map(|o| (o.id.clone(), tables(&data.clone().scoped_to_district(&o.id))))
            .collect();
        let shared = Arc::new(Shared {
            districts,
            token: token.to_owned(),
            forbidden: forbidden.iter().map(|d| (*d).to_owned()).collect(),
            faults: Mutex::new(VecDeque::new()),
            requests: AtomicU64::new(0),
            page_max: page_max.max(1),
        });
        Self::serve(shared).await
    }

    async fn serve(shared: Arc<Shared>) -> Self {
        let app = Router::new()
            .route("/v1/districts/{district}/{table}", get(list))
            .route("/v1/districts/{district}/{table}/search", post(search))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}"),
            shared,
            task,
        }
    }

    /// Queues faults for the next requests, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        if let Ok(mut q) = self.shared.faults.lock() {
            q.extend(faults);
        }
    }

    /// Requests served so far.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }
}

#[derive(serde::Deserialize)]
struct ListQuery {
    page_size: Option<usize>,
    page_token: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchBody {
    filters: HashMap<String, Vec<String>>,
    page_size: Option<usize>,
    page_token: Option<String>,
}

fn problem(status: StatusCode, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json!({"title": status.canonical_reason(), "status": status.as_u16(), "detail": detail}).to_string(),
    )
        .into_response()
}

/// Auth, district and faults: `Err` is the answer to send instead.
async fn gate(shared: &Shared, headers: &HeaderMap, district: &str) -> Result<(), Response> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let fault = shared.faults.lock().ok().and_then(|mut q| q.pop_front());
    match fault {
        None => {}
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::Status(s)) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Err(problem(status, "injected fault"));
        }
        Some(Fault::RetryAfter(s, after)) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
            let mut r = problem(status, "slow down");
            if let Ok(v) = after.parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Err(r);
        }
        Some(Fault::Redirect(s, location)) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            let mut r = problem(status, "moved");
            if let Ok(v) = location.parse() {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return Err(r);
        }
        Some(Fault::Malformed) => {
            return Err((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "<html>oops</html>",
            )
                .into_response());
        }
        Some(Fault::CutJson) => {
            return Err((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"data": [{"id": "bm-"#,
            )
                .into_response());
        }
        Some(Fault::WrongShape) => {
            return Err((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"rows": 3}"#,
            )
                .into_response());
        }
        Some(Fault::Drip(every)) => {
            let stream = futures_util::stream::unfold(true, move |first| async move {
                if !first {
                    tokio::time::sleep(every).await;
                }
                let chunk = if first { r#"{"data": ["# } else { " " };
                Some((Ok::<_, std::io::Error>(chunk), false))
            });
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            return Err(r);
        }
        Some(Fault::Truncated) => {
            // The head and a first chunk go out; a moment later the body breaks.
            let stream = futures_util::stream::unfold(0u8, |step| async move {
                match step {
                    0 => Some((Ok::<_, std::io::Error>(r#"{"data": [{"id": "#), 1)),
                    1 => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Some((
                            Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected")),
                            2,
                        ))
                    }
                    _ => None,
                }
            });
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            return Err(r);
        }
    }
    let expected = format!("Bearer {}", shared.token);
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if given != Some(expected.as_str()) {
        return Err(problem(StatusCode::UNAUTHORIZED, "missing or unknown bearer token"));
    }
    if shared.forbidden.contains(district) {
        return Err(problem(StatusCode::FORBIDDEN, "this token may not read this district"));
    }
    if !shared.districts.contains_key(district) {
        return Err(problem(StatusCode::NOT_FOUND, "no such district"));
    }
    Ok(())
}

fn page(rows: Vec<&Value>, size: Option<usize>, token: Option<&str>, max: usize) -> Response {
    let size = size.unwrap_or(max).clamp(1, max);
    let offset = match token {
        None => 0,
        Some(t) => match t.strip_prefix('o').and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return problem(StatusCode::BAD_REQUEST, "bad page_token"),
        },
    };
    let end = (offset + size).min(rows.len());
    let next = (end < rows.len()).then(|| format!("o{end}"));
    let data: Vec<&Value> = rows.into_iter().skip(offset).take(size).collect();
    axum::Json(json!({"data": data, "next_page_token": next})).into_response()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path((district, table)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = gate(&shared, &headers, &district).await {
        return r;
    }
    match shared.districts[&district].get(table.as_str()) {
        Some(t) => page(
            t.rows.iter().collect(),
            q.page_size,
            q.page_token.as_deref(),
            shared.page_max,
        ),
        None => problem(StatusCode::NOT_FOUND, "no such table"),
    }
}

fn text<'a>(row: &'a Value, field: &str) -> &'a str {
    row.get(field).and_then(Value::as_str).unwrap_or("")
}

/// One filter, ready to test rows against.
enum Filter<'a> {
    /// A column equal to one of the values (emails compared normalized).
    Column(&'a str, HashSet<String>),
    /// The row's key contains every part of one of the values (`name_key`).
    KeyContains(Vec<Vec<&'a str>>),
    /// The row's key equals one of the values (`title_key`).
    KeyEquals(HashSet<&'a str>),
}

impl Filter<'_> {
    fn matches(&self, row: &Value, key: &str) -> bool {
        match self {
            Filter::Column("email", values) => {
                let e = normalize_email(text(row, "email"));
                !e.is_empty() && values.contains(&e)
            }
            Filter::Column(column, values) => values.contains(text(row, column)),
            Filter::KeyContains(values) => values.iter().any(|parts| parts.iter().all(|p| key.contains(p))),
            Filter::KeyEquals(values) => values.contains(key),
        }
    }
}

const FILTERS: &[(&str, &[&str])] = &[
    ("students", &["id", "sourced_id", "email", "name_key"]),
    ("parents", &["id", "sourced_id", "email", "name_key"]),
    ("parent_students", &["parent_id", "student_id"]),
    ("classes", &["id", "sourced_id", "title_key"]),
    ("enrollments", &["id", "user_id", "class_id"]),
    ("import_errors", &["sourced_id"]),
];

async fn search(
    State(shared): State<Arc<Shared>>,
    Path((district, table)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = gate(&shared, &headers, &district).await {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<SearchBody>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the body must be {\"filters\": {field: [values]}}",
        );
    };
    let Some((_, allowed)) = FILTERS.iter().find(|(t, _)| *t == table) else {
        return problem(StatusCode::NOT_FOUND, "no search on this table");
    };
    if let Some(bad) = body.filters.keys().find(|k| !allowed.contains(&k.as_str())) {
        return problem(StatusCode::BAD_REQUEST, &format!("unknown filter `{bad}`"));
    }
    let Some(t) = shared.districts[&district].get(table.as_str()) else {
        return problem(StatusCode::NOT_FOUND, "no such table");
    };
    let filters: Vec<Filter<'_>> = body
        .filters
        .iter()
        .map(|(f, values)| match f.as_str() {
            "name_key" => Filter::KeyContains(values.iter().map(|v| v.split_whitespace().collect()).collect()),
            "title_key" => Filter::KeyEquals(values.iter().map(String::as_str).collect()),
            "email" => Filter::Column("email", values.iter().map(|v| normalize_email(v)).collect()),
            column => Filter::Column(column, values.iter().cloned().collect()),
        })
        .collect();
    let hits: Vec<&Value> = t
        .rows
        .iter()
        .zip(&t.keys)
        .filter(|(row, key)| filters.iter().any(|f| f.matches(row, key)))
        .map(|(row, _)| row)
        .collect();
    page(hits, body.page_size, body.page_token.as_deref(), shared.page_max)
}
