//! A fake HubSpot: a real axum server on loopback speaking the endpoints and shapes
//! `cdt_connectors::hubspot` uses, in both path styles (date-versioned
//! `/crm/objects/2026-03/…` and `/crm/v3/…`, labels under `/crm/v4/…`):
//!
//! - OAuth: `POST /oauth/{2026-03|v1}/token`, form-encoded, authorization codes
//!   (single use) and refresh tokens (rotated when asked); access tokens expire after
//!   a set life and are then refused with a 401 `INVALID_AUTHENTICATION` body;
//!   private-app tokens that never expire;
//! - tickets (properties and associations), companies, contacts, ticket pipelines,
//!   note-to-ticket association labels (the type id is set by the test, to prove the
//!   client looks it up), note creation (checked and recorded) and ticket stage
//!   updates;
//! - faults a test queues: an error body of any category, 429 with `Retry-After` and
//!   `X-HubSpot-RateLimit-*` headers, a redirect, a body that is not JSON.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A company of a fake ticket.
#[derive(Clone, Debug)]
pub struct FakeCompany {
    /// Its id.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `domain`.
    pub domain: Option<String>,
}

/// A contact of a fake ticket.
#[derive(Clone, Debug)]
pub struct FakeContact {
    /// Its id.
    pub id: String,
    /// `email`.
    pub email: Option<String>,
    /// `firstname`.
    pub first_name: Option<String>,
    /// `lastname`.
    pub last_name: Option<String>,
}

/// A ticket the fake serves.
#[derive(Clone, Debug)]
pub struct FakeTicket {
    /// Its id.
    pub id: String,
    /// `subject` (`None` is sent as null).
    pub subject: Option<String>,
    /// `content`.
    pub content: Option<String>,
    /// `hs_pipeline`.
    pub pipeline: String,
    /// `hs_pipeline_stage`.
    pub stage: String,
    /// `hs_ticket_priority`.
    pub priority: Option<String>,
    /// Its company.
    pub company: Option<FakeCompany>,
    /// Its contacts.
    pub contacts: Vec<FakeContact>,
}

impl FakeTicket {
    /// A ticket in the support pipeline's first stage (`New`), with a company
    /// (`Springfield USD`, id 9) and one contact (id 51).
    #[must_use]
    pub fn sample(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            subject: Some(format!("Parent can't see her son ({id})")),
            content: Some("Marge Simpson sees no student in the app.".into()),
            pipeline: "0".into(),
            stage: "1".into(),
            priority: Some("HIGH".into()),
            company: Some(FakeCompany {
                id: "9".into(),
                name: "Springfield USD".into(),
                domain: Some("springfield.k12.example".into()),
            }),
            contacts: vec![FakeContact {
                id: "51".into(),
                email: Some("marge@example.org".into()),
                first_name: Some("Marge".into()),
                last_name: Some("Simpson".into()),
            }],
        }
    }
}

/// How the fake behaves.
#[derive(Clone, Debug)]
pub struct FakeOptions {
    /// The OAuth app's client id.
    pub client_id: String,
    /// The OAuth app's client secret.
    pub client_secret: String,
    /// How long an access token lives.
    pub token_life: Duration,
    /// Whether each refresh issues a new refresh token (and retires the old one).
    pub rotate_refresh_tokens: bool,
    /// The note-to-ticket association type id (HubSpot's is 228).
    pub note_type_id: u32,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            client_id: "cdt-app".into(),
            client_secret: "app-secret".into(),
            token_life: Duration::from_mins(30),
            rotate_refresh_tokens: false,
            note_type_id: 228,
        }
    }
}

/// A fault the next API request meets (token requests are not affected).
#[derive(Clone, Debug)]
pub enum Fault {
    /// An error body with this status and category.
    Error(u16, &'static str),
    /// 429 with `Retry-After` (seconds) and `X-HubSpot-RateLimit-*` headers.
    RateLimited(u64),
    /// A 302 to another address.
    Redirect,
    /// A 502 whose body is HTML.
    NotJson,
}

struct Shared {
    opts: FakeOptions,
    tickets: Mutex<HashMap<String, FakeTicket>>,
    codes: Mutex<HashSet<String>>,
    refresh_tokens: Mutex<HashSet<String>>,
    access_tokens: Mutex<HashMap<String, Instant>>,
    private_tokens: Mutex<HashSet<String>>,
    faults: Mutex<VecDeque<Fault>>,
    notes: Mutex<Vec<Value>>,
    requests: AtomicU64,
    token_requests: AtomicU64,
    serial: AtomicU64,
    log: Mutex<Vec<String>>,
}

fn pipelines() -> Value {
    json!({"results": [
        {"id": "0", "label": "Support Pipeline", "displayOrder": 0, "stages": [
            {"id": "1", "label": "New", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
            {"id": "2", "label": "Waiting on contact", "displayOrder": 1, "metadata": {"ticketState": "OPEN"}},
            {"id": "3", "label": "Waiting on us", "displayOrder": 2, "metadata": {"ticketState": "OPEN"}},
            {"id": "4", "label": "Closed", "displayOrder": 3, "metadata": {"ticketState": "CLOSED"}}]},
        {"id": "77", "label": "District onboarding", "displayOrder": 1, "stages": [
            {"id": "70", "label": "Kick-off", "displayOrder": 0},
            {"id": "71", "label": "Closed", "displayOrder": 1}]}
    ]})
}

/// An error body of HubSpot's shape.
fn error(status: u16, category: &str, message: &str) -> Response {
    let mut body = json!({"status": "error", "message": message, "category": category,
        "correlationId": "a43683b0-5717-4ceb-80b4-104d02915d8c"});
    if category == "MISSING_SCOPES" {
        body["errors"] = json!([{"message": "One or more of the following scopes are required.",
            "context": {"requiredGranularScopes": ["tickets"]}}]);
    }
    if category == "VALIDATION_ERROR" {
        body["errors"] = json!([{"message": message, "in": "properties", "code": "INVALID"}]);
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, axum::Json(body)).into_response()
}

fn oauth_error(status: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"status": status, "message": message, "correlationId": "0b1c-oauth"})),
    )
        .into_response()
}

fn unpct(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form(s: &str) -> HashMap<String, String> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unpct(k), unpct(v))
        })
        .collect()
}

fn is_dated(v: &str) -> bool {
    v.len() == 7 && v.as_bytes()[4] == b'-'
}

type St = State<Arc<Shared>>;

impl Shared {
    fn next(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.serial.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn issue(&self, refresh: &str) -> Response {
        let access = self.next("access");
        if let Ok(mut a) = self.access_tokens.lock() {
            a.insert(access.clone(), Instant::now() + self.opts.token_life);
        }
        axum::Json(json!({"access_token": access, "refresh_token": refresh,
            "expires_in": self.opts.token_life.as_secs(), "token_type": "bearer"}))
        .into_response()
    }

    async fn token(&self, body: &str) -> Response {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        // A little work, so that concurrent callers overlap with a refresh.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let f = form(body);
        let get = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
        if get("client_id") != self.opts.client_id {
            return oauth_error("BAD_CLIENT_ID", "missing or invalid client id");
        }
        if get("client_secret") != self.opts.client_secret {
            return oauth_error("BAD_CLIENT_SECRET", "missing or invalid client secret");
        }
        match get("grant_type") {
            "authorization_code" => {
                let used = self.codes.lock().is_ok_and(|mut c| c.remove(get("code")));
                if !used || get("redirect_uri").is_empty() {
                    return oauth_error("BAD_AUTH_CODE", "missing or unknown auth code");
                }
                let refresh = self.next("refresh");
                if let Ok(mut r) = self.refresh_tokens.lock() {
                    r.insert(refresh.clone());
                }
                self.issue(&refresh)
            }
            "refresh_token" => {
                let old = get("refresh_token").to_owned();
                let known = self.refresh_tokens.lock().is_ok_and(|r| r.contains(&old));
                if !known {
                    return oauth_error("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
                }
                let refresh = if self.opts.rotate_refresh_tokens {
                    let new = self.next("refresh");
                    if let Ok(mut r) = self.refresh_tokens.lock() {
                        r.remove(&old);
                        r.insert(new.clone());
                    }
                    new
                } else {
                    old
                };
                self.issue(&refresh)
            }
            _ => oauth_error("BAD_GRANT_TYPE", "unsupported grant type"),
        }
    }

    fn authorised(&self, headers: &HeaderMap) -> bool {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        if self.private_tokens.lock().is_ok_and(|p| p.contains(token)) {
            return true;
        }
        self.access_tokens
            .lock()
            .is_ok_and(|a| a.get(token).is_some_and(|until| *until > Instant::now()))
    }

    fn ticket_json(t: &FakeTicket, properties: Option<&str>, associations: Option<&str>) -> Value {
        let all = json!({"subject": t.subject, "content": t.content, "hs_pipeline": t.pipeline,
            "hs_pipeline_stage": t.stage, "hs_ticket_priority": t.priority, "hs_object_id": t.id});
        let props: serde_json::Map<String, Value> = match properties {
            Some(p) => p
                .split(',')
                .filter_map(|k| all.get(k).map(|v| (k.to_owned(), v.clone())))
                .collect(),
            None => all.as_object().cloned().unwrap_or_default(),
        };
        let mut v = json!({"id": t.id, "properties": props, "createdAt": "2026-12-01T10:00:00.000Z",
            "updatedAt": "2026-12-02T10:00:00.000Z", "archived": false});
        let wanted: Vec<&str> = associations.map(|a| a.split(',').collect()).unwrap_or_default();
        let mut assoc = serde_json::Map::new();
        if wanted.contains(&"companies")
            && let Some(c) = &t.company
        {
            assoc.insert(
                "companies".into(),
                json!({"results": [{"id": c.id, "type": "ticket_to_company"},
                    {"id": c.id, "type": "ticket_to_company_unlabeled"}]}),
            );
        }
        if wanted.contains(&"contacts") && !t.contacts.is_empty() {
            let r: Vec<Value> = t
                .contacts
                .iter()
                .map(|c| json!({"id": c.id, "type": "ticket_to_contact"}))
                .collect();
            assoc.insert("contacts".into(), json!({ "results": r }));
        }
        if !assoc.is_empty() {
            v["associations"] = Value::Object(assoc);
        }
        v
    }

    fn object(
        &self,
        method: &Method,
        kind: &str,
        id: Option<&str>,
        q: &HashMap<String, String>,
        body: &[u8],
    ) -> Response {
        let tickets = self.tickets.lock().map(|t| t.clone()).unwrap_or_default();
        let not_found = || {
            error(
                404,
                "OBJECT_NOT_FOUND",
                "Object not found. objectId are usually numeric.",
            )
        };
        match (method.as_str(), kind, id) {
            ("GET", "tickets", Some(id)) => match tickets.get(id) {
                Some(t) => axum::Json(Self::ticket_json(
                    t,
                    q.get("properties").map(String::as_str),
                    q.get("associations").map(String::as_str),
                ))
                .into_response(),
                None => not_found(),
            },
            ("GET", "companies", Some(id)) => {
                match tickets.values().find_map(|t| t.company.clone().filter(|c| c.id == id)) {
                    Some(c) => axum::Json(json!({"id": c.id, "properties": {"name": c.name, "domain": c.domain}}))
                        .into_response(),
                    None => not_found(),
                }
            }
            ("GET", "contacts", Some(id)) => {
                match tickets.values().flat_map(|t| t.contacts.iter()).find(|c| c.id == id) {
                    Some(c) => axum::Json(json!({"id": c.id, "properties": {"email": c.email,
                    "firstname": c.first_name, "lastname": c.last_name}}))
                    .into_response(),
                    None => not_found(),
                }
            }
            ("PATCH", "tickets", Some(id)) => {
                let Some(t) = tickets.get(id) else {
                    return not_found();
                };
                let v: Value = serde_json::from_slice(body).unwrap_or_default();
                let Some(stage) = v.pointer("/properties/hs_pipeline_stage").and_then(Value::as_str) else {
                    return error(400, "VALIDATION_ERROR", "no properties to update");
                };
                let valid = pipelines()["results"].as_array().is_some_and(|ps| {
                    ps.iter().any(|p| {
                        p["id"] == t.pipeline.as_str()
                            && p["stages"]
                                .as_array()
                                .is_some_and(|s| s.iter().any(|s| s["id"] == stage))
                    })
                });
                if !valid {
                    return error(
                        400,
                        "VALIDATION_ERROR",
                        "hs_pipeline_stage is not a stage of the ticket's pipeline",
                    );
                }
                if let Ok(mut all) = self.tickets.lock()
                    && let Some(t) = all.get_mut(id)
                {
                    stage.clone_into(&mut t.stage);
                }
                axum::Json(json!({"id": id, "properties": {"hs_pipeline_stage": stage}})).into_response()
            }
            ("POST", "notes", None) => {
                let Ok(v) = serde_json::from_slice::<Value>(body) else {
                    return error(400, "VALIDATION_ERROR", "Invalid input JSON");
                };
                if v.pointer("/properties/hs_timestamp").and_then(Value::as_str).is_none() {
                    return error(400, "VALIDATION_ERROR", "hs_timestamp is required");
                }
                let body_chars = v
                    .pointer("/properties/hs_note_body")
                    .and_then(Value::as_str)
                    .map_or(0, |b| b.chars().count());
                if body_chars > 65_536 {
                    return error(400, "VALIDATION_ERROR", "hs_note_body is longer than 65536 characters");
                }
                let to = v
                    .pointer("/associations/0/to/id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !tickets.contains_key(to) {
                    return error(
                        400,
                        "VALIDATION_ERROR",
                        "the note is associated with no existing ticket",
                    );
                }
                let ty = v.pointer("/associations/0/types/0");
                let type_ok = ty.is_some_and(|t| {
                    t["associationCategory"] == "HUBSPOT_DEFINED"
                        && t["associationTypeId"].as_u64() == Some(u64::from(self.opts.note_type_id))
                });
                if !type_ok {
                    return error(400, "VALIDATION_ERROR", "invalid association type for notes to tickets");
                }
                let id = self.serial.fetch_add(1, Ordering::Relaxed) + 9000;
                if let Ok(mut n) = self.notes.lock() {
                    n.push(v.clone());
                }
                (
                    StatusCode::CREATED,
                    axum::Json(json!({"id": id.to_string(), "properties": v["properties"], "archived": false})),
                )
                    .into_response()
            }
            _ => error(404, "OBJECT_NOT_FOUND", "no such endpoint"),
        }
    }
}

async fn handle(State(s): St, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Ok(mut l) = s.log.lock() {
        l.push(format!("{method} {uri}"));
    }
    let path = uri.path();
    let segs: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if let ["oauth", version, "token"] = segs.as_slice()
        && method == Method::POST
        && (*version == "v1" || is_dated(version))
    {
        return s.token(&String::from_utf8_lossy(&body)).await;
    }
    s.requests.fetch_add(1, Ordering::Relaxed);
    if !s.authorised(&headers) {
        return error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found or expired.",
        );
    }
    let fault = s.faults.lock().ok().and_then(|mut f| f.pop_front());
    match fault {
        Some(Fault::Error(status, category)) => return error(status, category, "injected"),
        Some(Fault::RateLimited(after)) => {
            let mut r = error(429, "RATE_LIMITS", "You have reached your secondly limit.");
            let h = r.headers_mut();
            h.insert(header::RETRY_AFTER, after.into());
            h.insert("x-hubspot-ratelimit-secondly-remaining", 0.into());
            h.insert("x-hubspot-ratelimit-remaining", 0.into());
            h.insert("x-hubspot-ratelimit-max", 100.into());
            return r;
        }
        Some(Fault::Redirect) => {
            return (
                StatusCode::FOUND,
                [(header::LOCATION, "http://127.0.0.1:9/elsewhere")],
                "moved",
            )
                .into_response();
        }
        Some(Fault::NotJson) => return (StatusCode::BAD_GATEWAY, "<html>502 Bad Gateway</html>").into_response(),
        None => {}
    }
    let q = form(uri.query().unwrap_or_default());
    let mut response = match segs.as_slice() {
        ["crm", "v3", "objects", kind, rest @ ..] => s.object(&method, kind, rest.first().copied(), &q, &body),
        ["crm", "objects", v, kind, rest @ ..] if is_dated(v) => {
            s.object(&method, kind, rest.first().copied(), &q, &body)
        }
        ["crm", "v3", "pipelines", "tickets"] => axum::Json(pipelines()).into_response(),
        ["crm", "pipelines", v, "tickets"] if is_dated(v) => axum::Json(pipelines()).into_response(),
        ["crm", "v4", "associations", "notes", "tickets", "labels"] => labels(&s),
        ["crm", "associations", v, "notes", "tickets", "labels"] if is_dated(v) => labels(&s),
        _ => error(404, "OBJECT_NOT_FOUND", "no such endpoint"),
    };
    let h = response.headers_mut();
    h.insert("x-hubspot-ratelimit-secondly-remaining", 9.into());
    h.insert("x-hubspot-ratelimit-remaining", 99.into());
    response
}

fn labels(s: &Shared) -> Response {
    axum::Json(json!({"results": [
        {"category": "USER_DEFINED", "typeId": 31, "label": "Follow-up"},
        {"category": "HUBSPOT_DEFINED", "typeId": s.opts.note_type_id, "label": null}
    ]}))
    .into_response()
}

/// A running fake HubSpot. It stops when this is dropped.
pub struct FakeHubSpot {
    /// `http://127.0.0.1:<port>`: the API base (token endpoint included).
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeHubSpot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeHubSpot {
    /// Serves `tickets` (with their companies and contacts).
    pub async fn start(opts: FakeOptions, tickets: Vec<FakeTicket>) -> Self {
        let shared = Arc::new(Shared {
            opts,
            tickets: Mutex::new(tickets.into_iter().map(|t| (t.id.clone(), t)).collect()),
            codes: Mutex::new(HashSet::new()),
            refresh_tokens: Mutex::new(HashSet::new()),
            access_tokens: Mutex::new(HashMap::new()),
            private_tokens: Mutex::new(HashSet::new()),
            faults: Mutex::new(VecDeque::new()),
            notes: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
            serial: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}"),
            shared,
            task,
        }
    }

    /// The refresh tokens it issued that are still valid.
    #[must_use]
    pub fn refresh_tokens(&self) -> Vec<String> {
        self.shared
            .refresh_tokens
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// A new authorization code (valid once), as HubSpot's redirect would carry.
    #[must_use]
    pub fn issue_code(&self) -> String {
        let code = self.shared.next("code");
        if let Ok(mut c) = self.shared.codes.lock() {
            c.insert(code.clone());
        }
        code
    }

    /// A new refresh token, as a completed login would leave.
    #[must_use]
    pub fn issue_refresh_token(&self) -> String {
        let token = self.shared.next("refresh");
        if let Ok(mut r) = self.shared.refresh_tokens.lock() {
            r.insert(token.clone());
        }
        token
    }

    /// Accepts `token` as a private app's access token (it never expires).
    pub fn add_private_token(&self, token: &str) {
        if let Ok(mut p) = self.shared.private_tokens.lock() {
            p.insert(token.to_owned());
        }
    }

    /// Whether `token` is a refresh token the fake still accepts.
    #[must_use]
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.shared.refresh_tokens.lock().is_ok_and(|r| r.contains(token))
    }

    /// Queues faults for the next API requests.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.extend(faults);
        }
    }

    /// Answers the next `n` API requests with 429, `Retry-After: {retry_after_secs}`
    /// and `X-HubSpot-RateLimit-*` headers.
    pub fn rate_limit_next(&self, n: usize, retry_after_secs: u64) {
        self.inject(std::iter::repeat_n(Fault::RateLimited(retry_after_secs), n));
    }

    /// The notes created so far (the request bodies as received).
    #[must_use]
    pub fn notes(&self) -> Vec<Value> {
        self.shared.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// A ticket's current stage id.
    #[must_use]
    pub fn ticket_stage(&self, id: &str) -> Option<String> {
        self.shared.tickets.lock().ok()?.get(id).map(|t| t.stage.clone())
    }

    /// API requests served (token requests apart).
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Token requests served.
    #[must_use]
    pub fn token_requests(&self) -> u64 {
        self.shared.token_requests.load(Ordering::Relaxed)
    }

    /// Every request (`METHOD /path?query`), as received, and clears the log.
    #[must_use]
    pub fn take_log(&self) -> Vec<String> {
        self.shared
            .log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}
