//! A fake OneRoster REST server: a real axum server on loopback that serves a roster
//! as OneRoster 1.1 (`/ims/oneroster/v1p1`, OAuth 1.0a signatures verified with its
//! own code) and 1.2 (`/ims/oneroster/rostering/v1p2`, OAuth 2 bearer tokens from
//! `POST /token`, with expiry), paged with `limit`/`offset`, `X-Total-Count` and
//! `Link`, filtered with the grammar subset clients may use (`field=value`,
//! `field~value`, two predicates joined by `AND`/`OR`, dotted fields such as
//! `agents.sourcedId`; anything else is a 422 with an `imsx` body), projected with
//! `fields=`, and with faults a test can queue. It can also play a server that
//! refuses or ignores filters ([`Filters`]).
//!
//! Comparisons ignore case, and `~` ignores accents too, as a database with a case-
//! and accent-insensitive collation compares. Like a database, it indexes the fields
//! clients filter on (`=` on ids and emails through hash indexes, `~` on names and
//! titles over values folded once), so a filtered request costs what it finds, not
//! the size of the district, and a benchmark measures the client, not the fake.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use cdt_core::roster::{Roster, User};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization;

/// A fault the next API request meets (token requests are not affected).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status and an `imsx` body with this code minor.
    Status(u16, &'static str),
    /// Answer 429 or 503 with this `Retry-After` value.
    RetryAfter(u16, String),
    /// Wait this long before answering.
    Delay(Duration),
    /// Answer 200 with a body that is not JSON.
    Malformed,
    /// Answer 200 with a complete body holding JSON cut short.
    CutJson,
    /// Send the start of a JSON body, then break the connection mid-body.
    Truncated,
}

/// How the server pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// `X-Total-Count` and `Link` (next, last).
    Headers,
    /// `X-Total-Count` only.
    TotalOnly,
    /// No headers at all.
    Bare,
    /// `X-Total-Count` lower than the truth by this much (and no `Link`).
    TotalTooLow(u64),
    /// `X-Total-Count` that grows by one every page (and no `Link`).
    TotalDrifts,
    /// `offset` ignored: every page is the first one.
    IgnoresOffset,
}

/// What the server does with `filter=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filters {
    /// Filters as the spec says (the default).
    Honours,
    /// Answers any filtered listing with this status (400 or 422) and an `imsx` body.
    Rejects(u16),
    /// Ignores `filter=`: every listing is the whole collection.
    Ignores,
}

struct Shared {
    v11: Served,
    v12: Served,
    consumer_key: String,
    secret: String,
    token_life: Duration,
    tokens: Mutex<Vec<(String, Instant)>>,
    faults: Mutex<VecDeque<Fault>>,
    paging: Mutex<Paging>,
    filters: Mutex<Filters>,
    max_limit: usize,
    requests: AtomicU64,
    token_requests: AtomicU64,
    log: Mutex<Vec<String>>,
    /// ClassLink's OneRoster proxy: the application id and its access token.
    proxy: Mutex<Option<(String, String)>>,
}

struct Collections {
    orgs: Vec<Value>,
    users: Vec<Value>,
    classes: Vec<Value>,
    courses: Vec<Value>,
    academic_sessions: Vec<Value>,
    enrollments: Vec<Value>,
}

/// Fields a filter's `=` finds through an index, as a SIS database would.
const EQ_INDEXED: [&str; 6] = [
    "sourcedId",
    "email",
    "classCode",
    "agents.sourcedId",
    "user.sourcedId",
    "class.sourcedId",
];

/// Fields a filter's `~` compares with values folded once, when served.
const TEXT_INDEXED: [&str; 4] = ["familyName", "givenName", "preferredFirstName", "title"];

/// One field of a collection, read once: which rows hold each value (lower case), and
/// each row's values folded (lower case, no accents).
#[derive(Default)]
struct FieldIndex {
    /// Some row has the field.
    known: bool,
    eq: HashMap<String, Vec<usize>>,
    folded: Vec<(usize, String)>,
}

/// A collection as served: its records in the server's order, and its indexes.
struct Table {
    rows: Vec<Value>,
    singular: &'static str,
    eq: HashMap<&'static str, FieldIndex>,
    text: HashMap<&'static str, FieldIndex>,
}

/// The text of a scalar JSON value, as a filter compares it.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Table {
    fn new(rows: Vec<Value>, singular: &'static str) -> Self {
        let build = |field: &str, text: bool| {
            let path: Vec<String> = field.split('.').map(str::to_owned).collect();
            let mut ix = FieldIndex::default();
            for (i, row) in rows.iter().enumerate() {
                let Some(vals) = values_at(row, &path) else {
                    continue;
                };
                ix.known = true;
                for t in vals.into_iter().filter_map(scalar_text) {
                    if text {
                        ix.folded.push((i, fold(&t)));
                    } else {
                        let at = ix.eq.entry(t.to_lowercase()).or_default();
                        if at.last() != Some(&i) {
                            at.push(i);
                        }
                    }
                }
            }
            ix
        };
        let eq = EQ_INDEXED.iter().map(|f| (*f, build(f, false))).collect();
        let text = TEXT_INDEXED.iter().map(|f| (*f, build(f, true))).collect();
        Self {
            rows,
            singular,
            eq,
            text,
        }
    }

    /// The rows `p` matches, in order, and whether its field is known (a field no
    /// record has is unknown, unless it is optional or there are no records).
    fn matching(&self, p: &Predicate) -> (Vec<usize>, bool) {
        let field = p.path.join(".");
        let optional = self.rows.is_empty() || (p.path.len() == 1 && OPTIONAL.contains(&field.as_str()));
        let indexed = if p.contains {
            self.text.get(field.as_str())
        } else {
            self.eq.get(field.as_str())
        };
        if let Some(ix) = indexed {
            let mut rows: Vec<usize> = if p.contains {
                let want = fold(&p.value);
                ix.folded
                    .iter()
                    .filter(|(_, t)| t.contains(&want))
                    .map(|(i, _)| *i)
                    .collect()
            } else {
                ix.eq.get(&p.value.to_lowercase()).cloned().unwrap_or_default()
            };
            rows.dedup();
            return (rows, ix.known || optional);
        }
        let mut known = optional;
        let mut rows = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            let m = pred_matches(p, r);
            known |= m.is_some();
            if m == Some(true) {
                rows.push(i);
            }
        }
        (rows, known)
    }

    /// The rows matching a filter, in order; `Err` names an unknown field.
    fn filtered(&self, preds: &[Predicate], any: bool) -> Result<Vec<usize>, String> {
        let mut out: Option<Vec<usize>> = None;
        for p in preds {
            let (rows, known) = self.matching(p);
            if !known {
                return Err(format!("unknown field {}", p.path.join(".")));
            }
            out = Some(match out {
                None => rows,
                Some(before) if any => {
                    let mut all: Vec<usize> = before.into_iter().chain(rows).collect();
                    all.sort_unstable();
                    all.dedup();
                    all
                }
                Some(before) => before.into_iter().filter(|i| rows.binary_search(i).is_ok()).collect(),
            });
        }
        Ok(out.unwrap_or_else(|| (0..self.rows.len()).collect()))
    }
}

/// One version's collections as served.
struct Served(HashMap<&'static str, Table>);

impl Served {
    fn new(c: Collections) -> Self {
        Self(HashMap::from([
            ("orgs", Table::new(c.orgs, "org")),
            ("users", Table::new(c.users, "user")),
            ("classes", Table::new(c.classes, "class")),
            ("courses", Table::new(c.courses, "course")),
            ("academicSessions", Table::new(c.academic_sessions, "academicSession")),
            ("enrollments", Table::new(c.enrollments, "enrollment")),
        ]))
    }

    fn get(&self, name: &str) -> Option<&Table> {
        self.0.get(name)
    }
}

fn guid(id: &str, kind: &str) -> Value {
    json!({"sourcedId": id, "type": kind, "href": format!("/{kind}s/{id}")})
}

/// 1.1 writes absent values as "" (as ClassLink does); 1.2 leaves them out.
fn put(m: &mut Map<String, Value>, k: &str, v: Option<&str>, v12: bool) {
    match v {
        Some(v) => {
            m.insert(k.into(), json!(v));
        }
        None if !v12 => {
            m.insert(k.into(), json!(""));
        }
        None => {}
    }
}

fn status(active: bool) -> &'static str {
    if active { "active" } else { "tobedeleted" }
}

fn user_json(u: &User, v12: bool) -> Value {
    let mut m = Map::new();
    m.insert("sourcedId".into(), json!(u.sourced_id));
    m.insert("status".into(), json!(status(u.status.is_active())));
    m.insert("dateLastModified".into(), json!("2026-11-01T12:00:00.000Z"));
    if v12 {
        m.insert("enabledUser".into(), json!(u.enabled));
        let roles: Vec<Value> = u
            .roles
            .iter()
            .map(|r| {
                json!({"roleType": if r.primary {"primary"} else {"secondary"}, "role": r.role.as_str(),
                       "org": guid(&r.org_sourced_id, "org")})
            })
            .collect();
        m.insert("roles".into(), json!(roles));
        put(&mut m, "preferredFirstName", u.preferred_given_name.as_deref(), true);
    } else {
        m.insert("enabledUser".into(), json!(u.enabled.to_string()));
        m.insert(
            "role".into(),
            json!(u.roles.first().map(|r| r.role.as_str()).unwrap_or_default()),
        );
        let orgs: Vec<Value> = u
            .roles
            .iter()
            .filter(|r| !r.org_sourced_id.is_empty())
            .map(|r| guid(&r.org_sourced_id, "org"))
            .collect();
        m.insert("orgs".into(), json!(orgs));
    }
    m.insert("username".into(), json!(u.username));
    m.insert("givenName".into(), json!(u.given_name));
    m.insert("familyName".into(), json!(u.family_name));
    put(&mut m, "middleName", u.middle_name.as_deref(), v12);
    put(&mut m, "identifier", u.identifier.as_deref(), v12);
    put(&mut m, "email", u.email.as_deref(), v12);
    put(&mut m, "phone", u.phone.as_deref(), v12);
    put(&mut m, "sms", None, v12);
    put(&mut m, "password", None, v12);
    let agents: Vec<Value> = u.agent_sourced_ids.iter().map(|a| guid(a, "user")).collect();
    m.insert("agents".into(), json!(agents));
    m.insert("grades".into(), json!(u.grades));
    m.insert("userIds".into(), json!([]));
    Value::Object(m)
}

fn collections(r: &Roster, v12: bool) -> Collections {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    Collections {
        orgs: r
            .orgs
            .iter()
            .map(|o| {
                let mut m = Map::new();
                m.insert("sourcedId".into(), json!(o.sourced_id));
                m.insert("status".into(), json!(status(o.status.is_active())));
                m.insert("name".into(), json!(o.name));
                m.insert("type".into(), json!(o.org_type));
                put(&mut m, "identifier", o.identifier.as_deref(), v12);
                if let Some(p) = &o.parent_sourced_id {
                    m.insert("parent".into(), guid(p, "org"));
                }
                Value::Object(m)
            })
            .collect(),
        users: r.users.iter().map(|u| user_json(u, v12)).collect(),
        classes: r
            .classes
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("sourcedId".into(), json!(c.sourced_id));
                m.insert("status".into(), json!(status(c.status.is_active())));
                m.insert("title".into(), json!(c.title));
                put(&mut m, "classCode", c.class_code.as_deref(), v12);
                put(&mut m, "classType", c.class_type.as_deref(), v12);
                put(&mut m, "location", None, v12);
                m.insert("course".into(), guid(&c.course_sourced_id, "course"));
                m.insert("school".into(), guid(&c.school_sourced_id, "org"));
                let terms: Vec<Value> = c.term_sourced_ids.iter().map(|t| guid(t, "academicSession")).collect();
                m.insert("terms".into(), json!(terms));
                Value::Object(m)
            })
            .collect(),
        courses: r
            .courses
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("sourcedId".into(), json!(c.sourced_id));
                m.insert("status".into(), json!(status(c.status.is_active())));
                m.insert("title".into(), json!(c.title));
                put(&mut m, "courseCode", c.course_code.as_deref(), v12);
                m.insert("org".into(), guid(&c.org_sourced_id, "org"));
                Value::Object(m)
            })
            .collect(),
        academic_sessions: r
            .academic_sessions
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("sourcedId".into(), json!(s.sourced_id));
                m.insert("status".into(), json!(status(s.status.is_active())));
                m.insert("title".into(), json!(s.title));
                m.insert("type".into(), json!(s.session_type));
                put(&mut m, "startDate", date(s.start_date).as_deref(), v12);
                put(&mut m, "endDate", date(s.end_date).as_deref(), v12);
                put(&mut m, "schoolYear", s.school_year.as_deref(), v12);
                if let Some(p) = &s.parent_sourced_id {
                    m.insert("parent".into(), guid(p, "academicSession"));
                }
                Value::Object(m)
            })
            .collect(),
        enrollments: r
            .enrollments
            .iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("sourcedId".into(), json!(e.sourced_id));
                m.insert("status".into(), json!(status(e.status.is_active())));
                m.insert("class".into(), guid(&e.class_sourced_id, "class"));
                m.insert("school".into(), guid(&e.school_sourced_id, "org"));
                m.insert("user".into(), guid(&e.user_sourced_id, "user"));
                m.insert("role".into(), json!(e.role.as_str()));
                match (e.primary, v12) {
                    (Some(p), true) => {
                        m.insert("primary".into(), json!(p));
                    }
                    (Some(p), false) => {
                        m.insert("primary".into(), json!(p.to_string()));
                    }
                    (None, _) => put(&mut m, "primary", None, v12),
                }
                put(&mut m, "beginDate", date(e.begin_date).as_deref(), v12);
                put(&mut m, "endDate", date(e.end_date).as_deref(), v12);
                Value::Object(m)
            })
            .collect(),
    }
}

fn imsx(status: u16, minor: &str, description: &str, v12: bool) -> Response {
    let info = json!({"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
        "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
        "imsx_codeMinorFieldValue": minor}]}});
    let body = if v12 { info } else { json!({"statusInfoSet": [info]}) };
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, axum::Json(body)).into_response()
}

// ---- OAuth 1.0a verification, written apart from the client's signer. ----

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn unpct(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len() + 1
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

fn oauth1_ok(shared: &Shared, host: &str, uri: &axum::http::Uri, auth: &str) -> bool {
    let Some(rest) = auth.strip_prefix("OAuth ") else {
        return false;
    };
    let mut oauth: Vec<(String, String)> = Vec::new();
    for part in rest.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            return false;
        };
        oauth.push((unpct(k), unpct(v.trim_matches('"'))));
    }
    let get = |k: &str| oauth.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (Some(sig), Some(key), Some(method), Some(ts)) = (
        get("oauth_signature"),
        get("oauth_consumer_key"),
        get("oauth_signature_method"),
        get("oauth_timestamp"),
    ) else {
        return false;
    };
    let now = chrono::Utc::now().timestamp();
    if key != shared.consumer_key || ts.parse::<i64>().map_or(true, |t| (now - t).abs() > 300) {
        return false;
    }
    let mut params: Vec<(String, String)> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (pct(&unpct(k)), pct(&unpct(v)))
        })
        .collect();
    params.extend(
        oauth
            .iter()
            .filter(|(k, _)| k != "oauth_signature" && k != "realm")
            .map(|(k, v)| (pct(k), pct(v))),
    );
    params.sort();
    let norm: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let base = format!(
        "GET&{}&{}",
        pct(&format!("http://{host}{}", uri.path())),
        pct(&norm.join("&"))
    );
    let key = format!("{}&", pct(&shared.secret));
    let digest = match method.as_str() {
        "HMAC-SHA256" => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("any key");
            m.update(base.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        "HMAC-SHA1" => {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("any key");
            m.update(base.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        _ => return false,
    };
    base64::engine::general_purpose::STANDARD.encode(digest) == sig
}

fn bearer_ok(shared: &Shared, auth: &str) -> bool {
    let Some(token) = auth.strip_prefix("Bearer ") else {
        return false;
    };
    let now = Instant::now();
    shared
        .tokens
        .lock()
        .is_ok_and(|t| t.iter().any(|(tok, until)| tok == token && *until > now))
}

// ---- The filter grammar subset. ----

/// Lower case without accents.
fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

struct Predicate {
    path: Vec<String>,
    contains: bool,
    value: String,
}

/// Parses `field op 'value' [(AND|OR) field op 'value']`; `Err` names what is wrong.
fn parse_filter(f: &str) -> Result<(Vec<Predicate>, bool), String> {
    let mut preds = Vec::new();
    let mut rest = f.trim();
    let mut any = false;
    loop {
        let op_at = rest.find(['=', '~', '<', '>', '!']).ok_or("no operator")?;
        let field = rest[..op_at].trim();
        let op = &rest[op_at..=op_at];
        if !matches!(op, "=" | "~") || rest[op_at + 1..].starts_with('=') {
            return Err(format!("unsupported operator near `{field}`"));
        }
        if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(format!("bad field `{field}`"));
        }
        let after = rest[op_at + 1..].trim_start();
        let after = after.strip_prefix('\'').ok_or("value not quoted")?;
        let end = after.find('\'').ok_or("unterminated value")?;
        preds.push(Predicate {
            path: field.split('.').map(str::to_owned).collect(),
            contains: op == "~",
            value: after[..end].to_owned(),
        });
        rest = after[end + 1..].trim();
        if rest.is_empty() {
            break;
        }
        if preds.len() == 2 {
            return Err("more than two predicates".into());
        }
        if let Some(r) = rest.strip_prefix("OR ") {
            any = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("AND ") {
            rest = r;
        } else {
            return Err(format!(
                "expected AND or OR, found `{}`",
                rest.chars().take(20).collect::<String>()
            ));
        }
    }
    Ok((preds, any))
}

/// The values at a dotted path (arrays fan out); `None` when the field is unknown.
fn values_at<'a>(v: &'a Value, path: &[String]) -> Option<Vec<&'a Value>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(vec![v]);
    };
    match v {
        Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(values_at(i, path)?);
            }
            Some(out)
        }
        Value::Object(m) => match m.get(first) {
            Some(next) => match next {
                Value::Array(items) if !rest.is_empty() => {
                    let mut out = Vec::new();
                    for i in items {
                        out.extend(values_at(i, rest).unwrap_or_default());
                    }
                    Some(out)
                }
                _ => values_at(next, rest),
            },
            None => None,
        },
        _ => None,
    }
}

fn pred_matches(p: &Predicate, v: &Value) -> Option<bool> {
    let vals = values_at(v, &p.path)?;
    let want = fold(&p.value);
    Some(vals.iter().any(|x| {
        let text = match x {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return false,
        };
        if p.contains {
            fold(&text).contains(&want)
        } else {
            text.to_lowercase() == p.value.to_lowercase()
        }
    }))
}

fn project(v: &Value, fields: Option<&str>) -> Value {
    match (v, fields) {
        (Value::Object(m), Some(f)) => {
            let keep: Vec<&str> = f.split(',').map(str::trim).collect();
            Value::Object(
                m.iter()
                    .filter(|(k, _)| keep.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }
        _ => v.clone(),
    }
}

/// Optional fields a filter may name though no record has them.
const OPTIONAL: [&str; 10] = [
    "preferredFirstName",
    "preferredMiddleName",
    "preferredLastName",
    "middleName",
    "email",
    "phone",
    "identifier",
    "classCode",
    "courseCode",
    "pronouns",
];

type St = State<Arc<Shared>>;

async fn token(State(s): St, headers: HeaderMap, body: String) -> Response {
    s.token_requests.fetch_add(1, Ordering::Relaxed);
    let ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .is_some_and(|b| b == format!("{}:{}", s.consumer_key, s.secret).as_bytes());
    if !ok {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    if !body.contains("grant_type=client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    if body.contains("forbidden-scope") {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_scope"}))).into_response();
    }
    // A little work, so that concurrent callers overlap with a refresh.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let n = s.token_requests.load(Ordering::Relaxed);
    let tok = format!(
        "tok-{n}-{}",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    if let Ok(mut t) = s.tokens.lock() {
        t.push((tok.clone(), Instant::now() + s.token_life));
    }
    axum::Json(json!({"access_token": tok, "token_type": "bearer", "expires_in": s.token_life.as_secs()}))
        .into_response()
}

/// The proxy's application id and token, when it is served.
fn proxy_of(s: &Shared) -> Option<(String, String)> {
    s.proxy.lock().ok().and_then(|p| p.clone())
}

/// The bearer token of a request, `""` without one.
fn bearer_of(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
}

/// ClassLink's answer to a refused token.
fn classlink_unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"status": 0, "error": "Unauthorized", "message": "Invalid bearer token"})),
    )
        .into_response()
}

/// ClassLink's OneRoster proxy: `/{application id}/ims/oneroster/v1p1/…` with the
/// application's static bearer token.
async fn proxy_api(
    State(s): St,
    Path((app, rest)): Path<(String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    s.requests.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut l) = s.log.lock() {
        l.push(uri.to_string());
    }
    let Some((app_id, token)) = proxy_of(&s) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if app != app_id {
        return imsx(404, "unknownobject", "no such application", false);
    }
    if bearer_of(&headers) != token {
        return imsx(401, "unauthorisedrequest", "invalid bearer token", false);
    }
    let Some(rest) = rest.strip_prefix("v1p1/") else {
        return imsx(404, "unknownobject", "the proxy serves OneRoster 1.1 only", false);
    };
    answer(&s, false, rest, &uri).await
}

/// The proxy's discovery: `GET /applications`.
async fn applications(State(s): St, headers: HeaderMap) -> Response {
    let Some((app_id, token)) = proxy_of(&s) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if bearer_of(&headers) != token {
        return classlink_unauthorized();
    }
    axum::Json(json!({"status": 1, "applications": [
        {"id": 1176, "tenant_name": "Demo USD", "tenant_id": 2, "application_id": app_id.parse::<u64>().map_or(json!(app_id), |n| json!(n)),
         "bearer": token, "name": "Bookmarked", "oneroster_application_id": "MoYPlyQWmG0%3D"},
        {"id": "1177", "tenant_name": "Other \u{1b}[31mDistrict", "tenant_id": "3", "application_id": "58",
         "bearer": null, "name": "Bookmarked", "oneroster_application_id": "QkNE%2Bx%3D%3D"}
    ]}))
    .into_response()
}

/// The proxy's discovery: `GET /applications/{oneroster_application_id}/server`.
async fn application_server(State(s): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let Some((_, token)) = proxy_of(&s) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if bearer_of(&headers) != token {
        return classlink_unauthorized();
    }
    if id != "MoYPlyQWmG0=" {
        return axum::Json(json!({"status": 0, "server": null, "message": "Application not found"})).into_response();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    axum::Json(
        json!({"status": 1, "server": {"client_id": s.consumer_key, "client_secret": s.secret,
        "endpoint_url": format!("http://{host}")}, "message": ""}),
    )
    .into_response()
}

async fn api(State(s): St, Path(rest): Path<String>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    s.requests.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut l) = s.log.lock() {
        l.push(uri.to_string());
    }
    let (v12, rest) = if let Some(r) = rest.strip_prefix("rostering/v1p2/") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("v1p1/") {
        (false, r)
    } else {
        return imsx(404, "unknownobject", "no such service", true);
    };
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let authorised = if auth.starts_with("OAuth ") {
        !v12 && oauth1_ok(&s, host, &uri, auth)
    } else {
        bearer_ok(&s, auth)
    };
    if !authorised {
        return imsx(401, "unauthorisedrequest", "bad credentials", v12);
    }
    answer(&s, v12, rest, &uri).await
}

/// The answer to an authorised request for `rest` (below the version's root).
async fn answer(s: &Shared, v12: bool, rest: &str, uri: &axum::http::Uri) -> Response {
    let fault = s.faults.lock().ok().and_then(|mut f| f.pop_front());
    match fault {
        Some(Fault::Status(code, minor)) => return imsx(code, minor, "injected", v12),
        Some(Fault::RetryAfter(code, after)) => {
            let mut r = imsx(code, "server_busy", "busy", v12);
            if let Ok(v) = after.parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::Malformed) => return (StatusCode::OK, "<html>not json").into_response(),
        Some(Fault::CutJson) => return (StatusCode::OK, r#"{"orgs": [{"sourcedId": "#).into_response(),
        Some(Fault::Truncated) => {
            // The head and a first chunk go out; a moment later the body breaks.
            let stream = futures_util::stream::unfold(0u8, |step| async move {
                match step {
                    0 => Some((Ok::<_, std::io::Error>(r#"{"orgs": [{"sourcedId": "#), 1)),
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
            return (StatusCode::OK, axum::body::Body::from_stream(stream)).into_response();
        }
        None => {}
    }
    let data = if v12 { &s.v12 } else { &s.v11 };
    let mut parts = rest.split('/');
    let name = parts.next().unwrap_or_default();
    let Some(table) = data.get(name) else {
        return imsx(404, "unknownobject", "no such collection", v12);
    };
    let (rows, singular) = (&table.rows, table.singular);
    let q: Vec<(String, String)> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unpct(k), unpct(v))
        })
        .collect();
    let param = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let fields = param("fields");
    if let Some(id) = parts.next() {
        let id = unpct(id);
        let found = table.eq.get("sourcedId").and_then(|ix| {
            ix.eq
                .get(&id.to_lowercase())?
                .iter()
                .map(|i| &rows[*i])
                .find(|r| r["sourcedId"] == id.as_str())
        });
        return match found {
            Some(r) => axum::Json(json!({ singular: project(r, fields) })).into_response(),
            None => imsx(404, "unknownobject", "no such record", v12),
        };
    }
    // `None`: every record, unfiltered.
    let mut selected: Option<Vec<usize>> = None;
    let filters = s.filters.lock().map_or(Filters::Honours, |f| *f);
    if let Some(f) = param("filter").filter(|_| filters != Filters::Ignores) {
        if let Filters::Rejects(code) = filters {
            return imsx(code, "invalid_filter_field", "filtering is not supported", v12);
        }
        let (preds, any) = match parse_filter(f) {
            Ok(p) => p,
            Err(why) => return imsx(422, "invalid_filter_field", &why, v12),
        };
        match table.filtered(&preds, any) {
            Ok(kept) => selected = Some(kept),
            Err(why) => return imsx(422, "invalid_filter_field", &why, v12),
        }
    }
    let limit = param("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .min(s.max_limit)
        .max(1);
    let paging = s.paging.lock().map_or(Paging::Headers, |p| *p);
    let offset = if paging == Paging::IgnoresOffset {
        0
    } else {
        param("offset").and_then(|o| o.parse().ok()).unwrap_or(0usize)
    };
    let total = selected.as_ref().map_or(rows.len(), Vec::len);
    let page: Vec<Value> = match &selected {
        Some(kept) => kept
            .iter()
            .skip(offset)
            .take(limit)
            .map(|i| project(&rows[*i], fields))
            .collect(),
        None => rows
            .iter()
            .skip(offset)
            .take(limit)
            .map(|r| project(r, fields))
            .collect(),
    };
    let mut answer = axum::Json(json!({ name: page })).into_response();
    let h = answer.headers_mut();
    let reported = match paging {
        Paging::Headers | Paging::TotalOnly | Paging::IgnoresOffset => Some(total as u64),
        Paging::TotalTooLow(d) => Some((total as u64).saturating_sub(d)),
        Paging::TotalDrifts => Some(total as u64 + s.requests.load(Ordering::Relaxed)),
        Paging::Bare => None,
    };
    if let Some(t) = reported
        && let Ok(v) = t.to_string().parse()
    {
        h.insert("x-total-count", v);
    }
    if paging == Paging::Headers {
        let base = uri.path();
        let mut links = Vec::new();
        if offset + limit < total {
            links.push(format!(
                "<{base}?offset={}&limit={limit}>; rel=\"next\"",
                offset + limit
            ));
        }
        links.push(format!(
            "<{base}?offset={}&limit={limit}>; rel=\"last\"",
            total.saturating_sub(1) / limit * limit
        ));
        if let Ok(v) = links.join(", ").parse() {
            h.insert(header::LINK, v);
        }
    }
    answer
}

/// A running fake OneRoster server. It stops when this is dropped.
pub struct FakeOneRoster {
    /// `http://127.0.0.1:<port>`: the base URL of both versions.
    pub base_url: String,
    /// `http://127.0.0.1:<port>/token`.
    pub token_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOneRoster {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeOneRoster {
    /// Serves `roster` to the client `key` with `secret` (OAuth 1.0a consumer, or OAuth
    /// 2 client), tokens living `token_life`, pages of at most `max_limit` records.
    pub async fn start(roster: &Roster, key: &str, secret: &str, token_life: Duration, max_limit: usize) -> Self {
        let shared = Arc::new(Shared {
            v11: Served::new(collections(roster, false)),
            v12: Served::new(collections(roster, true)),
            consumer_key: key.to_owned(),
            secret: secret.to_owned(),
            token_life,
            tokens: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            paging: Mutex::new(Paging::Headers),
            filters: Mutex::new(Filters::Honours),
            max_limit,
            requests: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            proxy: Mutex::new(None),
        });
        let app = Router::new()
            .route("/token", post(token))
            .route("/ims/oneroster/{*rest}", get(api))
            .route("/applications", get(applications))
            .route("/applications/{id}/server", get(application_server))
            .route("/{app}/ims/oneroster/{*rest}", get(proxy_api))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}"),
            token_url: format!("http://{addr}/token"),
            shared,
            task,
        }
    }

    /// Serves ClassLink's OneRoster proxy too: the roster as OneRoster 1.1 at
    /// `{base_url}/{application_id}/ims/oneroster/v1p1` to the static bearer
    /// `token`, and the discovery answers (`/applications`, listing this application
    /// (with `token` as its `bearer`) and another, and
    /// `/applications/MoYPlyQWmG0%3D/server`, this server's direct route).
    pub fn serve_classlink_proxy(&self, application_id: &str, token: &str) {
        if let Ok(mut p) = self.shared.proxy.lock() {
            *p = Some((application_id.to_owned(), token.to_owned()));
        }
    }

    /// Queues faults for the next API requests.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.extend(faults);
        }
    }

    /// Sets how the server pages.
    pub fn set_paging(&self, paging: Paging) {
        if let Ok(mut p) = self.shared.paging.lock() {
            *p = paging;
        }
    }

    /// Sets what the server does with `filter=`.
    pub fn set_filters(&self, filters: Filters) {
        if let Ok(mut f) = self.shared.filters.lock() {
            *f = filters;
        }
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

    /// Every API request's path and query, as received, and clears the log.
    #[must_use]
    pub fn take_log(&self) -> Vec<String> {
        self.shared
            .log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}
