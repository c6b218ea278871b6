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

pub use classify::{CUES, ELSEWHERE, PLUGIN_PHRASE_WEIGHT, ToolCues};
pub use customer::{CustomerCard, pick_customer};
pub use directory::{ClassEntry, Directory, Kind, Person, School, within_one_edit};
pub use text::{EmailAt, Gap, MAX_TEXT_BYTES, Region, Text, Word};
pub use understand::{tool_scores, understand, understand_for};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::{InputKind, InputSpec, ToolSpec};

    fn ticket(subject: &str, content: &str, contact: Option<&str>) -> TicketText {
        TicketText {
            subject: subject.into(),
            content: content.into(),
            contact_email: contact.map(str::to_owned),
            ..TicketText::default()
        }
    }

    fn plugin() -> ToolSpec {
        ToolSpec {
            id: "guardians-without-students".into(),
            title: "Guardians without students".into(),
            description: String::new(),
            inputs: vec![InputSpec::required("parent_email", InputKind::Email, "the email")],
            triage_phrases: vec!["guardian without students".into(), "sees no student at all".into()],
        }
    }

    /// A table of tickets and the tool each must get (`None`: none fits), with the
    /// built-in tools and one plugin that declares its phrases.
    #[test]
    fn tools_and_plugins_are_chosen_by_their_phrases() {
        let dir = Directory::default();
        let tools = vec![plugin()];
        for (subject, content, want) in [
            (
                "Guardian without students",
                "My account sees no student at all since Monday. a.b@home.example",
                Some("guardians-without-students"),
            ),
            ("Invoice", "Please send the invoice for the renewal.", None),
        ] {
            let u = understand_for(&ticket(subject, content, None), &dir, &tools);
            assert_eq!(u.tool_id(), want, "{subject}: {u:?}");
        }
        // Only the tools given are chosen: the built-in ones are not in `tools` here.
        let u = understand_for(
            &ticket("can't see my son", "I can't see my son Leo, he is not linked", None),
            &dir,
            &tools,
        );
        assert_eq!(u.tool_id(), None, "{u:?}");
    }

    #[test]
    fn a_plugins_inputs_are_filled_by_their_names() {
        let u = understand_for(
            &ticket(
                "guardian without students",
                "Hello, the app sees no student at all for me.",
                Some("dana.k@home.example"),
            ),
            &Directory::default(),
            &[plugin()],
        );
        assert_eq!(u.tool_id(), Some("guardians-without-students"));
        assert_eq!(u.inputs().get("parent_email"), Some("dana.k@home.example"));
        assert!(!u.inputs[0].in_roster, "an email the district does not have is said so");
        assert!(!u.is_sure());
        assert!(u.may_run(crate::customer::Environment::Production).is_err());
        assert!(u.may_run(crate::customer::Environment::Staging).is_ok());
    }

    #[test]
    fn a_customer_is_picked_by_company_alias_or_text_and_otherwise_not() {
        let cards = vec![
            CustomerCard {
                id: "river".into(),
                name: "Riverside Unified School District".into(),
                aliases: vec!["RUSD".into()],
                company_ids: vec!["77".into()],
                active: true,
            },
            CustomerCard {
                id: "lake".into(),
                name: "Lakeside Schools".into(),
                aliases: Vec::new(),
                company_ids: Vec::new(),
                active: true,
            },
        ];
        let pick = |t: TicketText| pick_customer(&t, &cards).map(|c| (c.value, c.confidence));
        let mut t = ticket("help", "a parent can't see her son", None);
        assert_eq!(pick(t.clone()), None);
        t.company_id = Some("77".into());
        assert_eq!(pick(t.clone()), Some(("river".into(), Confidence::High)));
        let t = ticket("help", "We are at RUSD and a parent can't see her son", None);
        assert_eq!(pick(t), Some(("river".into(), Confidence::High)));
        let mut t = ticket("help", "hello", None);
        t.company_name = Some("lakeside schools".into());
        assert_eq!(pick(t), Some(("lake".into(), Confidence::High)));
    }
}
