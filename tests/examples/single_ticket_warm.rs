//! One ticket in a long-lived process (the service, a notebook): the time of each
//! `student-mismatch` diagnostic once the process is up, on a generated district, with
//! the bundle read through its index (`cdt_connectors::oneroster::index`) and the
//! embedded platform store opened once. The warm half of `bench/single_ticket.sh`.
//!
//! ```text
//! cargo run --release -p cdt-cli -- demo generate --students 100000 --out target/big100k
//! cargo run --release -p cdt-tests --example single_ticket_warm -- target/big100k [runs]
//! ```
//!
//! The first diagnostic builds the bundle's index (in a temporary folder) if needed and
//! is reported apart; then `runs` diagnostics (default 200) for the planted parent and
//! child, and as many for other parents and children of the district, each timed; it
//! prints the median, the 90th and 99th percentiles, and checks that every result is
//! the one a full read gives for the planted case.

use std::time::{Duration, Instant};

use cdt_connectors::oneroster::IndexPolicy;
use cdt_connectors::{EmbeddedStore, OneRosterCsv};
use cdt_core::{Inputs, Registry, RunContext, diagnose};

#[allow(clippy::print_stdout)]
fn say(line: &str) {
    println!("{line}");
}

fn quantiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i].as_secs_f64() * 1e3
    };
    format!(
        "median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms ({} runs)",
        at(0.5),
        at(0.9),
        at(0.99),
        v.len()
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    cdt_tools::link();
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: single_ticket_warm DISTRICT_DIR [runs]"));
    let runs: usize = args.next().map_or(200, |r| r.parse().expect("runs is a number"));
    let registry = Registry::builtin().unwrap();
    let tool = registry.get("student-mismatch").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let source = OneRosterCsv::new(dir.join("oneroster")).with_index(IndexPolicy::On, cache.path());
    let platform = EmbeddedStore::open(&dir.join("platform.sqlite"), "bm-org-0001")
        .await
        .unwrap();
    let ctx = RunContext::new("bm-org-0001", chrono::Utc::now());
    let planted = Inputs::from_pairs([
        ("parent_email".to_owned(), "ximena.huaman@andes-mail.example".to_owned()),
        ("student_name".to_owned(), "mateo quispe huaman".to_owned()),
    ]);

    let started = Instant::now();
    let mut want = diagnose(tool.as_ref(), &planted, &source, &platform, &ctx)
        .await
        .unwrap();
    say(&format!(
        "first diagnostic (writes the index): {:.2} s",
        started.elapsed().as_secs_f64()
    ));
    want.timestamp = chrono::DateTime::UNIX_EPOCH;

    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let mut got = diagnose(tool.as_ref(), &planted, &source, &platform, &ctx)
            .await
            .unwrap();
        times.push(t.elapsed());
        got.timestamp = chrono::DateTime::UNIX_EPOCH;
        assert_eq!(got, want, "the same result every time");
    }
    say(&format!("planted case, warm: {}", quantiles(times)));

    // Where the time goes: each side's fetch of the tool's lookup alone.
    let lookup = tool.lookup(&tool.spec().validate(&planted).unwrap()).unwrap();
    let (mut sis, mut bm) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        cdt_core::SourceConnector::fetch(&source, &lookup).await.unwrap();
        sis.push(t.elapsed());
        let t = Instant::now();
        cdt_core::PlatformConnector::fetch(&platform, &lookup).await.unwrap();
        bm.push(t.elapsed());
    }
    say(&format!("  of which the SIS fetch: {}", quantiles(sis)));
    say(&format!(
        "  and the platform fetch (the tool's lookup only): {}",
        quantiles(bm)
    ));

    // Other families: a parent with an email and one of their children, from the roster.
    let roster = OneRosterCsv::new(dir.join("oneroster"))
        .with_index(IndexPolicy::Off, cache.path())
        .read()
        .unwrap();
    let families: Vec<Inputs> = roster
        .users
        .iter()
        .filter(|u| u.is_student() && !u.agent_sourced_ids.is_empty())
        .step_by((roster.users.len() / runs.max(1)).max(1))
        .filter_map(|s| {
            let parent = roster.user(&s.agent_sourced_ids[0])?;
            Some(Inputs::from_pairs([
                ("parent_email".to_owned(), parent.email.clone()?),
                ("student_name".to_owned(), s.full_name()),
            ]))
        })
        .take(runs)
        .collect();
    drop(roster);
    let mut times = Vec::with_capacity(families.len());
    for inputs in &families {
        let t = Instant::now();
        diagnose(tool.as_ref(), inputs, &source, &platform, &ctx).await.unwrap();
        times.push(t.elapsed());
    }
    say(&format!("other families, warm: {}", quantiles(times)));
}
