//! Bookmarked's REST API (the endpoints are specified in `docs/platform-api.md`).
//!
//! - `GET  /v1/districts/{district}/{table}?page_size=&page_token=` lists a table, scoped
//!   to the district;
//! - `POST /v1/districts/{district}/{table}/search` with `{"filters": {field: [values]},
//!   "page_size", "page_token"}` returns the rows matching any filter;
//! - every answer is `{"data": [rows], "next_page_token": token or null}`;
//! - `Authorization: Bearer <token>`, one token an environment.
//!
//! The client keeps connections alive, gives each request 30 s, and retries timeouts,
//! broken or truncated answers, 5xx and 429 with exponential backoff and jitter,
//! honouring `Retry-After`, within a cap on the total time spent retrying. 401, 403, 404
//! and malformed bodies are clear errors, never retried.
//!
//! A fetch runs the core's slicing rule over searches, about a dozen (names
//! pre-filtered by [`cdt_core::matching::search_key`] on the server, matched exactly by
//! the core), returning exactly the rows of [`PlatformData::slice`].

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use cdt_core::platform::{
    Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformData, Student,
};
use cdt_core::slice::{ClassSeek, PersonSeek, PlatformQuery, slice_platform};
use cdt_core::{Environment, Lookup, PlatformConnector, Secret};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tracing::debug;

use crate::environments::ApiSettings;
use crate::error::{Error, Result};
use crate::http::{Attempt, RetryPolicy, enc, retry_after, transport_message, with_retries};

fn transport<T, E>(e: &reqwest::Error) -> Attempt<T, E> {
    Attempt::Retry {
        reason: transport_message(e),
        status: None,
        after: None,
    }
}

/// How to call the API, with every default resolved.
#[derive(Clone, Debug)]
pub struct ApiOptions {
    /// The base URL (paths start with `/v1/`).
    pub base_url: String,
    /// The timeout of one request.
    pub timeout: Duration,
    /// The cap on the total time spent retrying one request.
    pub max_retry_time: Duration,
    /// The first backoff; it doubles each retry, with jitter.
    pub base_backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// The most attempts of one request.
    pub max_attempts: u32,
    /// Rows a page asked for.
    pub page_size: u32,
    /// The environment, for messages.
    pub environment: Option<Environment>,
}

impl ApiOptions {
    /// Options for `base_url` with the defaults: 30 s a request, 60 s of retries at
    /// most, backoff from 250 ms to 10 s, 6 attempts, pages of 500.
    #[must_use]
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(30),
            max_retry_time: Duration::from_mins(1),
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_attempts: 6,
            page_size: 500,
            environment: None,
        }
    }

    /// The options of an environment's API.
    #[must_use]
    pub fn from_settings(s: &ApiSettings, env: Environment) -> Self {
        Self {
            timeout: s.timeout(),
            max_retry_time: s.max_retry_time(),
            page_size: s.page_size.unwrap_or(500).max(1),
            environment: Some(env),
            ..Self::new(&s.base_url)
        }
    }
}

/// The Bookmarked REST API, for one district.
#[derive(Clone, Debug)]
pub struct PlatformApi {
    http: reqwest::Client,
    opts: ApiOptions,
    token: Secret,
    district_id: String,
    requests: Arc<AtomicU64>,
}

/// A page of rows.
#[derive(serde::Deserialize)]
struct Page<T> {
    data: Vec<T>,
    #[serde(default)]
    next_page_token: Option<String>,
}

impl PlatformApi {
    /// A client of the API at `opts.base_url`, for one district.
    pub fn new(opts: ApiOptions, token: Secret, district_id: &str) -> Result<Self> {
        let fail = |message: String| Error::Api {
            request: opts.base_url.clone(),
            status: None,
            message,
        };
        let http = crate::http::client_for(&opts.base_url, opts.timeout)
            .map_err(fail)?
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_mins(1))
            .build()
            .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            opts,
            token,
            district_id: district_id.to_owned(),
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// How many HTTP requests this client has sent, retries included (all clones
    /// share the count).
    #[must_use]
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn label(&self, method: &str, path: &str) -> String {
        match self.opts.environment {
            Some(env) => format!("{env} {method} {path}"),
            None => format!("{method} {path}"),
        }
    }

    /// Sends one request (retrying what is worth retrying) and parses the JSON answer.
    async fn send<T: DeserializeOwned>(&self, method: &str, path: &str, body: Option<&Value>) -> Result<T> {
        let label = self.label(method, path);
        let fail = |status: Option<u16>, message: String| Error::Api {
            request: label.clone(),
            status,
            message,
        };
        let url = format!("{}{path}", self.opts.base_url);
        let policy = RetryPolicy {
            max_retry_time: self.opts.max_retry_time,
            base_backoff: self.opts.base_backoff,
            max_backoff: self.opts.max_backoff,
            max_attempts: self.opts.max_attempts,
        };
        with_retries(
            &policy,
            &label,
            |attempt| {
                let (url, label, fail) = (&url, &label, &fail);
                async move {
                    let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
                    debug!(request = %label, attempt, count = n, "API request");
                    let mut req = if body.is_some() {
                        self.http.post(url)
                    } else {
                        self.http.get(url)
                    };
                    req = req
                        .bearer_auth(self.token.expose())
                        .header("accept", "application/json");
                    if let Some(b) = body {
                        req = req
                            .header("content-type", "application/json")
                            .body(serde_json::to_vec(b).unwrap_or_default());
                    }
                    let resp = match req.send().await {
                        Err(e) => return transport(&e),
                        Ok(resp) => resp,
                    };
                    let status = resp.status().as_u16();
                    let after = retry_after(resp.headers());
                    let done = |r: Result<T>| Attempt::Done(r);
                    match status {
                        200..=299 => match resp.bytes().await {
                            Ok(bytes) => done(serde_json::from_slice(&bytes).map_err(|e| {
                                fail(
                                    Some(status),
                                    if e.is_eof() {
                                        format!("the answer is truncated JSON ({} bytes): {e}", bytes.len())
                                    } else {
                                        format!("malformed answer: {e}")
                                    },
                                )
                            })),
                            Err(e) => transport(&e),
                        },
                        429 | 500 | 502 | 503 | 504 => Attempt::Retry {
                            reason: format!("HTTP {status}"),
                            status: Some(status),
                            after,
                        },
                        300..=399 => done(Err(fail(
                            Some(status),
                            crate::http::redirect_message(status, resp.headers()),
                        ))),
                        401 => done(Err(fail(
                            Some(status),
                            "401 Unauthorized: the API refused the token; check the environment's API token".into(),
                        ))),
                        403 => done(Err(fail(
                            Some(status),
                            format!("403 Forbidden: the token may not read district `{}`", self.district_id),
                        ))),
                        404 => done(Err(fail(
                            Some(status),
                            format!(
                                "404 Not Found: no district `{}` in this environment, or no such endpoint",
                                self.district_id
                            ),
                        ))),
                        _ => {
                            let text = resp.text().await.unwrap_or_default();
                            let text: String = text.chars().take(200).collect();
                            done(Err(fail(Some(status), format!("HTTP {status}: {text}"))))
                        }
                    }
                }
            },
            fail,
        )
        .await
    }

    /// Every page of a listing (`filters` = `None`) or a search.
    async fn pages<T: DeserializeOwned>(&self, table: &str, filters: Option<Value>) -> Result<Vec<T>> {
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            let page: Page<T> = match &filters {
                None => {
                    let mut path = format!(
                        "/v1/districts/{}/{table}?page_size={}",
                        enc(&self.district_id),
                        self.opts.page_size
                    );
                    if let Some(t) = &token {
                        path.push_str("&page_token=");
                        path.push_str(&enc(t));
                    }
                    self.send("GET", &path, None).await?
                }
                Some(f) => {
                    let path = format!("/v1/districts/{}/{table}/search", enc(&self.district_id));
                    let body = json!({"filters": f, "page_size": self.opts.page_size, "page_token": token});
                    self.send("POST", &path, Some(&body)).await?
                }
            };
            rows.extend(page.data);
            match page.next_page_token {
                Some(t) if !t.is_empty() => {
                    if !seen.insert(t.clone()) {
                        return Err(Error::Api {
                            request: self.label("GET", &format!("/v1/districts/{}/{table}", self.district_id)),
                            status: None,
                            message: "the server repeated a page token (a paging loop)".into(),
                        });
                    }
                    token = Some(t);
                }
                _ => return Ok(rows),
            }
        }
    }

    /// A search, skipped (no request) when every filter is empty.
    async fn search<T: DeserializeOwned>(&self, table: &str, filters: &[(&str, Vec<String>)]) -> Result<Vec<T>> {
        if filters.iter().all(|(_, v)| v.is_empty()) {
            return Ok(Vec::new());
        }
        let map: serde_json::Map<String, Value> = filters
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        self.pages(table, Some(Value::Object(map))).await
    }
}

#[async_trait]
impl PlatformConnector for PlatformApi {
    fn describe(&self) -> String {
        match self.opts.environment {
            Some(env) => format!(
                "Bookmarked API {env} {} (district {})",
                self.opts.base_url, self.district_id
            ),
            None => format!("Bookmarked API {} (district {})", self.opts.base_url, self.district_id),
        }
    }

    async fn load(&self) -> cdt_core::Result<PlatformData> {
        Ok(PlatformData {
            organizations: self.pages("organizations", None).await?,
            students: self.pages("students", None).await?,
            parents: self.pages("parents", None).await?,
            parent_students: self.pages("parent_students", None).await?,
            classes: self.pages("classes", None).await?,
            enrollments: self.pages("enrollments", None).await?,
            import_runs: self.pages("import_runs", None).await?,
            import_errors: self.pages("import_errors", None).await?,
        })
    }

    async fn get_organizations(&self) -> cdt_core::Result<Vec<Organization>> {
        Ok(self.pages("organizations", None).await?)
    }

    async fn test_connection(&self) -> cdt_core::Result<String> {
        let orgs: Vec<Organization> = self.pages("organizations", None).await?;
        let schools = orgs.iter().filter(|o| o.org_type == "school").count();
        Ok(format!(
            "the API at {} answered with the token; district {} with {schools} schools",
            self.opts.base_url, self.district_id
        ))
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<PlatformData> {
        Ok(slice_platform(self, lookup).await?)
    }
}

/// The core's query contract as searches: each method one search (or listing), paged.
/// The server pre-filters names and titles by search key; the core keeps exact matches.
impl PlatformQuery for PlatformApi {
    type Error = Error;

    async fn seek_students(&self, seek: &PersonSeek) -> Result<Vec<Student>> {
        self.search("students", &people_filters(seek)).await
    }

    async fn seek_parents(&self, seek: &PersonSeek) -> Result<Vec<Parent>> {
        self.search("parents", &people_filters(seek)).await
    }

    async fn seek_classes(&self, seek: &ClassSeek) -> Result<Vec<Class>> {
        let sourced = seek.sourced_ids.iter().chain(&seek.titles).cloned().collect();
        self.search(
            "classes",
            &[
                ("sourced_id", sourced),
                ("id", seek.titles.clone()),
                ("title_key", seek.title_keys.clone()),
            ],
        )
        .await
    }

    async fn links(&self, student_ids: &[String], parent_ids: &[String]) -> Result<Vec<ParentStudent>> {
        self.search(
            "parent_students",
            &[("student_id", student_ids.to_vec()), ("parent_id", parent_ids.to_vec())],
        )
        .await
    }

    async fn enrollments(&self, student_ids: &[String], class_ids: &[String]) -> Result<Vec<Enrollment>> {
        self.search(
            "enrollments",
            &[("user_id", student_ids.to_vec()), ("class_id", class_ids.to_vec())],
        )
        .await
    }

    async fn students(&self, ids: &[String]) -> Result<Vec<Student>> {
        self.search("students", &[("id", ids.to_vec())]).await
    }

    async fn parents(&self, ids: &[String]) -> Result<Vec<Parent>> {
        self.search("parents", &[("id", ids.to_vec())]).await
    }

    async fn classes(&self, ids: &[String]) -> Result<Vec<Class>> {
        self.search("classes", &[("id", ids.to_vec())]).await
    }

    async fn organizations(&self) -> Result<Vec<Organization>> {
        self.pages("organizations", None).await
    }

    async fn import_runs(&self) -> Result<Vec<ImportRun>> {
        self.pages("import_runs", None).await
    }

    async fn import_errors(&self, sourced_ids: &[String]) -> Result<Vec<ImportError>> {
        self.search("import_errors", &[("sourced_id", sourced_ids.to_vec())])
            .await
    }
}

/// The search filters of a person seek: email, `sourcedId`, and each name's keys as
/// one `name_key` (the server keeps names whose key contains it).
fn people_filters(seek: &PersonSeek) -> [(&'static str, Vec<String>); 3] {
    let name_keys: BTreeSet<String> = seek.names.iter().map(|n| n.keys.join(" ")).collect();
    [
        ("email", seek.emails.clone()),
        ("sourced_id", seek.sourced_ids.clone()),
        ("name_key", name_keys.into_iter().collect()),
    ]
}
