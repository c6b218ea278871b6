//! `cdt demo`: generate a district, list the demo cases.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use cdt_core::text::one_line;
use cdt_demo::generator::{GenConfig, generate};
use cdt_demo::scenarios::{DemoCase, plant};
use tracing::info;

/// The fixed "today" of the demo: enrollments and transfers are dated around it.
fn demo_today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
}

pub(crate) async fn generate_cmd(
    students: usize,
    seed: u64,
    out: &Path,
    zip: bool,
    with_cases: bool,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let cfg = GenConfig::new(students, seed);
    let mut district = generate(&cfg);
    let cases: Vec<DemoCase> = if with_cases {
        plant(
            &mut district.roster,
            &mut district.platform,
            &district.bookmarked_org_id,
            demo_today(),
        )
    } else {
        Vec::new()
    };
    info!(elapsed = ?started.elapsed(), "generated");
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    cdt_demo::oneroster_csv::write_bundle_dir(&district.roster, &out.join("oneroster"))?;
    if zip {
        cdt_demo::oneroster_csv::write_bundle_zip(&district.roster, &out.join("oneroster.zip"))?;
    }
    cdt_connectors::snapshot::write_snapshot(&out.join("platform-snapshot"), &district.platform)?;
    cdt_connectors::EmbeddedStore::create(&out.join("platform.sqlite"), &district.platform).await?;
    if with_cases {
        let json = serde_json::to_string_pretty(&cases)?;
        cdt_connectors::atomic::write_file(&out.join("cases.json"), (json + "\n").as_bytes())
            .with_context(|| format!("cannot write {}", out.join("cases.json").display()))?;
    }
    crate::output::emit(&format!(
        "wrote {} ({} students, {} users, {} enrollments, {} demo cases, bookmarked_org_id {}) in {:.1?}",
        out.display(),
        district.platform.students.len(),
        district.roster.users.len(),
        district.roster.enrollments.len(),
        cases.len(),
        district.bookmarked_org_id,
        started.elapsed()
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn cases(dir: &Path) -> anyhow::Result<ExitCode> {
    let path = dir.join("cases.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let cases: Vec<DemoCase> =
        serde_json::from_str(&text).with_context(|| format!("{} is not a list of demo cases", path.display()))?;
    for c in cases {
        let inputs: Vec<String> = c
            .inputs
            .iter()
            .map(|(k, v)| format!("--input {}", shell_quote(&format!("{k}={v}"))))
            .collect();
        crate::output::emit(&format!(
            "# {} → {}\ncdt run {} --customer demo-district {}\n\n",
            one_line(&c.story),
            c.expected_status,
            shell_quote(&c.tool_id),
            inputs.join(" ")
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Quotes a word for a POSIX shell when it needs it.
pub(crate) fn shell_quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "-_=@.,/:".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
