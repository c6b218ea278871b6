//! The readers of HubSpot answers on arbitrary bytes: tickets, companies, contacts,
//! created objects, pipelines, association labels, OAuth token answers and error
//! bodies; and the text helpers (ticket references, the OAuth redirect, note bodies).
//! They must never panic, and a note body must stay escaped and within HubSpot's cap.
#![no_main]

use cdt_connectors::hubspot::model::{
    NOTE_BODY_MAX_CHARS, cap_note_body, default_association_type, html_escape, note_body_from_text,
    parse_association_labels, parse_company, parse_contact, parse_created_id, parse_error_body, parse_pipelines,
    parse_ticket, parse_token_response,
};
use cdt_connectors::hubspot::{oauth, parse_ticket_ref};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_ticket(data);
    let _ = parse_company(data);
    let _ = parse_contact(data);
    let _ = parse_created_id(data);
    let _ = parse_pipelines(data);
    if let Ok(labels) = parse_association_labels(data) {
        let _ = default_association_type(&labels);
    }
    let _ = parse_token_response(data);
    let _ = parse_error_body(data);

    let text = String::from_utf8_lossy(data);
    let _ = parse_ticket_ref(&text);
    let _ = oauth::code_from_redirect(&text, "state");
    let escaped = html_escape(&text);
    assert!(!escaped.contains(['<', '>', '"', '\'']));
    let body = note_body_from_text(&text);
    let tags_removed = body.replace("<p>", "").replace("</p>", "").replace("<br>", "");
    assert!(!tags_removed.contains(['<', '>']));
    let capped = cap_note_body(&body);
    assert!(capped.chars().count() <= NOTE_BODY_MAX_CHARS);
    // Bodies past the cap (inputs starting with `~`, to keep the rest fast): the input
    // repeated until it crosses it, so that the cut falls anywhere in its markup.
    if data.first() == Some(&b'~') && !body.is_empty() && body.len() < 4096 {
        let long = body.repeat(NOTE_BODY_MAX_CHARS / body.chars().count() + 1);
        assert!(cap_note_body(&long).chars().count() <= NOTE_BODY_MAX_CHARS);
    }
});
