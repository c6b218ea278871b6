//! The triage corpus (`tests/fixtures/tickets/`): realistic support tickets with the
//! customer, tool and inputs a person would choose, and the scoring of
//! [`cdt_core::triage`] on them: per tool, the tool right, the inputs right, unsure, and
//! wrong with high confidence (worse than unsure).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use cdt_core::matching::{same_email, same_text};
use cdt_core::triage::{
    Confidence, CustomerCard, Directory, TicketText, Understanding, pick_customer, tool_scores, understand,
};
use serde::Deserialize;

/// One ticket of the corpus.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusTicket {
    /// The file's name.
    #[serde(skip)]
    pub file: String,
    /// Subject line.
    pub subject: String,
    /// Body.
    pub content: String,
    /// The associated company's name.
    pub company: Option<String>,
    /// The writer's email.
    pub contact_email: Option<String>,
    /// How it is written.
    pub style: String,
    /// What a person would choose.
    pub expect: Expected,
    /// What it tests.
    pub why: String,
}

/// The expected answer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// Customer id, or none when nothing identifies a known customer.
    pub customer: Option<String>,
    /// Tool id, or none for a ticket about none of the tools.
    pub tool: Option<String>,
    /// The tool's inputs.
    pub inputs: BTreeMap<String, String>,
    /// The diagnosis's status, for tickets made from a demo case.
    pub status: Option<String>,
    /// The demo case's index in `demo/cases.json`.
    pub demo_case: Option<usize>,
    /// Other tools the ticket also describes.
    #[serde(default)]
    pub also: Vec<String>,
}

impl CorpusTicket {
    /// The ticket as triage reads it.
    #[must_use]
    pub fn text(&self) -> TicketText {
        TicketText {
            subject: self.subject.clone(),
            content: self.content.clone(),
            company_id: None,
            company_name: self.company.clone(),
            contact_email: self.contact_email.clone(),
            customer_property: None,
        }
    }
}

/// Reads every ticket of a corpus folder under `tests/fixtures/` (`tickets`, the one
/// triage was tuned on; `tickets-holdout`, written without seeing triage's code and
/// used only to measure it), in file order.
///
/// # Panics
/// On an unreadable or malformed file, naming it.
#[must_use]
pub fn corpus(folder: &str) -> Vec<CorpusTicket> {
    let dir = crate::root().join("tests/fixtures").join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the ticket corpus folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("a ticket file");
            let mut t: CorpusTicket = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            t.file = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            t
        })
        .collect()
}

/// The customer cards of a settings folder.
///
/// # Panics
/// On unreadable settings.
#[must_use]
pub fn cards(settings: &Path) -> Vec<CustomerCard> {
    cdt_connectors::customers::list(settings)
        .expect("the customers")
        .iter()
        .map(|id| {
            cdt_connectors::customers::load(settings, id)
                .expect("a customer")
                .triage_card()
        })
        .collect()
}

/// Whether two input values are the same: emails without case, names without case,
/// accents and punctuation.
#[must_use]
pub fn same_value(name: &str, a: &str, b: &str) -> bool {
    if name.contains("email") {
        same_email(a, b)
    } else {
        same_text(a, b)
    }
}

/// How one ticket went.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The ticket's file.
    pub file: String,
    /// Expected tool (`none` for none).
    pub expected_tool: String,
    /// Whether the customer was right (none expected: none or not high).
    pub customer_right: bool,
    /// Whether the tool was right.
    pub tool_right: bool,
    /// Whether the inputs were right (only when the tool was).
    pub inputs_right: bool,
    /// Whether triage said it was unsure instead of choosing a wrong tool.
    pub unsure: bool,
    /// Whether a wrong tool was chosen with high confidence.
    pub wrong_high: bool,
    /// What triage understood.
    pub understood: Understanding,
    /// Each tool's score.
    pub scores: Vec<(String, f64)>,
}

/// Triage's answer on one ticket: the customer among `cards`, then the tool and inputs
/// against `directory` when the customer is the demo district (an empty directory
/// otherwise).
#[must_use]
pub fn assess(t: &CorpusTicket, cards: &[CustomerCard], directory: &Directory) -> Outcome {
    let text = t.text();
    let customer = pick_customer(&text, cards);
    let customer_right = match (&t.expect.customer, &customer) {
        (Some(want), Some(got)) => *want == got.value,
        (None, None) => true,
        (None, Some(got)) => got.confidence < Confidence::High,
        (Some(_), None) => false,
    };
    let empty = Directory::default();
    let grounded = customer.as_ref().is_some_and(|c| c.confidence >= Confidence::Medium);
    let dir = if grounded { directory } else { &empty };
    let understood = understand(&text, dir);
    let scores = tool_scores(&text, dir, &[]);
    let got = understood.tool_id();
    let tool_right = got == t.expect.tool.as_deref();
    let inputs = understood.inputs();
    let inputs_right = tool_right
        && inputs.0.len() == t.expect.inputs.len()
        && t.expect
            .inputs
            .iter()
            .all(|(k, v)| inputs.get(k).is_some_and(|g| same_value(k, g, v)));
    let high = understood
        .tool
        .as_ref()
        .is_some_and(|c| c.confidence == Confidence::High);
    let unsure = !tool_right && (got.is_none() || !high);
    Outcome {
        file: t.file.clone(),
        expected_tool: t.expect.tool.clone().unwrap_or_else(|| "none".into()),
        customer_right,
        tool_right,
        inputs_right,
        unsure,
        wrong_high: !tool_right && got.is_some() && high,
        understood,
        scores,
    }
}

/// The table of outcomes per expected tool, then the misses.
#[must_use]
pub fn report(corpus: &[CorpusTicket], outcomes: &[Outcome]) -> String {
    let mut by_tool: BTreeMap<&str, [usize; 6]> = BTreeMap::new();
    for o in outcomes {
        for key in [o.expected_tool.as_str(), "all"] {
            let row = by_tool.entry(key).or_default();
            row[0] += 1;
            row[1] += usize::from(o.tool_right);
            row[2] += usize::from(o.tool_right && o.inputs_right);
            row[3] += usize::from(o.unsure);
            row[4] += usize::from(o.wrong_high);
            row[5] += usize::from(o.customer_right);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<18} {:>7} {:>11} {:>18} {:>7} {:>15} {:>15}",
        "expected tool", "tickets", "tool right", "tool+inputs right", "unsure", "wrong, high", "customer right"
    );
    for (tool, r) in &by_tool {
        let pct = |n: usize| format!("{n} ({}%)", (200 * n + r[0]) / (2 * r[0]));
        let _ = writeln!(
            out,
            "{:<18} {:>7} {:>11} {:>18} {:>7} {:>15} {:>15}",
            tool,
            r[0],
            pct(r[1]),
            pct(r[2]),
            r[3],
            r[4],
            pct(r[5])
        );
    }
    for (t, o) in corpus.iter().zip(outcomes) {
        if o.tool_right && o.inputs_right && o.customer_right {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}: expected {} {:?} customer {:?}\n  got {:?} {:?}\n  doubts: {:?}\n  scores: {:?}",
            o.file,
            o.expected_tool,
            t.expect.inputs,
            t.expect.customer,
            o.understood.tool.as_ref().map(|c| (&c.value, c.confidence, &c.because)),
            o.understood.inputs().0,
            o.understood.doubts,
            o.scores
        );
    }
    out
}
