//! The Rust side of `bench/python_overhead.sh`: one diagnostic, timed in a loop, doing
//! per call exactly what the bindings do (build the connectors, run the engine) on a
//! multi-threaded tokio runtime.
//!
//! ```sh
//! cargo run --release -p cdt-py --example overhead -- ITERATIONS TARGET TOOL NAME=VALUE…
//! ```
//! `TARGET` is `customer` (the demo district's settings, as `Customer.run`) or
//! `files:SOURCE:PLATFORM` (a bundle and a store or snapshot, as `cdt.run(source=,
//! platform=)`). Prints one JSON line: `{"side": "rust", "n": …, "median_ms": …, …}`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use cdt_connectors::{RunOptions, Target, customers};
use cdt_core::{Inputs, Registry};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [n, target, tool_id, pairs @ ..] = args.as_slice() else {
        anyhow::bail!("usage: overhead ITERATIONS customer|files:SOURCE:PLATFORM TOOL NAME=VALUE…");
    };
    let n: usize = n.parse()?;
    let files = match target.strip_prefix("files:").map(|f| f.split_once(':')) {
        Some(Some((s, p))) => Some((PathBuf::from(s), PathBuf::from(p))),
        Some(None) => anyhow::bail!("files:SOURCE:PLATFORM, not {target}"),
        None => None,
    };
    let inputs = Inputs::from_pairs(pairs.iter().filter_map(|p| p.split_once('=')));
    cdt_tools::link();
    let registry = Registry::builtin()?;
    let tool = registry.get(tool_id)?;
    let settings = Path::new(env!("CARGO_MANIFEST_DIR")).join("../customer-integration-settings");
    let customer = customers::load(&settings, "demo-district")?;
    let target = match files {
        None => Target::Settings(customer.into()),
        Some((source, platform)) => Target::Files {
            source,
            platform,
            district_id: Some(customer.bookmarked_org_id),
        },
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let once = || -> anyhow::Result<cdt_core::Status> {
        rt.block_on(async {
            let r = cdt_connectors::run(tool.as_ref(), &inputs, &target, &RunOptions::now(None)).await?;
            Ok(r.status)
        })
    };
    let status = once()?; // warm-up: page cache, SQLite
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        once()?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    // Percentiles by index: n - 1 scaled by q/100, in integers.
    let pick = |q: usize| ms[(ms.len() - 1) * q / 100];
    let line = serde_json::json!({
        "side": "rust",
        "status": status.as_str(),
        "n": n,
        "median_ms": pick(50),
        "p10_ms": pick(10),
        "p90_ms": pick(90),
        "mean_ms": ms.iter().sum::<f64>() / f64::from(u32::try_from(ms.len())?),
    });
    std::io::Write::write_all(&mut std::io::stdout(), format!("{line}\n").as_bytes())?;
    Ok(())
}
