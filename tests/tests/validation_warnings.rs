//! A diagnostic that relies on a source record read from a row that failed
//! validation says so in its warnings; one on a clean bundle does not. Its warnings
//! name the bundle's findings about the records of its case, not the others.

use std::path::{Path, PathBuf};

use cdt_connectors::{RunOptions, Target};
use cdt_core::{Inputs, Registry};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

async fn run(bundle: &Path) -> cdt_core::DiagnosticResult {
    run_case(
        bundle,
        &[
            ("parent_email", "hana.tm@Famille-Moreau.example"),
            ("student_name", "Luc Takahashi Moreau"),
        ],
    )
    .await
}

async fn run_case(bundle: &Path, inputs: &[(&str, &str)]) -> cdt_core::DiagnosticResult {
    let target = Target::Files {
        source: bundle.to_owned(),
        platform: root().join("demo/platform.sqlite"),
        district_id: Some("bm-org-0001".into()),
    };
    let registry = Registry::builtin().unwrap();
    let tool = registry.get("student-mismatch").unwrap();
    let inputs = Inputs::from_pairs(inputs.iter().copied());
    cdt_connectors::run(tool.as_ref(), &inputs, &target, &RunOptions::now(None))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_relying_on_an_invalid_row_warns() {
    cdt_tools::link();
    let clean = run(&root().join("demo/oneroster")).await;
    assert!(
        !clean.warnings.iter().any(|w| w.contains("failed validation")),
        "{:?}",
        clean.warnings
    );

    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("demo/oneroster")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    // Luc's row gets an enabledUser that is not a boolean.
    let users = std::fs::read_to_string(dir.path().join("users.csv")).unwrap();
    let (row, line) = users
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(",Luc,Takahashi-Moreau,"))
        .expect("Luc is in the demo bundle");
    let id = line.split(',').next().unwrap().to_owned();
    let broken_line = line.replacen(",true,", ",maybe,", 1);
    std::fs::write(dir.path().join("users.csv"), users.replace(line, &broken_line)).unwrap();

    let broken = run(dir.path()).await;
    assert_eq!(broken.status, clean.status, "the record is still read");
    let warning = broken
        .warnings
        .iter()
        .find(|w| w.contains("failed validation"))
        .unwrap_or_else(|| panic!("{:?}", broken.warnings));
    assert!(warning.contains(&id), "{warning}");
    assert!(
        warning.contains(&format!("users.csv, row {}: value.invalid_boolean", row + 1)),
        "{warning}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warnings_name_the_findings_about_the_records_of_the_case() {
    cdt_tools::link();
    // The demo bundle has two findings: Wren's row refers to Ottoline, whom the SIS
    // marked tobedeleted; an enrollment refers to a deleted class.
    let bundle = root().join("demo/oneroster");
    let wren = run_case(
        &bundle,
        &[
            ("parent_email", "granny.otto@fairweather.example"),
            ("student_name", "Wren Fairweather-Osei"),
        ],
    )
    .await;
    assert!(
        wren.warnings[0].starts_with("the OneRoster bundle has 0 validation error(s) and 2 warning(s) (0 info)"),
        "{:?}",
        wren.warnings
    );
    let about: Vec<&String> = wren.warnings.iter().filter(|w| w.contains("lifecycle.")).collect();
    assert_eq!(about.len(), 1, "{:?}", wren.warnings);
    assert!(about[0].contains("`demo-par-ottoline` is tobedeleted"), "{}", about[0]);

    // Luc's case touches neither: only the totals.
    let luc = run(&bundle).await;
    assert_eq!(luc.warnings.len(), 1, "{:?}", luc.warnings);
}
