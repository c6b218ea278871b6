//! Which customer a ticket is about: the ticket's own property, its company (by CRM id,
//! then by name), or the district named in the text.

use serde::{Deserialize, Serialize};

use super::text::{Gap, Region, Text};
use super::{Choice, Confidence, TicketText};
use crate::matching::{same_text, tokens};

/// What triage needs to know of a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCard {
    /// The customer id.
    pub id: String,
    /// The district's name.
    pub name: String,
    /// Other names the district goes by (`Demo USD`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The district's company ids in the CRM.
    #[serde(default)]
    pub company_ids: Vec<String>,
    /// Whether the customer is live.
    pub active: bool,
}

impl CustomerCard {
    fn names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.name).chain(&self.aliases)
    }
}

/// Picks the customer a ticket is about, or says it cannot, listing the candidates.
#[must_use]
pub fn pick_customer(ticket: &TicketText, customers: &[CustomerCard]) -> Option<Choice> {
    let mut scored: Vec<(f64, &CustomerCard, String)> = Vec::new();
    let text = Text::new(&format!("{}\n\n{}", ticket.subject, ticket.content));
    for c in customers {
        let mut best: (f64, String) = (0.0, String::new());
        let mut offer = |score: f64, why: String| {
            if score > best.0 {
                best = (score, why);
            }
        };
        if let Some(p) = ticket.customer_property.as_deref()
            && p.trim().eq_ignore_ascii_case(&c.id)
        {
            offer(1.0, format!("the ticket's customer property is `{}`", c.id));
        }
        if let Some(id) = ticket.company_id.as_deref()
            && c.company_ids.iter().any(|x| x == id.trim())
        {
            offer(1.0, format!("the ticket's company (id {id}) is this customer's"));
        }
        if let Some(company) = ticket.company_name.as_deref() {
            if c.names().any(|n| same_text(n, company)) {
                offer(
                    0.95,
                    format!("the ticket's company is \"{}\"", crate::text::one_line(company)),
                );
            } else if c.names().any(|n| contains(&tokens(company), &tokens(n))) {
                offer(
                    0.6,
                    format!(
                        "the ticket's company \"{}\" holds the name",
                        crate::text::one_line(company)
                    ),
                );
            }
        }
        for (i, n) in c.names().enumerate() {
            let seq = tokens(n);
            // An alias is set on purpose (`RUSD`); a one-word district name must be
            // long enough not to be an ordinary word.
            let alias = i > 0;
            if (seq.len() >= 2 || seq.first().is_some_and(|t| t.len() >= if alias { 3 } else { 5 }))
                && let Some(at) = find(&text, &seq)
            {
                offer(
                    0.8,
                    format!("the ticket names \"{}\"", text.context(text.words[at].start, 3)),
                );
            }
        }
        if let Some(at) = find(&text, &tokens(&c.id)) {
            offer(
                0.85,
                format!("the ticket names \"{}\"", text.context(text.words[at].start, 2)),
            );
        }
        if best.0 > 0.0 {
            let score = if c.active { best.0 } else { best.0 - 0.05 };
            scored.push((score, c, best.1));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let (top, c, why) = scored.first()?;
    let second = scored.get(1).map_or(0.0, |s| s.0);
    let options: Vec<String> = scored.iter().skip(1).map(|s| s.1.id.clone()).collect();
    let confidence = if *top >= 0.8 && top - second >= 0.15 {
        Confidence::High
    } else if top - second >= 0.1 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(Choice {
        value: c.id.clone(),
        confidence,
        because: why.clone(),
        options: if confidence == Confidence::High {
            Vec::new()
        } else {
            options
        },
    })
}

fn contains(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Where the token sequence first appears in the text, outside signatures.
fn find(text: &Text, seq: &[String]) -> Option<usize> {
    if seq.is_empty() {
        return None;
    }
    (0..text.words.len()).find(|&at| {
        text.words[at].region != Region::Signature
            && seq.iter().enumerate().all(|(k, t)| {
                text.words
                    .get(at + k)
                    .is_some_and(|w| w.norm == *t && (k == 0 || matches!(w.gap, Gap::Space | Gap::Hyphen)))
            })
    })
}
