//! One `student-mismatch` diagnostic over a OneRoster REST API against downloading
//! the whole district from it: requests and wall time, over 1.1 (OAuth 1.0a) and
//! 1.2 (OAuth 2), with a cold and a warm client, on a generated district served by
//! the fake OneRoster server (`cdt_tests::fake_oneroster`) in this process.
//!
//! ```text
//! bench/oneroster_api.sh                       # generates the district, builds, runs
//! cargo run --release -p cdt-tests --example oneroster_api_bench -- DISTRICT [runs]
//! ```
//!
//! `DISTRICT` is a folder written by `cdt demo generate` (with its `cases.json`):
//! the SIS side is its `oneroster/` bundle, served over REST; the platform side its
//! `platform.sqlite`. Two cases: the district's planted `student-mismatch` demo case
//! (a parent's email and her child's name) and a family drawn from the generated
//! data (the parent of the middle student), whose names are common ones.
//!
//! - **cold**: a new client: new connections and, over 1.2, a token request.
//! - **warm**: the same client's next diagnostic: connections and token reused. The
//!   client keeps no roster data between diagnostics, so a warm diagnostic asks the
//!   server for the same records again (it sees the SIS as it is now).
//! - **limits**: `default` is the client's defaults (4 requests at once, 20 a
//!   second), what a customer gets; `lifted` is 8 at once and no rate limit, to
//!   show the requests' own cost.
//! - **full download**: every collection read whole with limits lifted and pages of
//!   10,000 records (the client's largest), the fastest download the client can make.
//!
//! Every REST diagnostic's result is checked against the same diagnostic over the
//! bundle; a difference stops the benchmark.

use std::time::{Duration, Instant};

use cdt_connectors::oneroster_api::{AuthOptions, OneRosterApi, RestOptions, SignatureMethod, default_scope};
use cdt_connectors::{EmbeddedStore, OneRosterCsv};
use cdt_core::customer::OneRosterVersion;
use cdt_core::{DiagnosticResult, Inputs, Registry, RunContext, Secret, SourceConnector, diagnose};
use cdt_tests::DemoCase;
use cdt_tests::fake_oneroster::FakeOneRoster;

const KEY: &str = "bench-client";
const SECRET: &str = "bench-secret";

#[allow(clippy::print_stdout)]
fn say(line: &str) {
    println!("{line}");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A client of `server` for a version, with the client's default limits or lifted
/// ones, and this page size.
fn client(server: &FakeOneRoster, v1_2: bool, lifted: bool, page_size: u32) -> OneRosterApi {
    let (version, auth) = if v1_2 {
        (
            OneRosterVersion::V1_2,
            AuthOptions::OAuth2 {
                token_url: server.token_url.clone(),
                scopes: vec![default_scope(OneRosterVersion::V1_2).to_owned()],
            },
        )
    } else {
        (OneRosterVersion::V1_1, AuthOptions::OAuth1(SignatureMethod::HmacSha256))
    };
    let mut opts = RestOptions::new(&server.base_url, version, KEY, auth);
    opts.page_size = page_size;
    opts.max_pages = 100_000;
    if lifted {
        opts.max_concurrent_requests = 8;
        opts.max_requests_per_second = 1_000_000;
    }
    OneRosterApi::new(opts, Secret::new(SECRET)).expect("a client")
}

/// The result without what differs between sources by design (the time, the bundle's
/// own validation warnings).
fn comparable(mut r: DiagnosticResult) -> DiagnosticResult {
    r.timestamp = chrono::DateTime::UNIX_EPOCH;
    r.warnings.clear();
    r
}

/// One measured diagnostic: wall time, of which the SIS fetch's, API requests,
/// token requests.
struct Measure {
    wall: Duration,
    sis: Duration,
    requests: u64,
    tokens: u64,
}

/// A source that times its fetches (the SIS side of a diagnostic).
struct Timed<'a> {
    api: &'a OneRosterApi,
    spent: std::sync::Mutex<Duration>,
}

#[async_trait::async_trait]
impl SourceConnector for Timed<'_> {
    fn describe(&self) -> String {
        self.api.describe()
    }

    async fn load(&self) -> cdt_core::Result<cdt_core::Roster> {
        self.api.load().await
    }

    async fn fetch(&self, lookup: &cdt_core::Lookup) -> cdt_core::Result<cdt_core::Roster> {
        let t = Instant::now();
        let got = self.api.fetch(lookup).await;
        if let Ok(mut spent) = self.spent.lock() {
            *spent += t.elapsed();
        }
        got
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    cdt_tools::link();
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("CDT_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .expect("usage: oneroster_api_bench <district folder> [runs]"),
    );
    let runs: usize = args.next().map_or(3, |r| r.parse().expect("runs is a number")).max(1);

    let started = Instant::now();
    let bundle = OneRosterCsv::new(dir.join("oneroster"));
    let roster = bundle.read().expect("the district's bundle");
    say(&format!(
        "district: {} users ({} students), {} classes, {} enrollments; read in {:.1} s",
        roster.users.len(),
        roster.students().count(),
        roster.classes.len(),
        roster.enrollments.len(),
        started.elapsed().as_secs_f64()
    ));
    let store = dir.join("platform.sqlite");
    let district = cdt_connectors::factory::districts_in(&store)
        .await
        .expect("the platform store")
        .into_iter()
        .next()
        .expect("a district in the platform store");
    let platform = EmbeddedStore::open(&store, &district)
        .await
        .expect("the platform store");

    // The cases: the planted demo case, and a generated family.
    let text = std::fs::read_to_string(dir.join("cases.json")).expect("cases.json (generate without --no-cases)");
    let planted: Vec<DemoCase> = serde_json::from_str(&text).expect("cases.json");
    let planted = planted
        .into_iter()
        .find(|c| {
            c.tool_id == "student-mismatch"
                && c.inputs.contains_key("parent_email")
                && c.inputs.contains_key("student_name")
        })
        .expect("a student-mismatch case with a parent's email and a student's name");
    let students: Vec<_> = roster
        .students()
        .filter(|s| !s.sourced_id.starts_with("demo-"))
        .collect();
    let (parent, child) = students[students.len() / 2..]
        .iter()
        .find_map(|s| {
            let p = s.agent_sourced_ids.iter().find_map(|a| roster.user(a))?;
            p.email.as_ref().map(|_| (p, *s))
        })
        .expect("a student with a parent who has an email");
    let generated = Inputs::from_pairs([
        ("parent_email", parent.email.clone().unwrap_or_default()),
        ("student_name", format!("{} {}", child.given_name, child.family_name)),
    ]);
    let cases = [
        ("planted demo case", Inputs(planted.inputs.clone())),
        ("generated family", generated),
    ];

    let started = Instant::now();
    let server = FakeOneRoster::start(&roster, KEY, SECRET, Duration::from_hours(1), 10_000).await;
    say(&format!(
        "fake server: both versions served and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let registry = Registry::builtin().expect("the built-in tools");
    let tool = registry.get("student-mismatch").expect("student-mismatch");
    let ctx = RunContext::new(district.clone(), chrono::Utc::now());

    // The full download, once a version: the reference time.
    let mut full = Vec::new();
    for v1_2 in [false, true] {
        let api = client(&server, v1_2, true, 10_000);
        let (before, tokens) = (server.requests(), server.token_requests());
        let t = Instant::now();
        let all = api.load_all().await.expect("the full download");
        let wall = t.elapsed();
        assert_eq!(all.users.len(), roster.users.len(), "every user downloaded");
        assert_eq!(
            all.enrollments.len(),
            roster.enrollments.len(),
            "every enrollment downloaded"
        );
        full.push(Measure {
            wall,
            sis: wall,
            requests: server.requests() - before,
            tokens: server.token_requests() - tokens,
        });
    }

    for (name, inputs) in &cases {
        say(&format!(
            "\ncase: {name}: student-mismatch parent_email={} student_name={}",
            inputs.get("parent_email").unwrap_or_default(),
            inputs.get("student_name").unwrap_or_default()
        ));
        let t = Instant::now();
        let want = comparable(
            diagnose(tool.as_ref(), inputs, &bundle, &platform, &ctx)
                .await
                .expect("the diagnostic over the bundle"),
        );
        say(&format!(
            "  over the bundle: {:?} in {:.0} ms (the reference result)",
            want.status,
            ms(t.elapsed())
        ));
        say(&format!(
            "  {:<8} {:<5} {:<8} {:>9} {:>7} {:>10} {:>8} {:>17}",
            "version", "cache", "limits", "requests", "tokens", "wall ms", "SIS ms", "vs full download"
        ));
        let mut logged = false;
        for (v, v1_2) in [("1.1", false), ("1.2", true)] {
            for lifted in [false, true] {
                let (mut cold, mut warm) = (Vec::new(), Vec::new());
                for _ in 0..runs {
                    let api = client(&server, v1_2, lifted, 100);
                    for measures in [&mut cold, &mut warm] {
                        let (before, tokens) = (server.requests(), server.token_requests());
                        let _ = server.take_log();
                        let timed = Timed {
                            api: &api,
                            spent: std::sync::Mutex::new(Duration::ZERO),
                        };
                        let t = Instant::now();
                        let got = diagnose(tool.as_ref(), inputs, &timed, &platform, &ctx)
                            .await
                            .unwrap_or_else(|e| panic!("{name} over {}: {e}", api.describe()));
                        let wall = t.elapsed();
                        assert_eq!(comparable(got), want, "{name} over {}", api.describe());
                        measures.push(Measure {
                            wall,
                            sis: timed.spent.lock().map(|d| *d).unwrap_or_default(),
                            requests: server.requests() - before,
                            tokens: server.token_requests() - tokens,
                        });
                        if !logged {
                            logged = true;
                            let log = server.take_log();
                            let mut per: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
                            for line in &log {
                                let path = line.split('?').next().unwrap_or_default();
                                // `…/users` or `…/users/{id}`.
                                let mut parts = path.rsplit('/');
                                let last = parts.next().unwrap_or_default();
                                let collections =
                                    ["orgs", "users", "classes", "courses", "academicSessions", "enrollments"];
                                let endpoint = if collections.contains(&last) {
                                    last.to_owned()
                                } else {
                                    format!("{}/{{id}}", parts.next().unwrap_or_default())
                                };
                                let filter = line
                                    .split(['?', '&'])
                                    .find_map(|p| p.strip_prefix("filter="))
                                    .map(|f| {
                                        let f = f.replace("%20", " ");
                                        f.split(['=', '~', '%']).next().unwrap_or_default().to_owned()
                                    })
                                    .unwrap_or_default();
                                *per.entry(format!("{endpoint}({filter})")).or_default() += 1;
                            }
                            say(&format!("  requests of one diagnostic (1.1): {per:?}"));
                        }
                    }
                }
                for (cache, m) in [("cold", cold), ("warm", warm)] {
                    let wall = median(m.iter().map(|m| m.wall).collect());
                    let sis = median(m.iter().map(|m| m.sis).collect());
                    let reference = &full[usize::from(v1_2)];
                    say(&format!(
                        "  {:<8} {:<5} {:<8} {:>9} {:>7} {:>10.1} {:>8.1} {:>16.2}%",
                        format!("REST {v}"),
                        cache,
                        if lifted { "lifted" } else { "default" },
                        m.iter().map(|m| m.requests).max().unwrap_or_default(),
                        m.iter().map(|m| m.tokens).max().unwrap_or_default(),
                        ms(wall),
                        ms(sis),
                        100.0 * wall.as_secs_f64() / reference.wall.as_secs_f64()
                    ));
                }
            }
        }
    }
    say("\nfull download (limits lifted, pages of 10,000):");
    for (v, m) in ["1.1", "1.2"].iter().zip(&full) {
        say(&format!(
            "  REST {v}: {} requests, {} tokens, {:.1} ms",
            m.requests,
            m.tokens,
            ms(m.wall)
        ));
    }
    say(&format!(
        "({runs} runs a row; wall is the median, requests the most of a run)"
    ));
}
