//! Prometheus metrics at `/metrics` (text exposition format 0.0.4): runs and their
//! time by tool, outcomes by status, refusals by kind (rate limits among them), errors
//! reading the district's data, requests by status class, diagnostics in flight, and
//! the hits and misses of the process's caches of SIS data.
//!
//! Counters are per process, as Prometheus expects: it sums the replicas.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Upper bounds of the run-time histogram, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    counters: BTreeMap<(&'static str, String), u64>,
    run_seconds: BTreeMap<String, Histogram>,
}

/// The process's metrics.
#[derive(Default)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// A label value, escaped for the exposition format.
fn label(v: &str) -> String {
    v.chars()
        .take(100)
        .flat_map(|c| match c {
            '\\' => vec!['\\', '\\'],
            '"' => vec!['\\', '"'],
            '\n' => vec!['\\', 'n'],
            c => vec![c],
        })
        .collect()
}

impl Metrics {
    fn add(&self, name: &'static str, labels: String) {
        if let Ok(mut m) = self.inner.lock() {
            *m.counters.entry((name, labels)).or_default() += 1;
        }
    }

    /// A diagnostic ended (`status`: its status, or `ERROR`), after `secs`.
    pub(crate) fn run(&self, tool: &str, status: &str, secs: f64) {
        self.add(
            "cdt_runs_total",
            format!("tool=\"{}\",status=\"{}\"", label(tool), label(status)),
        );
        if let Ok(mut m) = self.inner.lock() {
            let h = m.run_seconds.entry(tool.to_owned()).or_default();
            h.count += 1;
            h.sum += secs;
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    h.counts[i] += 1;
                }
            }
        }
    }

    /// A request was refused or failed (`kind`: the problem's slug).
    pub(crate) fn problem(&self, kind: &str) {
        self.add("cdt_problems_total", format!("kind=\"{}\"", label(kind)));
    }

    /// A request was answered with `status`.
    pub(crate) fn request(&self, status: u16) {
        self.add("cdt_http_requests_total", format!("code=\"{}xx\"", status / 100));
    }

    /// The exposition text; `in_flight` diagnostics are running now, and `cache` is
    /// what the process's caches of SIS data served.
    #[must_use]
    pub(crate) fn render(&self, in_flight: usize, cache: &cdt_connectors::drop::CacheStats) -> String {
        let mut out = String::new();
        let Ok(m) = self.inner.lock() else { return out };
        let help = [
            (
                "cdt_runs_total",
                "Diagnostics run, by tool and outcome status (ERROR: could not run).",
            ),
            (
                "cdt_problems_total",
                "Requests refused or failed, by problem type (rate-limited, forbidden, upstream, ...).",
            ),
            ("cdt_http_requests_total", "HTTP requests answered, by status class."),
        ];
        for (name, text) in help {
            let _ = writeln!(out, "# HELP {name} {text}\n# TYPE {name} counter");
            for ((n, labels), v) in &m.counters {
                if *n == name {
                    let _ = writeln!(out, "{name}{{{labels}}} {v}");
                }
            }
        }
        let _ = writeln!(
            out,
            "# HELP cdt_run_seconds Time a diagnostic took, by tool.\n# TYPE cdt_run_seconds histogram"
        );
        for (tool, h) in &m.run_seconds {
            let t = label(tool);
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "cdt_run_seconds_bucket{{tool=\"{t}\",le=\"{b}\"}} {}", h.counts[i]);
            }
            let _ = writeln!(out, "cdt_run_seconds_bucket{{tool=\"{t}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "cdt_run_seconds_sum{{tool=\"{t}\"}} {}", h.sum);
            let _ = writeln!(out, "cdt_run_seconds_count{{tool=\"{t}\"}} {}", h.count);
        }
        let _ = writeln!(
            out,
            "# HELP cdt_source_cache_total Reads of SIS data through the process's caches: `district` (a district already read, in memory) and `download` (a file drop already downloaded), hit or miss.\n# TYPE cdt_source_cache_total counter"
        );
        for (cache_name, result, n) in [
            ("district", "hit", cache.roster_hits),
            ("district", "miss", cache.roster_misses),
            ("download", "hit", cache.download_hits),
            ("download", "miss", cache.download_misses),
        ] {
            let _ = writeln!(
                out,
                "cdt_source_cache_total{{cache=\"{cache_name}\",result=\"{result}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP cdt_runs_in_flight Diagnostics running now.\n# TYPE cdt_runs_in_flight gauge\ncdt_runs_in_flight {in_flight}"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_counts_and_escapes() {
        let m = Metrics::default();
        m.run("student-mismatch", "NO_ISSUE", 0.02);
        m.run("student-mismatch", "ERROR", 3.0);
        m.problem("rate-limited");
        m.problem("rate-limited");
        m.run("evil\"tool\n", "NO_ISSUE", 0.001);
        let cache = cdt_connectors::drop::CacheStats {
            roster_hits: 3,
            download_misses: 1,
            ..Default::default()
        };
        let text = m.render(1, &cache);
        assert!(
            text.contains("cdt_source_cache_total{cache=\"district\",result=\"hit\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("cdt_source_cache_total{cache=\"download\",result=\"miss\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("cdt_runs_total{tool=\"student-mismatch\",status=\"NO_ISSUE\"} 1"),
            "{text}"
        );
        assert!(text.contains("cdt_problems_total{kind=\"rate-limited\"} 2"), "{text}");
        assert!(
            text.contains("cdt_run_seconds_bucket{tool=\"student-mismatch\",le=\"0.025\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("cdt_run_seconds_bucket{tool=\"student-mismatch\",le=\"+Inf\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("cdt_run_seconds_count{tool=\"student-mismatch\"} 2"),
            "{text}"
        );
        assert!(text.contains("tool=\"evil\\\"tool\\n\""), "{text}");
        assert!(text.contains("cdt_runs_in_flight 1"));
    }
}
