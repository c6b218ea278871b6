//! `cdt-plugin-bench DIR [N]`: runs the example plugins' logic natively on the case
//! documents that `cargo run --release -p cdt-wasm --example bench -- N --dump DIR`
//! wrote, so the WASM numbers can be compared with the same logic as a built-in.
//!
//! It times the logic alone on a parsed case (what a built-in tool costs) and the
//! whole JSON round trip (parse, logic, write) that a plugin does inside the sandbox.

use std::path::Path;
use std::time::{Duration, Instant};

use cdt_plugin_sdk::{Case, LeanPlugin, Plugin};

fn measure(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..n / 10 {
        f();
    }
    let mut t: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    (t[n / 2], t[n * 99 / 100])
}

fn show(label: &str, (p50, p99): (Duration, Duration)) {
    println!(
        "  {label:<44} p50 {:>8.1} µs   p99 {:>8.1} µs",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
}

fn bench<P: Plugin>(dir: &Path, id: &str, n: usize) {
    let path = dir.join(format!("{id}.json"));
    let Ok(doc) = std::fs::read_to_string(&path) else {
        println!("  {id}: no {} (run the WASM bench with --dump first)", path.display());
        return;
    };
    let case: Case = serde_json::from_str(&doc).expect("a case document");
    println!("  {id}: case document {} bytes", doc.len());
    show(
        "native: logic on a parsed case (= a built-in)",
        measure(n, || {
            std::hint::black_box(P::diagnose(&case).unwrap());
        }),
    );
    show(
        "native: parse the case only",
        measure(n, || {
            std::hint::black_box(serde_json::from_str::<Case>(&doc).unwrap());
        }),
    );
    show(
        "native: parse + logic + write the verdict",
        measure(n, || {
            std::hint::black_box(cdt_plugin_sdk::run_json::<P>(&doc).unwrap());
        }),
    );
}

fn bench_lean<P: LeanPlugin>(dir: &Path, id: &str, n: usize) {
    let path = dir.join(format!("{id}.json"));
    let Ok(doc) = std::fs::read_to_string(&path) else {
        println!("  {id}: no {} (run the WASM bench with --dump first)", path.display());
        return;
    };
    let case: P::Case<'_> = serde_json::from_str(&doc).expect("a case document");
    println!("  {id} (a lean plugin): case document {} bytes", doc.len());
    show(
        "native: logic on a parsed case (= a built-in)",
        measure(n, || {
            std::hint::black_box(P::diagnose(&case).unwrap());
        }),
    );
    show(
        "native: parse the SDK's whole Case (for scale)",
        measure(n, || {
            std::hint::black_box(serde_json::from_str::<Case>(&doc).unwrap());
        }),
    );
    show(
        "native: parse the plugin's lean view only",
        measure(n, || {
            std::hint::black_box(serde_json::from_str::<P::Case<'_>>(&doc).unwrap());
        }),
    );
    show(
        "native: parse + logic + write the verdict",
        measure(n, || {
            std::hint::black_box(cdt_plugin_sdk::run_json_lean::<P>(&doc).unwrap());
        }),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: cdt-plugin-bench DIR [N]");
        std::process::exit(2);
    };
    let n = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    println!("native runs ({n} each)");
    bench::<guardians_without_students::GuardiansWithoutStudents>(Path::new(dir), "guardians-without-students", n);
    bench_lean::<concurrent_schools::ConcurrentSchools>(Path::new(dir), "concurrent-schools", n);
    // The 12.8 KB case of the WASM bench, when dumped.
    bench_lean::<concurrent_schools::ConcurrentSchools>(Path::new(dir), "concurrent-schools-12k", n);
}
