//! The Rust side of `bench/python_overhead.sh`: one diagnostic, timed in a loop, doing
//! per call exactly what `Customer.run` does in the bindings (build the customer's
//! connectors, run the engine) on a multi-threaded tokio runtime.
//!
//! ```sh
//! cargo run --release -p cdt-py --example overhead -- ITERATIONS TOOL NAME=VALUE…
//! ```
//! Prints one JSON line: `{"side": "rust", "n": …, "median_ms": …, …}`.

use std::path::Path;
use std::time::Instant;

use cdt_connectors::factory;
use cdt_core::{Customer, Inputs, Registry, RunContext, diagnose};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [n, tool_id, pairs @ ..] = args.as_slice() else {
        anyhow::bail!("usage: overhead ITERATIONS TOOL NAME=VALUE…");
    };
    let n: usize = n.parse()?;
    let inputs = Inputs::from_pairs(pairs.iter().filter_map(|p| p.split_once('=')));
    cdt_tools::link();
    let registry = Registry::builtin()?;
    let tool = registry.get(tool_id)?;
    let settings = Path::new(env!("CARGO_MANIFEST_DIR")).join("../customer-integration-settings");
    let customer = Customer::load(&settings, "demo-district")?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let once = || -> anyhow::Result<cdt_core::Status> {
        rt.block_on(async {
            let source = factory::source_for(&customer)?;
            let platform = factory::platform_for(&customer).await?;
            let ctx = RunContext {
                customer_id: Some(customer.customer_id.clone()),
                bookmarked_org_id: customer.bookmarked_org_id.clone(),
                ..RunContext::default()
            };
            let r = diagnose(tool.as_ref(), &inputs, source.as_ref(), platform.as_ref(), &ctx).await?;
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
