//! The two documents that cross the sandbox: the case a plugin receives and the
//! verdict it returns (both JSON, see `docs/plugin-interface.md`).
//!
//! The case is written straight from the borrowed `cdt-core` records, holding only the
//! tables the manifest asked for. The verdict is parsed strictly and checked (status
//! vocabulary, sizes, codes) before it becomes a [`cdt_core::Verdict`].

use std::collections::BTreeMap;

use cdt_core::platform::{
    Class as PClass, Enrollment as PEnrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, Student,
};
use cdt_core::roster::{AcademicSession, Class, Course, Enrollment, Org, User};
use cdt_core::{Case, Finding, Inputs, Remediation, Severity, Status, System, Verdict};
use serde::{Deserialize, Serialize};

use crate::error::clean;
use crate::manifest::{ABI, DataSpec};

#[derive(Serialize)]
struct CaseDoc<'a> {
    abi: &'static str,
    plugin: &'a str,
    inputs: &'a BTreeMap<String, String>,
    today: String,
    bookmarked_org_id: &'a str,
    source: SourceDoc<'a>,
    platform: PlatformDoc<'a>,
}

#[derive(Serialize)]
struct SourceDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    orgs: Option<&'a [Org]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    users: Option<&'a [User]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<&'a [Class]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    courses: Option<&'a [Course]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    academic_sessions: Option<&'a [AcademicSession]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enrollments: Option<&'a [Enrollment]>,
}

#[derive(Serialize)]
struct PlatformDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    organizations: Option<&'a [Organization]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    students: Option<&'a [Student]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parents: Option<&'a [Parent]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_students: Option<&'a [ParentStudent]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<&'a [PClass]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enrollments: Option<&'a [PEnrollment]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_runs: Option<&'a [ImportRun]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_errors: Option<&'a [ImportError]>,
}

/// The case document for a plugin: the inputs, today, the district's Bookmarked id,
/// and only the tables `data` names.
#[must_use]
pub fn case_document(plugin: &str, data: &DataSpec, inputs: &Inputs, case: &Case) -> String {
    let s = |t: &str| data.wants_source(t);
    let p = |t: &str| data.wants_platform(t);
    let src = &case.source;
    let pl = &case.platform;
    let doc = CaseDoc {
        abi: ABI,
        plugin,
        inputs: &inputs.0,
        today: case.today.to_string(),
        bookmarked_org_id: &case.bookmarked_org_id,
        source: SourceDoc {
            orgs: s("orgs").then_some(&src.orgs[..]),
            users: s("users").then_some(&src.users[..]),
            classes: s("classes").then_some(&src.classes[..]),
            courses: s("courses").then_some(&src.courses[..]),
            academic_sessions: s("academic_sessions").then_some(&src.academic_sessions[..]),
            enrollments: s("enrollments").then_some(&src.enrollments[..]),
        },
        platform: PlatformDoc {
            organizations: p("organizations").then_some(&pl.organizations[..]),
            students: p("students").then_some(&pl.students[..]),
            parents: p("parents").then_some(&pl.parents[..]),
            parent_students: p("parent_students").then_some(&pl.parent_students[..]),
            classes: p("classes").then_some(&pl.classes[..]),
            enrollments: p("enrollments").then_some(&pl.enrollments[..]),
            import_runs: p("import_runs").then_some(&pl.import_runs[..]),
            import_errors: p("import_errors").then_some(&pl.import_errors[..]),
        },
    };
    // Serializing plain records into a String cannot fail.
    serde_json::to_string(&doc).unwrap_or_default()
}

/// Caps on the verdict's parts.
const MAX_TEXT: usize = 2000;
const MAX_FINDINGS: usize = 100;
const MAX_STEPS: usize = 50;
const MAX_IDS: usize = 200;
const MAX_ID: usize = 200;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictDoc {
    status: String,
    summary: String,
    #[serde(default)]
    findings: Vec<FindingDoc>,
    #[serde(default)]
    source_data: serde_json::Value,
    #[serde(default)]
    bookmarked_data: serde_json::Value,
    #[serde(default)]
    comparison: serde_json::Value,
    #[serde(default)]
    remediation: Vec<RemediationDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingDoc {
    code: String,
    severity: Severity,
    system: System,
    message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    record_ids: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemediationDoc {
    system: System,
    action: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    record_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

/// The verdict document of a verdict, as a plugin returns it: the form
/// [`parse_verdict`] reads. The host writes one only as the reference document that
/// the plugin SDK's tests parse (`cdt-wasm/tests/golden/verdict.json`).
#[must_use]
pub fn verdict_document(verdict: &Verdict) -> String {
    let doc = VerdictDoc {
        status: verdict.status.as_str().to_owned(),
        summary: verdict.summary.clone(),
        findings: verdict
            .findings
            .iter()
            .map(|f| FindingDoc {
                code: f.code.clone(),
                severity: f.severity,
                system: f.system,
                message: f.message.clone(),
                record_ids: f.record_ids.clone(),
            })
            .collect(),
        source_data: verdict.source_data.clone(),
        bookmarked_data: verdict.bookmarked_data.clone(),
        comparison: verdict.comparison.clone(),
        remediation: verdict
            .remediation
            .iter()
            .map(|r| RemediationDoc {
                system: r.system,
                action: r.action.clone(),
                record_ids: r.record_ids.clone(),
                field: r.field.clone(),
            })
            .collect(),
    };
    // Serializing plain records into a String cannot fail.
    serde_json::to_string(&doc).unwrap_or_default()
}

fn text(field: &str, s: &str, required: bool) -> Result<String, String> {
    if required && s.trim().is_empty() {
        return Err(format!("`{field}` is empty"));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(format!("`{field}` is over {MAX_TEXT} characters"));
    }
    Ok(clean(s, MAX_TEXT))
}

fn ids(field: &str, ids: &[String]) -> Result<Vec<String>, String> {
    if ids.len() > MAX_IDS {
        return Err(format!("`{field}` lists over {MAX_IDS} records"));
    }
    if ids.iter().any(|i| i.is_empty() || i.len() > MAX_ID) {
        return Err(format!("`{field}` holds an empty id or one over {MAX_ID} bytes"));
    }
    Ok(ids.iter().map(|i| clean(i, MAX_ID)).collect())
}

/// Whether `code` follows the one finding-code convention of built-in tools and
/// plugins: lowercase kebab-case, `^[a-z0-9]+(-[a-z0-9]+)*$`, at most 64 bytes.
#[must_use]
pub fn is_finding_code(code: &str) -> bool {
    code.len() <= 64
        && code
            .split('-')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Parses and checks a verdict document. The error names the field at fault.
pub fn parse_verdict(json: &str) -> Result<Verdict, String> {
    // Parsed without path tracking (the common, valid case, twice as fast); only a
    // document that fails is parsed again to name the field at fault.
    let doc: VerdictDoc = match serde_json::from_str(json) {
        Ok(doc) => doc,
        Err(plain) => {
            let de = &mut serde_json::Deserializer::from_str(json);
            return Err(match serde_path_to_error::deserialize::<_, VerdictDoc>(de) {
                Err(e) if e.path().to_string() != "." => format!("`{}`: {}", e.path(), e.inner()),
                Err(e) => e.inner().to_string(),
                Ok(_) => plain.to_string(),
            });
        }
    };
    let status = Status::parse(&doc.status).ok_or_else(|| {
        let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        format!(
            "`status` is `{}`, not one of {}",
            clean(&doc.status, 40),
            all.join(", ")
        )
    })?;
    if doc.findings.len() > MAX_FINDINGS {
        return Err(format!("over {MAX_FINDINGS} `findings`"));
    }
    if doc.remediation.len() > MAX_STEPS {
        return Err(format!("over {MAX_STEPS} `remediation` steps"));
    }
    let mut findings = Vec::with_capacity(doc.findings.len());
    for (i, f) in doc.findings.into_iter().enumerate() {
        if !is_finding_code(&f.code) {
            return Err(format!(
                "`findings[{i}].code` is `{}`: a finding code is lowercase kebab-case, \
                 1 to 64 of a-z and 0-9 in words joined by single hyphens (e.g. `student-not-enrolled`)",
                clean(&f.code, 70)
            ));
        }
        findings.push(
            Finding::new(
                &f.code,
                f.severity,
                f.system,
                text(&format!("findings[{i}].message"), &f.message, true)?,
            )
            .records(ids(&format!("findings[{i}].record_ids"), &f.record_ids)?),
        );
    }
    let mut remediation = Vec::with_capacity(doc.remediation.len());
    for (i, r) in doc.remediation.into_iter().enumerate() {
        let mut step = Remediation::new(r.system, text(&format!("remediation[{i}].action"), &r.action, true)?)
            .records(ids(&format!("remediation[{i}].record_ids"), &r.record_ids)?);
        if let Some(f) = r.field {
            if f.is_empty() || f.len() > 100 {
                return Err(format!("`remediation[{i}].field` must be 1 to 100 characters"));
            }
            step = step.field(&clean(&f, 100));
        }
        remediation.push(step);
    }
    if status == Status::NoIssue && findings.iter().any(|f| f.severity == Severity::Error) {
        return Err("`status` is NO_ISSUE but a finding has severity `error`".into());
    }
    if matches!(
        status,
        Status::IssueInSource | Status::IssueInBookmarked | Status::IssueInBoth
    ) && findings.is_empty()
    {
        return Err(format!("`status` is {status} but there are no `findings` saying why"));
    }
    Ok(Verdict {
        status,
        summary: text("summary", &doc.summary, true)?,
        findings,
        source_data: doc.source_data,
        bookmarked_data: doc.bookmarked_data,
        comparison: doc.comparison,
        remediation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_verdict_parses_and_is_cleaned() {
        let v = parse_verdict(
            r#"{"status":"ISSUE_IN_SOURCE","summary":"bad \u001b[31mred","findings":[{"code":"x-1","severity":"error","system":"sis","message":"m","record_ids":["u1"]}],"remediation":[{"system":"sis","action":"fix","field":"email"}]}"#,
        )
        .unwrap();
        assert_eq!(v.status, Status::IssueInSource);
        assert_eq!(v.summary, "bad \u{fffd}[31mred");
        assert_eq!(v.findings[0].record_ids, ["u1"]);
        assert_eq!(v.remediation[0].field.as_deref(), Some("email"));
    }

    #[test]
    fn schema_breaks_name_the_field() {
        for (json, expect) in [
            (r#"{"status":"ALL_GOOD","summary":"s"}"#, "`status` is `ALL_GOOD`"),
            (r#"{"status":"NO_ISSUE"}"#, "missing field `summary`"),
            (r#"{"status":"NO_ISSUE","summary":1}"#, "`summary`: invalid type"),
            (
                r#"{"status":"NO_ISSUE","summary":"s","extra":1}"#,
                "unknown field `extra`",
            ),
            (
                r#"{"status":"NO_ISSUE","summary":"s","findings":[{"code":"a","severity":"fatal","system":"sis","message":"m"}]}"#,
                "`findings[0].severity`",
            ),
            (
                r#"{"status":"NO_ISSUE","summary":"s","findings":[{"code":"a b","severity":"info","system":"sis","message":"m"}]}"#,
                "`findings[0].code` is `a b`: a finding code is lowercase kebab-case",
            ),
            (
                r#"{"status":"NO_ISSUE","summary":"s","findings":[{"code":"PARENT_WITHOUT_STUDENT","severity":"info","system":"sis","message":"m"}]}"#,
                "`findings[0].code` is `PARENT_WITHOUT_STUDENT`: a finding code is lowercase kebab-case, 1 to 64 of a-z and 0-9 in words joined by single hyphens",
            ),
            (r#"{"status":"ISSUE_IN_BOTH","summary":"s"}"#, "no `findings`"),
            (
                r#"{"status":"NO_ISSUE","summary":"s","findings":[{"code":"a","severity":"error","system":"sis","message":"m"}]}"#,
                "NO_ISSUE but a finding",
            ),
            (r#"{"status":"NO_ISSUE","summary":"  "}"#, "`summary` is empty"),
            (r#"{"status":"NO_ISSUE""#, "EOF"),
        ] {
            let err = parse_verdict(json).unwrap_err();
            assert!(err.contains(expect), "{expect}: {err}");
        }
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = parse_verdict(&format!(r#"{{"status":"NO_ISSUE","summary":"s","comparison":{deep}}}"#)).unwrap_err();
        assert!(err.contains("recursion limit"), "{err}");
    }

    #[test]
    fn finding_codes_are_lowercase_kebab_case() {
        for good in ["a", "x-1", "student-inactive-in-source", "e2e-check", &"a".repeat(64)] {
            assert!(is_finding_code(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "GUARDIAN_WITHOUT_ACTIVE_STUDENT",
            "snake_case",
            "a b",
            "é",
            &"a".repeat(65),
        ] {
            assert!(!is_finding_code(bad), "{bad}");
        }
    }
}
