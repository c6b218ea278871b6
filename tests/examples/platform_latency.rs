//! Latency of one diagnostic against each platform source, with query and request
//! counts, on a generated district.
//!
//! ```text
//! cargo run --release -p cdt-cli -- demo generate --students 100000 --no-cases --out target/big100k
//! scripts/setup.d/10-postgres
//! cargo run --release -p cdt-tests --example platform_latency -- target/big100k [runs]
//! ```
//!
//! It loads the district's platform tables into PostgreSQL twice (schema
//! `bench_indexed` with the search functions and trigram indexes of
//! `migrations/postgres/0002_cdt_search.sql`, schema `bench_plain` without them; each
//! once, reused by later runs), starts the fake Bookmarked API on loopback in this
//! process, then runs `student-mismatch` for a real parent and child of the district:
//! the platform fetch alone (the lookup the engine builds), and the whole diagnostic
//! (source bundle included), for the embedded store, both schemas and the API.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cdt_connectors::platform_api::{ApiOptions, PlatformApi};
use cdt_connectors::postgres::PostgresPlatform;
use cdt_connectors::{EmbeddedStore, OneRosterCsv};
use cdt_core::{Inputs, PlatformConnector, Registry, RunContext, Secret, SourceConnector, diagnose};
use cdt_tests::fake_api::FakeApi;
use cdt_tests::pg::{PgTest, readonly_password};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[allow(clippy::print_stdout)]
fn say(line: &str) {
    println!("{line}");
}

async fn schema_loaded(schema: &str) -> bool {
    let Ok(mut admin) = PgTest::admin().await else {
        return false;
    };
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'enrollments'",
    )
    .bind(schema)
    .fetch_one(&mut admin)
    .await
    .ok();
    n == Some(1)
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
    let dir = std::path::PathBuf::from(args.next().expect("usage: platform_latency <district folder> [runs]"));
    let runs: usize = args.next().map_or(3, |r| r.parse().expect("runs is a number"));
    let store_path = dir.join("platform.sqlite");
    let district = cdt_connectors::factory::districts_in(&store_path).await.unwrap()[0].clone();
    let embedded = EmbeddedStore::open(&store_path, &district).await.unwrap();
    let data = embedded.load().await.unwrap();
    say(&format!(
        "district {district}: {} students, {} parents, {} enrollments",
        data.students.len(),
        data.parents.len(),
        data.enrollments.len()
    ));

    for (schema, search) in [("bench_indexed", true), ("bench_plain", false)] {
        if !schema_loaded(schema).await {
            let started = Instant::now();
            let db = PgTest::new("platform_latency", schema)
                .await
                .expect("PostgreSQL is needed");
            db.load(&data, search).await;
            say(&format!("loaded {schema} in {:.1} s", started.elapsed().as_secs_f64()));
        }
    }
    let server = FakeApi::start(&data, "bench-token", 500).await;

    // A real parent and one of her children.
    let link = &data.parent_students[data.parent_students.len() / 2];
    let parent = data.parent(&link.parent_id).unwrap();
    let child = data.student(&link.student_id).unwrap();
    let inputs = Inputs::from_pairs([
        ("parent_email", parent.email.clone().unwrap_or_default()),
        ("student_name", child.full_name()),
    ]);
    say(&format!(
        "case: student-mismatch parent_email={} student_name={}",
        inputs.get("parent_email").unwrap_or(""),
        child.full_name()
    ));
    let registry = Registry::builtin().unwrap();
    let tool = registry.get("student-mismatch").unwrap();
    let source = OneRosterCsv::new(dir.join("oneroster"));
    let started = Instant::now();
    let spec_inputs = tool.spec().validate(&inputs).unwrap();
    let lookup = tool.lookup(&spec_inputs).unwrap();
    let roster = source.fetch(&lookup).await.unwrap();
    say(&format!(
        "source slice (OneRoster bundle): {:.2} s",
        started.elapsed().as_secs_f64()
    ));
    let lookup = cdt_core::engine::platform_lookup(&lookup, &roster);

    let pg = |schema: &str| {
        let mut opts = PgTest {
            schema: schema.to_owned(),
        }
        .options();
        opts.application_name = "cdt-bench".into();
        opts
    };
    let indexed = PostgresPlatform::connect(&pg("bench_indexed"), &readonly_password(), &district)
        .await
        .unwrap();
    let plain = PostgresPlatform::connect(&pg("bench_plain"), &readonly_password(), &district)
        .await
        .unwrap();
    let api = PlatformApi::new(ApiOptions::new(&server.base_url), Secret::new("bench-token"), &district).unwrap();
    let want = data.slice(&lookup);
    let platforms: Vec<(&str, Arc<dyn PlatformConnector>)> = vec![
        ("embedded SQLite store", Arc::new(embedded.clone())),
        ("PostgreSQL, search index", Arc::new(indexed.clone())),
        ("PostgreSQL, no search index", Arc::new(plain.clone())),
        ("REST API (fake server in-process)", Arc::new(api.clone())),
    ];
    let counted = |name: &str| -> u64 {
        match name {
            n if n.contains("search index") && !n.contains("no ") => indexed.query_count(),
            n if n.contains("no search") => plain.query_count(),
            n if n.contains("REST") => api.request_count(),
            _ => 0,
        }
    };
    let ctx = RunContext::new(district.clone(), chrono::Utc::now());
    for (name, platform) in &platforms {
        let mut fetches = Vec::new();
        let before = counted(name);
        for _ in 0..runs {
            let t = Instant::now();
            let got = platform.fetch(&lookup).await.unwrap();
            fetches.push(t.elapsed());
            assert_eq!(cdt_tests::by_key(got), cdt_tests::by_key(want.clone()), "{name}");
        }
        let per_fetch = (counted(name) - before) / u64::try_from(runs).unwrap_or(1);
        let mut whole = Vec::new();
        for _ in 0..runs.min(2) {
            let t = Instant::now();
            let result = diagnose(tool.as_ref(), &inputs, &source, platform.as_ref(), &ctx)
                .await
                .unwrap();
            whole.push(t.elapsed());
            assert!(!result.summary.is_empty());
        }
        say(&format!(
            "{name}: platform fetch median {:.1} ms (min {:.1} ms, {runs} runs), {} a fetch; whole diagnostic median {:.2} s",
            median(fetches.clone()).as_secs_f64() * 1e3,
            fetches.iter().min().unwrap().as_secs_f64() * 1e3,
            match *name {
                n if n.contains("REST") => format!("{per_fetch} requests"),
                n if n.contains("PostgreSQL") => format!("{per_fetch} queries"),
                _ => "indexed SQLite queries".to_owned(),
            },
            median(whole).as_secs_f64()
        ));
    }
}
