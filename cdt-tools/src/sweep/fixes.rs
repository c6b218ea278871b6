//! Remediation as fix lists: one list per system to change (the SIS, Bookmarked), a row
//! per step of each finding, ready to hand to the district's SIS team or to Bookmarked's
//! support.

use cdt_core::System;
use serde::{Deserialize, Serialize};

use super::report::SweepReport;

/// One thing to change in one system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixRow {
    /// The records to change.
    pub record_ids: Vec<String>,
    /// The field to change, when one.
    pub field: Option<String>,
    /// The field's value in the SIS, when the step names one.
    pub sis_value: Option<String>,
    /// The field's value in Bookmarked, when the step names one.
    pub bookmarked_value: Option<String>,
    /// The value it should have, when the step names one.
    pub expected_value: Option<String>,
    /// What to do.
    pub action: String,
    /// Why: the finding's code and message.
    pub code: String,
    /// The finding's message.
    pub reason: String,
}

/// The fix list of one system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixList {
    /// The system to change.
    pub system: System,
    /// What to change, in the report's order, each step once.
    pub fixes: Vec<FixRow>,
}

/// The fix lists of the SIS and of Bookmarked, in that order.
#[must_use]
pub fn fix_lists(report: &SweepReport) -> [FixList; 2] {
    [System::Sis, System::Bookmarked].map(|system| {
        let mut fixes: Vec<FixRow> = Vec::new();
        for f in &report.findings {
            for step in f.remediation.iter().filter(|s| s.system == system) {
                let values = step.values.as_ref();
                let row = FixRow {
                    record_ids: if step.record_ids.is_empty() {
                        f.record_ids.clone()
                    } else {
                        step.record_ids.clone()
                    },
                    field: step.field.clone(),
                    sis_value: values.and_then(|v| v.sis.clone()),
                    bookmarked_value: values.and_then(|v| v.bookmarked.clone()),
                    expected_value: values.and_then(|v| v.expected.clone()),
                    action: step.action.clone(),
                    code: f.code.clone(),
                    reason: f.message.clone(),
                };
                if !fixes
                    .iter()
                    .any(|r| r.action == row.action && r.record_ids == row.record_ids)
                {
                    fixes.push(row);
                }
            }
        }
        FixList { system, fixes }
    })
}
