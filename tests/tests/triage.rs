//! Ticket understanding on the corpus of realistic tickets: the right customer, tool
//! and inputs, grounded in the demo district's roster; never a wrong tool with high
//! confidence.

use cdt_connectors::{Limits, read_bundle};
use cdt_core::triage::Directory;
use cdt_tests::root;
use cdt_tests::tickets::{assess, cards, corpus, report};

#[test]
fn triage_reads_the_corpus_right_and_is_never_confidently_wrong() {
    let roster = read_bundle(&root().join("demo/oneroster"), Limits::default()).expect("the demo bundle");
    let directory = Directory::from_roster(&roster);
    let cards = cards(&root().join("customer-integration-settings"));
    let corpus = corpus();
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
