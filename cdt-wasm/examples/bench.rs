//! Benchmarks the plugin host on the demo district: cold load (compile, and load from
//! the compiled cache) and warm runs (p50/p99), in several host configurations.
//!
//! ```sh
//! scripts/setup.d/20-plugins            # build the example plugins
//! cargo run --release -p cdt-wasm --example bench            # 2000 runs per measure
//! cargo run --release -p cdt-wasm --example bench -- 5000 --dump /tmp/cases
//! ```
//!
//! `--dump DIR` writes each case document to `DIR/<plugin>.json` (and the grown one to
//! `DIR/concurrent-schools-12k.json`), for the native
//! comparison in the plugin workspace (`plugins/bench`).
//! Timings are wall-clock on whatever machine runs it: compare configurations within
//! one run, not across machines.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdt_core::{Case, Inputs, Tool};
use cdt_wasm::{Budget, Cache, Host, HostConfig, WasmTool};

type Error = Box<dyn std::error::Error>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The demo cases the bench runs, one per example plugin.
const CASES: [(&str, &str, &str); 2] = [
    (
        "guardians-without-students",
        "parent_email",
        "hana.tm@famille-moreau.example",
    ),
    ("concurrent-schools", "student_name", "Cassius Rafferty-Obi"),
];

/// Fetches the case the engine would give a tool, on the demo district.
async fn fetch(tool: &dyn Tool, inputs: &Inputs) -> Result<Case, Error> {
    let customer = cdt_connectors::customers::load(&root().join("customer-integration-settings"), "demo-district")?;
    let source = cdt_connectors::source_for(&customer)?;
    let platform = cdt_connectors::platform_for(&customer).await?;
    let inputs = tool.spec().validate(inputs)?;
    let lookup = tool.lookup(&inputs)?;
    let roster = source.fetch(&lookup).await?;
    let platform = platform
        .fetch(&cdt_core::engine::platform_lookup(&lookup, &roster))
        .await?;
    Ok(Case {
        source: roster,
        platform,
        bookmarked_org_id: customer.bookmarked_org_id.clone(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
    })
}

struct Stats {
    p50: Duration,
    p99: Duration,
    mean: Duration,
}

fn measure(n: usize, mut f: impl FnMut()) -> Stats {
    for _ in 0..n / 10 {
        f();
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let total: Duration = times.iter().sum();
    Stats {
        p50: times[n / 2],
        p99: times[n * 99 / 100],
        mean: total / u32::try_from(n).unwrap(),
    }
}

fn show(label: &str, s: &Stats) {
    println!(
        "  {label:<44} p50 {:>8.1} µs   p99 {:>8.1} µs   mean {:>8.1} µs",
        s.p50.as_secs_f64() * 1e6,
        s.p99.as_secs_f64() * 1e6,
        s.mean.as_secs_f64() * 1e6
    );
}

fn host(budget: Budget, pooling: bool) -> Result<Arc<Host>, Error> {
    host_with(budget, pooling, HostConfig::default().keep_resident)
}

fn host_with(budget: Budget, pooling: bool, keep_resident: usize) -> Result<Arc<Host>, Error> {
    Ok(Arc::new(Host::new(HostConfig {
        budget,
        pooling,
        cache: Cache::Off,
        keep_resident,
        ..HostConfig::default()
    })?))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let dist = root().join("plugins/dist");
    if !dist.join(CASES[0].0).is_dir() {
        return Err(format!(
            "no example plugins in {}: run scripts/setup.d/20-plugins",
            dist.display()
        )
        .into());
    }
    cdt_tools::link();

    println!("cold load ({} runs each)", 5);
    let cache = tempfile::tempdir()?;
    for (id, _, _) in CASES {
        let dir = dist.join(id);
        let size = std::fs::metadata(dir.join("plugin.wasm"))?.len();
        let fuel = host(Budget::Fuel, true)?;
        let compile = measure(5, || {
            WasmTool::load(&fuel, &dir, None).unwrap();
        });
        WasmTool::load(&fuel, &dir, Some(cache.path()))?;
        let cached = measure(5, || {
            WasmTool::load(&fuel, &dir, Some(cache.path())).unwrap();
        });
        println!("  {id} ({size} bytes)");
        show("compile (Cranelift)", &compile);
        show("load from the compiled cache", &cached);
    }

    println!("warm runs ({n} each; fresh store and instance per run)");
    let builtin = cdt_core::Registry::builtin()?;
    for (id, input, value) in CASES {
        let inputs = Inputs::from_pairs([(input, value)]);
        let default_resident = HostConfig::default().keep_resident;
        let configs = [
            ("fuel + pooling (the default)", Budget::Fuel, true, default_resident),
            ("fuel + pooling, 64 KiB kept resident", Budget::Fuel, true, 64 * 1024),
            ("fuel, no pooling", Budget::Fuel, false, 0),
            (
                "epoch + pooling",
                Budget::Epoch {
                    deadline: Duration::from_secs(2),
                },
                true,
                default_resident,
            ),
        ];
        let mut header = false;
        for (label, budget, pooling, resident) in configs {
            let h = host_with(budget, pooling, resident)?;
            let tool = WasmTool::load(&h, &dist.join(id), None)?;
            let case = fetch(&tool, &inputs).await?;
            let doc = tool.case_document(&inputs, &case);
            if !header {
                header = true;
                let verdict = tool.run(&inputs, &case)?;
                println!(
                    "  {id} on `{value}`: case document {} bytes, verdict {} ({} findings)",
                    doc.len(),
                    verdict.status,
                    verdict.findings.len()
                );
                if let Some(dir) = &dump {
                    std::fs::create_dir_all(dir)?;
                    std::fs::write(dir.join(format!("{id}.json")), &doc)?;
                }
                show(
                    "host: write the case document",
                    &measure(n, || {
                        std::hint::black_box(tool.case_document(&inputs, &case));
                    }),
                );
                // A built-in on the same district and a similar case, for scale.
                let (b_id, b_inputs) = if input == "parent_email" {
                    ("parent-conflicts", inputs.clone())
                } else {
                    ("missing-data", Inputs::from_pairs([("student_name", value)]))
                };
                let b = builtin.get(b_id)?;
                let b_case = fetch(b.as_ref(), &b_inputs).await?;
                show(
                    &format!("built-in `{b_id}` run (for scale)"),
                    &measure(n, || {
                        std::hint::black_box(b.run(&b_inputs, &b_case).unwrap());
                    }),
                );
            }
            show(
                &format!("{label}: whole run"),
                &measure(n, || {
                    std::hint::black_box(tool.run(&inputs, &case).unwrap());
                }),
            );
            if id == "concurrent-schools" {
                // The same case grown to about 12 KB: its SIS enrollments repeated
                // (with new ids), as a busier student would have.
                let mut big = case.clone();
                let base = big.source.enrollments.clone();
                let mut k = 0;
                while tool.case_document(&inputs, &big).len() < 12 * 1024 {
                    for e in &base {
                        let mut e = e.clone();
                        e.sourced_id = format!("{}-copy{k}", e.sourced_id);
                        k += 1;
                        big.source.enrollments.push(e);
                    }
                }
                let big_doc = tool.case_document(&inputs, &big);
                let size = big_doc.len();
                if let Some(dir) = dump
                    .as_ref()
                    .filter(|_| label.starts_with("fuel + pooling (the default)"))
                {
                    std::fs::write(dir.join(format!("{id}-12k.json")), &big_doc)?;
                }
                show(
                    &format!("{label}: whole run, {size}-byte case"),
                    &measure(n, || {
                        std::hint::black_box(tool.run(&inputs, &big).unwrap());
                    }),
                );
            }
            show(
                &format!("{label}: store + instance only"),
                &measure(n, || tool.instantiate_only().unwrap()),
            );
            if pooling && budget == Budget::Fuel && resident == default_resident {
                show(
                    &format!("{label}: run on a ready document"),
                    &measure(n, || {
                        std::hint::black_box(tool.run_document(&doc).unwrap());
                    }),
                );
            }
        }
    }
    Ok(())
}
