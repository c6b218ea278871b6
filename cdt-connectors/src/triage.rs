//! Triage: a ticket in, a diagnosis and the note to post out, in one call.
//!
//! [`triage`] picks the customer among the settings files, reads the district's
//! names through its source connector (a [`Directory`]), understands the ticket
//! against them ([`cdt_core::triage::understand`]), runs the chosen tool unless the
//! choice is unsure on production, and returns everything a caller shows or posts:
//! the choices with their reasons, the result, and the note ([`Triaged::note_html`]).
//! Every adapter (command line, Python, HTTP) makes this one call; fetching the ticket
//! and posting the note are the CRM client's.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use cdt_core::result::escape_html;
use cdt_core::text::one_line;
use cdt_core::triage::{Choice, Confidence, Directory, TicketText, Understanding, pick_customer, understand_for};
use cdt_core::{DiagnosticResult, Inputs, Registry, Result};
use serde::Serialize;

use crate::customers;
use crate::run::{RunOptions, Target, connect, run};

/// How a triage runs.
#[derive(Clone, Debug)]
pub struct TriageOptions {
    /// The folder of customer settings files.
    pub settings_dir: PathBuf,
    /// How the run is stamped (time, ticket id).
    pub run: RunOptions,
    /// The customer, when a person chose it (instead of the ticket's).
    pub customer: Option<String>,
    /// The tool, when a person chose it.
    pub tool: Option<String>,
    /// Inputs a person gave, replacing the ticket's.
    pub inputs: Inputs,
    /// A person confirmed the choices: run on production even when unsure.
    pub confirmed: bool,
    /// The environments the person may run diagnostics on (`None`: any). A ticket of
    /// a customer elsewhere is held, [`Triaged::not_permitted`] set.
    pub environments: Option<Vec<cdt_core::Environment>>,
}

/// What triage did with a ticket.
#[derive(Clone, Debug, Serialize)]
pub struct Triaged {
    /// The ticket's id in the CRM, when it came from there.
    pub ticket_id: Option<String>,
    /// The customer chosen, with why; `None` when no customer matches.
    pub customer: Option<Choice>,
    /// What the ticket asks for; `None` when no customer was settled.
    pub understanding: Option<Understanding>,
    /// The diagnosis, when it ran.
    pub result: Option<DiagnosticResult>,
    /// Why it did not run, for the person who must decide.
    pub held: Option<String>,
    /// It was held because the person may not run diagnostics on the customer's
    /// environment.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_permitted: bool,
}

/// Triage of one ticket.
///
/// # Errors
/// Settings that cannot be read, a source that cannot be read for the district's
/// names, or a diagnosis that fails.
pub async fn triage(
    ticket: &TicketText,
    ticket_id: Option<&str>,
    registry: &Registry,
    options: &TriageOptions,
) -> Result<Triaged> {
    let mut triaged = Triaged {
        ticket_id: ticket_id.map(str::to_owned),
        customer: None,
        understanding: None,
        result: None,
        held: None,
        not_permitted: false,
    };
    let ids = customers::list(&options.settings_dir)?;
    let customer = if let Some(id) = &options.customer {
        customers::load(&options.settings_dir, id)?;
        Some(Choice {
            value: id.clone(),
            confidence: Confidence::High,
            because: "given".into(),
            options: Vec::new(),
        })
    } else {
        let mut cards = Vec::with_capacity(ids.len());
        for id in &ids {
            cards.push(customers::load(&options.settings_dir, id)?.triage_card());
        }
        pick_customer(ticket, &cards)
    };
    triaged.customer.clone_from(&customer);
    let Some(customer) = customer.filter(|c| c.confidence >= Confidence::Medium || options.confirmed) else {
        triaged.held = Some(match &triaged.customer {
            Some(c) => format!("unsure which customer: {} or {}", c.value, c.options.join(", ")),
            None => "no customer matches the ticket's company or text: give one".into(),
        });
        return Ok(triaged);
    };
    let settings = Arc::new(customers::load(&options.settings_dir, &customer.value)?);
    if let Some(allowed) = &options.environments
        && !allowed.contains(&settings.bookmarked_environment)
    {
        triaged.held = Some(format!(
            "not permitted to run diagnostics on {} customers",
            settings.bookmarked_environment
        ));
        triaged.not_permitted = true;
        return Ok(triaged);
    }
    let target = Target::Settings(Arc::clone(&settings));
    let (connectors, _) = connect(&target, &options.run).await?;
    let roster = connectors.source.load().await?;
    let directory = Directory::from_roster(&roster);
    drop(roster);
    let specs: Vec<cdt_core::ToolSpec> = registry.tools().map(|t| t.spec().clone()).collect();
    let mut understanding = understand_for(ticket, &directory, &specs);
    if let Some(tool) = &options.tool {
        registry.get(tool)?;
        understanding.tool = Some(Choice {
            value: tool.clone(),
            confidence: Confidence::High,
            because: "given".into(),
            options: Vec::new(),
        });
    }
    let mut inputs = understanding.inputs();
    if !options.inputs.0.is_empty() {
        inputs = options.inputs.clone();
    }
    let environment = settings.bookmarked_environment;
    let may = if options.confirmed {
        Ok(())
    } else {
        understanding.may_run(environment)
    };
    triaged.understanding = Some(understanding.clone());
    if let Err(why) = may {
        triaged.held = Some(why);
        return Ok(triaged);
    }
    let Some(tool_id) = understanding.tool_id() else {
        triaged.held = Some("no diagnostic fits this ticket".into());
        return Ok(triaged);
    };
    let tool = registry.get(tool_id)?;
    let spec = tool.spec();
    let missing: Vec<&str> = spec
        .inputs
        .iter()
        .filter(|i| i.required && inputs.get(&i.name).is_none())
        .map(|i| i.name.as_str())
        .collect();
    if !missing.is_empty() {
        triaged.held = Some(format!("the ticket does not give {}", missing.join(", ")));
        return Ok(triaged);
    }
    let result = run(tool.as_ref(), &inputs, &target, &options.run).await?;
    triaged.result = Some(result);
    Ok(triaged)
}

/// HubSpot's limit on a note's body.
pub const NOTE_LIMIT: usize = 65_536;

impl Triaged {
    /// The note for the ticket, as HTML (every value escaped): what triage understood and
    /// why, the diagnosis ([`DiagnosticResult::to_hubspot_comment`]) and, as evidence,
    /// both sides' data of the case, shortened to fit HubSpot's limit. `None` when the
    /// diagnosis did not run.
    #[must_use]
    pub fn note_html(&self) -> Option<String> {
        let result = self.result.as_ref()?;
        let mut h = String::new();
        if let Some(u) = &self.understanding
            && let Some(tool) = &u.tool
        {
            let _ = write!(
                h,
                "<p><small>cdt triage read the ticket as <strong>{}</strong> ({:?} confidence: {})",
                escape_html(&tool.value),
                tool.confidence,
                escape_html(&tool.because)
            );
            for i in &u.inputs {
                let _ = write!(
                    h,
                    "; {} = {} ({})",
                    escape_html(&i.name),
                    escape_html(&i.choice.value),
                    escape_html(&i.choice.because)
                );
            }
            h.push_str("</small></p>");
        }
        h.push_str(&result.to_hubspot_comment());
        let budget = NOTE_LIMIT.saturating_sub(h.len() + 200);
        let evidence = evidence_html(result, budget);
        h.push_str(&evidence);
        Some(h)
    }

    /// A report for a terminal: the choices and why, then the result or why it did not
    /// run.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        if let Some(id) = &self.ticket_id {
            let _ = writeln!(t, "ticket: {}", one_line(id));
        }
        match &self.customer {
            Some(c) => {
                let _ = writeln!(
                    t,
                    "customer: {} ({:?}; {})",
                    one_line(&c.value),
                    c.confidence,
                    one_line(&c.because)
                );
            }
            None => t.push_str("customer: none matches\n"),
        }
        if let Some(u) = &self.understanding {
            match &u.tool {
                Some(tool) => {
                    let _ = writeln!(
                        t,
                        "tool: {} ({:?}; {})",
                        one_line(&tool.value),
                        tool.confidence,
                        one_line(&tool.because)
                    );
                    if !tool.options.is_empty() {
                        let _ = writeln!(t, "  or: {}", one_line(&tool.options.join(", ")));
                    }
                }
                None => t.push_str("tool: none fits\n"),
            }
            if !u.also.is_empty() {
                let _ = writeln!(t, "also described: {}", one_line(&u.also.join(", ")));
            }
            for i in &u.inputs {
                let known = if i.in_roster {
                    ""
                } else {
                    ", not in the district's data"
                };
                let _ = writeln!(
                    t,
                    "input {}: {} ({:?}{known}; {})",
                    one_line(&i.name),
                    one_line(&i.choice.value),
                    i.choice.confidence,
                    one_line(&i.choice.because)
                );
                for o in &i.choice.options {
                    let _ = writeln!(t, "  option: {}", one_line(o));
                }
            }
            for d in &u.doubts {
                let _ = writeln!(t, "doubt: {}", one_line(d));
            }
        }
        if let Some(why) = &self.held {
            let _ = writeln!(t, "\nnot run: {}", one_line(why));
        }
        if let Some(r) = &self.result {
            t.push('\n');
            t.push_str(&r.to_text());
        }
        t
    }
}

/// Both sides' data as escaped JSON, each side shortened to half the budget.
fn evidence_html(result: &DiagnosticResult, budget: usize) -> String {
    let mut h = String::from("<p><strong>Evidence</strong></p>");
    for (label, value) in [("SIS", &result.source_data), ("Bookmarked", &result.bookmarked_data)] {
        let json = serde_json::to_string_pretty(value).unwrap_or_default();
        let mut escaped = escape_html(&json);
        let half = budget / 2;
        if escaped.len() > half {
            let mut cut = half.saturating_sub(40);
            while cut > 0 && !escaped.is_char_boundary(cut) {
                cut -= 1;
            }
            // Never cut inside an entity.
            if let Some(amp) = escaped[..cut].rfind('&')
                && !escaped[amp..cut].contains(';')
            {
                cut = amp;
            }
            escaped.truncate(cut);
            escaped.push_str("\n[shortened: the full result is in cdt's run]");
        }
        let _ = write!(h, "<p>{label}</p><pre>{escaped}</pre>");
    }
    h
}

/// The ticket as triage reads it: subject, content, company, and the first contact
/// with an email (whoever wrote in).
#[cfg(feature = "hubspot")]
#[must_use]
pub fn ticket_text(ticket: &crate::hubspot::model::Ticket) -> TicketText {
    TicketText {
        subject: ticket.subject.clone().unwrap_or_default(),
        content: ticket.content.clone().unwrap_or_default(),
        company_id: ticket.company.as_ref().map(|c| c.id.clone()),
        company_name: ticket.company.as_ref().and_then(|c| c.name.clone()),
        contact_email: ticket.contacts.iter().find_map(|c| c.email.clone()),
        customer_property: None,
    }
}

/// Triage of a HubSpot ticket (an id or a link): fetched with `client`, then
/// [`triage`], the run stamped with the ticket's id.
///
/// # Errors
/// A ticket reference that is neither an id nor a ticket link, HubSpot's errors, and
/// those of [`triage`].
#[cfg(feature = "hubspot")]
pub async fn triage_hubspot(
    client: &crate::hubspot::HubSpot,
    ticket_ref: &str,
    registry: &Registry,
    options: &TriageOptions,
) -> Result<Triaged> {
    let id = crate::hubspot::parse_ticket_ref(ticket_ref)?;
    let ticket = client.get_ticket(&id).await?;
    let mut options = options.clone();
    options.run.hubspot_ticket_id = Some(id.clone());
    triage(&ticket_text(&ticket), Some(&id), registry, &options).await
}

/// What was done on the ticket.
#[cfg(feature = "hubspot")]
#[derive(Clone, Debug, Serialize)]
pub struct Posted {
    /// The note's id, when one was posted.
    pub note_id: Option<String>,
    /// The stage the ticket was moved to, as HubSpot names it.
    pub stage: Option<String>,
}

/// Posts the triage's note on its ticket (when `note`) and moves the ticket to the stage
/// named `stage` (resolved in the ticket's pipeline). Exactly one note per call.
///
/// # Errors
/// No ticket id, a note asked for when the diagnosis did not run, HubSpot's errors.
#[cfg(feature = "hubspot")]
pub async fn post(
    client: &crate::hubspot::HubSpot,
    triaged: &Triaged,
    note: bool,
    stage: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Posted> {
    let Some(id) = triaged.ticket_id.as_deref() else {
        return Err(cdt_core::Error::input(
            "ticket",
            "the triage did not come from a HubSpot ticket",
        ));
    };
    let mut posted = Posted {
        note_id: None,
        stage: None,
    };
    if note {
        let Some(html) = triaged.note_html() else {
            return Err(cdt_core::Error::input(
                "post",
                format!(
                    "nothing to post: the diagnosis did not run ({})",
                    triaged.held.as_deref().unwrap_or("no result")
                ),
            ));
        };
        posted.note_id = Some(client.add_note(id, &html, at).await?);
    }
    if let Some(name) = stage {
        posted.stage = Some(client.update_ticket_stage(id, name).await?.label);
    }
    Ok(posted)
}
