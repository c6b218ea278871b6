//! Ticket understanding on the corpus of realistic tickets: the right customer, tool
//! and inputs, grounded in the demo district's roster; never a wrong tool with high
//! confidence.

// The accuracy tables are what these tests report (`--nocapture`).
#![allow(clippy::print_stdout)]

use cdt_connectors::{Limits, read_bundle};
use cdt_core::triage::Directory;
use cdt_tests::root;
use cdt_tests::tickets::{assess, cards, corpus, report};

fn measure(folder: &str) -> (usize, usize, Vec<String>, usize, String) {
    let roster = read_bundle(&root().join("demo/oneroster"), Limits::default()).expect("the demo bundle");
    let directory = Directory::from_roster(&roster);
    let cards = cards(&root().join("customer-integration-settings"));
    let corpus = corpus(folder);
    let outcomes: Vec<_> = corpus.iter().map(|t| assess(t, &cards, &directory)).collect();
    let table = report(&corpus, &outcomes);
    let right = outcomes.iter().filter(|o| o.tool_right && o.inputs_right).count();
    let wrong_high = outcomes
        .iter()
        .filter(|o| o.wrong_high)
        .map(|o| o.file.clone())
        .collect();
    let customers = outcomes.iter().filter(|o| o.customer_right).count();
    (outcomes.len(), right, wrong_high, customers, table)
}

/// The held-out tickets were written without seeing this code and are never tuned
/// on: they measure it.
#[test]
fn triage_on_held_out_tickets_is_never_confidently_wrong() {
    let (n, right, wrong_high, customers, table) = measure("tickets-holdout");
    println!("{table}");
    assert!(n >= 45, "the held-out corpus has {n} tickets");
    assert!(
        wrong_high.is_empty(),
        "a wrong tool with high confidence: {wrong_high:?}\n{table}"
    );
    assert!(customers == n, "customers right: {customers} of {n}\n{table}");
    assert!(
        right * 100 >= 85 * n,
        "tool and inputs right on {right} of {n} tickets\n{table}"
    );
}

#[test]
fn triage_reads_the_corpus_right_and_is_never_confidently_wrong() {
    let roster = read_bundle(&root().join("demo/oneroster"), Limits::default()).expect("the demo bundle");
    let directory = Directory::from_roster(&roster);
    let cards = cards(&root().join("customer-integration-settings"));
    let corpus = corpus("tickets");
    assert!(corpus.len() >= 60, "the corpus has {} tickets", corpus.len());
    let outcomes: Vec<_> = corpus.iter().map(|t| assess(t, &cards, &directory)).collect();
    let table = report(&corpus, &outcomes);
    println!("{table}");
    let right = outcomes.iter().filter(|o| o.tool_right && o.inputs_right).count();
    let wrong_high: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.wrong_high)
        .map(|o| o.file.as_str())
        .collect();
    let customers = outcomes.iter().filter(|o| o.customer_right).count();
    assert!(
        wrong_high.is_empty(),
        "a wrong tool with high confidence: {wrong_high:?}\n{table}"
    );
    assert!(
        customers == outcomes.len(),
        "customers right: {customers} of {}\n{table}",
        outcomes.len()
    );
    assert!(
        right * 100 >= 95 * outcomes.len(),
        "tool and inputs right on {right} of {} tickets\n{table}",
        outcomes.len()
    );
}
