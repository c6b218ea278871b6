//! Ticket understanding: from a support ticket's text to the customer, the diagnostic
//! and its inputs, each with a confidence and the words that decided it.
//!
//! Pure: the caller fetches the ticket and the district's [`Directory`] (its own
//! students, guardians, schools and classes); every name the text holds is checked
//! against it, so a name a letter off or written `Family, Given` becomes the record the
//! district has, and a name it does not have is said to be unknown. When the text does
//! not settle a choice, the answer says so and lists the options
//! ([`Understanding::is_sure`]); a caller never runs a guess on production
//! ([`Understanding::may_run`]).

mod classify;
mod customer;
mod directory;
mod find;
mod text;
mod understand;

pub use classify::{CUES, ELSEWHERE, ToolCues};
pub use customer::{CustomerCard, pick_customer};
pub use directory::{ClassEntry, Directory, Kind, Person, School, within_one_edit};
pub use text::{EmailAt, Gap, MAX_TEXT_BYTES, Region, Text, Word};
pub use understand::{tool_scores, understand};

use serde::{Deserialize, Serialize};

use crate::customer::Environment;
use crate::tool::Inputs;

/// What a ticket says, as the caller fetched it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketText {
    /// The subject line.
    pub subject: String,
    /// The body.
    pub content: String,
    /// The associated company's id in the CRM.
    #[serde(default)]
    pub company_id: Option<String>,
    /// The associated company's name.
    #[serde(default, alias = "company")]
    pub company_name: Option<String>,
    /// The associated contact's email: usually whoever wrote in.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// A customer id set on the ticket itself (a custom property), when there is one.
    #[serde(default)]
    pub customer_property: Option<String>,
}

/// How sure a choice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A guess: shown with its options, never run on production.
    Low,
    /// Likely, with something to check.
    Medium,
    /// The text says it plainly.
    High,
}

/// One choice: the value, how sure, why, and the other options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The value chosen.
    pub value: String,
    /// How sure.
    pub confidence: Confidence,
    /// The words that decided it (quoted from the ticket) or the rule.
    pub because: String,
    /// Other values it could be, when it is not sure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// One input chosen for the tool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputChoice {
    /// The input's name (`student_name`).
    pub name: String,
    /// The choice.
    #[serde(flatten)]
    pub choice: Choice,
    /// Whether the value is a record the district has (`false` for a name it does not
    /// have, which the tool will report as not found).
    pub in_roster: bool,
}

/// What a ticket asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Understanding {
    /// The tool, or `None` when the ticket is about none of them or it is unclear.
    pub tool: Option<Choice>,
    /// Other tools the ticket also describes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// The tool's inputs.
    pub inputs: Vec<InputChoice>,
    /// What is unsure, for a person to settle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doubts: Vec<String>,
}

impl Understanding {
    /// The chosen tool's id.
    #[must_use]
    pub fn tool_id(&self) -> Option<&str> {
        self.tool.as_ref().map(|c| c.value.as_str())
    }

    /// The inputs as a tool takes them.
    #[must_use]
    pub fn inputs(&self) -> Inputs {
        Inputs::from_pairs(self.inputs.iter().map(|i| (i.name.clone(), i.choice.value.clone())))
    }

    /// Whether nothing is left to settle: a tool chosen with high confidence, every
    /// input at least likely, and no doubts.
    #[must_use]
    pub fn is_sure(&self) -> bool {
        self.tool.as_ref().is_some_and(|t| t.confidence == Confidence::High)
            && self.inputs.iter().all(|i| i.choice.confidence >= Confidence::Medium)
            && self.doubts.is_empty()
    }

    /// Whether the diagnosis may run on its own in `environment`: on staging whenever a
    /// tool was chosen; on production only when [`Self::is_sure`]. The error says why
    /// not, for the person who must decide.
    pub fn may_run(&self, environment: Environment) -> Result<(), String> {
        let Some(tool) = &self.tool else {
            return Err("no diagnostic fits this ticket with enough confidence".into());
        };
        if environment == Environment::Production && !self.is_sure() {
            let mut why = vec![format!("the choice of `{}` is {:?}", tool.value, tool.confidence).to_lowercase()];
            why.extend(self.doubts.iter().cloned());
            return Err(format!(
                "not run on production without a person's confirmation: {}",
                why.join("; ")
            ));
        }
        Ok(())
    }
}
