//! HubSpot's JSON answers, read defensively: every property may be null, missing or
//! of another type, and a body that is not JSON (or is cut short) is a clear
//! [`Error`], never a panic. Also the note body helpers: [`html_escape`],
//! [`note_body_from_text`] and [`cap_note_body`].

use serde_json::Value;

use crate::error::{Error, RestErrorKind, Result};

/// The most characters HubSpot keeps in a note's `hs_note_body`.
pub const NOTE_BODY_MAX_CHARS: usize = 65_536;

/// What ends a note body that was cut to [`NOTE_BODY_MAX_CHARS`].
pub const TRUNCATED_MARKER: &str = "<p>[truncated]</p>";

/// A HubSpot ticket with its company and contacts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ticket {
    /// The ticket id (`hs_object_id`).
    pub id: String,
    /// `subject`.
    pub subject: Option<String>,
    /// `content`: the ticket's description.
    pub content: Option<String>,
    /// `hs_pipeline`: the pipeline id.
    pub pipeline_id: Option<String>,
    /// `hs_pipeline_stage`: the stage id.
    pub stage_id: Option<String>,
    /// `hs_ticket_priority`: `LOW`, `MEDIUM`, `HIGH`, …
    pub priority: Option<String>,
    /// `createdAt`, as sent.
    pub created_at: Option<String>,
    /// `updatedAt`, as sent.
    pub updated_at: Option<String>,
    /// The associated company (the first one HubSpot lists).
    pub company: Option<Company>,
    /// The associated contacts.
    pub contacts: Vec<Contact>,
}

/// A HubSpot company.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Company {
    /// The company id.
    pub id: String,
    /// `name`: for a school district, the district's name.
    pub name: Option<String>,
    /// `domain`.
    pub domain: Option<String>,
}

/// A HubSpot contact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// The contact id.
    pub id: String,
    /// `email`.
    pub email: Option<String>,
    /// `firstname`.
    pub first_name: Option<String>,
    /// `lastname`.
    pub last_name: Option<String>,
}

/// A ticket pipeline and its stages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pipeline {
    /// The pipeline id (`0` for the default support pipeline).
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its stages, in order.
    pub stages: Vec<Stage>,
}

/// A pipeline stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stage {
    /// The stage id, what `hs_pipeline_stage` holds.
    pub id: String,
    /// Its label, what people call it (`Waiting on contact`).
    pub label: String,
}

/// An association type between two object types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationLabel {
    /// `HUBSPOT_DEFINED`, `USER_DEFINED` or `INTEGRATOR_DEFINED`.
    pub category: String,
    /// The association type id to send.
    pub type_id: u32,
    /// The label, `None` for the unlabeled (default) type.
    pub label: Option<String>,
}

/// What the OAuth token endpoint answered.
#[derive(Clone, Debug)]
pub struct Tokens {
    /// The access token (a bearer token).
    pub access_token: cdt_core::Secret,
    /// The refresh token, when one came (it may be a new one: store it).
    pub refresh_token: Option<cdt_core::Secret>,
    /// How long the access token lives.
    pub expires_in: std::time::Duration,
}

/// One entry of an error body's `errors`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorDetail {
    /// `message`, cleaned.
    pub message: Option<String>,
    /// `in`: the field at fault.
    pub field: Option<String>,
    /// `code`.
    pub code: Option<String>,
}

/// HubSpot's error body; every field is optional and cleaned for a message (no
/// control characters, at most 200 characters each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `status` (`error`; the OAuth endpoint sends codes such as `BAD_REFRESH_TOKEN`).
    pub status: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `category`: `INVALID_AUTHENTICATION`, `MISSING_SCOPES`, `OBJECT_NOT_FOUND`,
    /// `VALIDATION_ERROR`, `RATE_LIMITS`, …
    pub category: Option<String>,
    /// `subCategory`.
    pub sub_category: Option<String>,
    /// `correlationId`.
    pub correlation_id: Option<String>,
    /// `errors`.
    pub errors: Vec<ErrorDetail>,
    /// The scopes a `MISSING_SCOPES` answer names (`errors[].context.requiredGranularScopes`).
    pub required_scopes: Vec<String>,
}

/// Outside text made safe for a message: no control characters, at most 200
/// characters.
pub(crate) fn clean(s: &str) -> String {
    cdt_core::text::one_line(s).chars().take(200).collect()
}

pub(crate) fn malformed(message: String) -> Error {
    Error::HubSpot {
        request: "answer".into(),
        status: None,
        kind: RestErrorKind::Malformed,
        correlation_id: None,
        message,
    }
}

/// The body as JSON, or why not (cut short, or not JSON).
fn json(body: &[u8], what: &str) -> Result<Value> {
    serde_json::from_slice::<Value>(body).map_err(|e| {
        malformed(if e.is_eof() {
            format!("the {what} is truncated JSON ({} bytes)", body.len())
        } else {
            format!("the {what} is not JSON ({} bytes)", body.len())
        })
    })
}

/// A string, or a number written as one; `None` for null, missing, empty or other.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An id: a non-empty string or a number.
fn id_of(v: &Value, key: &str) -> Option<String> {
    text(v.get(key)).filter(|s| s.len() <= 64)
}

fn property(v: &Value, name: &str) -> Option<String> {
    text(v.get("properties").and_then(|p| p.get(name)))
}

/// The ids of one kind of association (`associations.companies.results[].id`, or
/// `toObjectId`), each once, in order.
fn associated(v: &Value, kind: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let results = v
        .get("associations")
        .and_then(|a| a.get(kind))
        .and_then(|k| k.get("results"))
        .and_then(Value::as_array);
    for r in results.into_iter().flatten() {
        if let Some(id) = id_of(r, "id").or_else(|| id_of(r, "toObjectId"))
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

/// Reads a ticket answer (`GET …/tickets/{id}`): its properties, and its company and
/// contacts with their ids only (their names come from their own requests).
pub fn parse_ticket(body: &[u8]) -> Result<Ticket> {
    let v = json(body, "ticket")?;
    let id = id_of(&v, "id").ok_or_else(|| malformed("the ticket has no `id`".into()))?;
    Ok(Ticket {
        id,
        subject: property(&v, "subject"),
        content: property(&v, "content"),
        pipeline_id: property(&v, "hs_pipeline"),
        stage_id: property(&v, "hs_pipeline_stage"),
        priority: property(&v, "hs_ticket_priority"),
        created_at: text(v.get("createdAt")),
        updated_at: text(v.get("updatedAt")),
        company: associated(&v, "companies").into_iter().next().map(|id| Company {
            id,
            ..Company::default()
        }),
        contacts: associated(&v, "contacts")
            .into_iter()
            .map(|id| Contact {
                id,
                ..Contact::default()
            })
            .collect(),
    })
}

/// Reads a company answer (`GET …/companies/{id}`).
pub fn parse_company(body: &[u8]) -> Result<Company> {
    let v = json(body, "company")?;
    Ok(Company {
        id: id_of(&v, "id").ok_or_else(|| malformed("the company has no `id`".into()))?,
        name: property(&v, "name"),
        domain: property(&v, "domain"),
    })
}

/// Reads a contact answer (`GET …/contacts/{id}`).
pub fn parse_contact(body: &[u8]) -> Result<Contact> {
    let v = json(body, "contact")?;
    Ok(Contact {
        id: id_of(&v, "id").ok_or_else(|| malformed("the contact has no `id`".into()))?,
        email: property(&v, "email"),
        first_name: property(&v, "firstname"),
        last_name: property(&v, "lastname"),
    })
}

/// Reads the object id of a created object (`POST …/notes` answers the note).
pub fn parse_created_id(body: &[u8]) -> Result<String> {
    let v = json(body, "answer")?;
    id_of(&v, "id").ok_or_else(|| malformed("the answer has no `id`".into()))
}

/// Reads a pipelines answer (`GET …/pipelines/tickets`).
pub fn parse_pipelines(body: &[u8]) -> Result<Vec<Pipeline>> {
    let v = json(body, "pipelines answer")?;
    let results = v
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the pipelines answer has no `results` array".into()))?;
    Ok(results
        .iter()
        .filter_map(|p| {
            Some(Pipeline {
                id: id_of(p, "id")?,
                label: text(p.get("label")).unwrap_or_default(),
                stages: p
                    .get("stages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|s| {
                        Some(Stage {
                            id: id_of(s, "id")?,
                            label: text(s.get("label")).unwrap_or_default(),
                        })
                    })
                    .collect(),
            })
        })
        .collect())
}

/// Reads an association labels answer (`GET …/associations/…/notes/tickets/labels`).
pub fn parse_association_labels(body: &[u8]) -> Result<Vec<AssociationLabel>> {
    let v = json(body, "association labels answer")?;
    let results = v
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the association labels answer has no `results` array".into()))?;
    Ok(results
        .iter()
        .filter_map(|r| {
            let type_id = r.get("typeId").and_then(Value::as_u64)?;
            Some(AssociationLabel {
                category: text(r.get("category")).unwrap_or_default(),
                type_id: u32::try_from(type_id).ok()?,
                label: text(r.get("label")),
            })
        })
        .collect())
}

/// The default (unlabeled, HubSpot-defined) association type among `labels`.
#[must_use]
pub fn default_association_type(labels: &[AssociationLabel]) -> Option<u32> {
    labels
        .iter()
        .find(|l| l.category.eq_ignore_ascii_case("HUBSPOT_DEFINED") && l.label.is_none())
        .map(|l| l.type_id)
}

/// Reads the OAuth token endpoint's answer.
pub fn parse_token_response(body: &[u8]) -> Result<Tokens> {
    let v = json(body, "token answer")?;
    let access =
        text(v.get("access_token")).ok_or_else(|| malformed("the token answer has no `access_token`".into()))?;
    if let Some(t) = text(v.get("token_type"))
        && !t.eq_ignore_ascii_case("bearer")
    {
        return Err(malformed(format!(
            "the token is of type `{}`, not a bearer token",
            clean(&t)
        )));
    }
    let expires_in = v
        .get("expires_in")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(std::time::Duration::from_mins(30), |s| {
            std::time::Duration::from_secs_f64(s.min(1e9))
        });
    Ok(Tokens {
        access_token: cdt_core::Secret::new(access),
        refresh_token: text(v.get("refresh_token")).map(cdt_core::Secret::new),
        expires_in,
    })
}

/// Reads an error body. A body that is not a JSON object (HTML from a proxy, a body
/// cut short) is an error saying so.
pub fn parse_error_body(body: &[u8]) -> Result<ErrorBody> {
    let v = json(body, "error body")?;
    if !v.is_object() {
        return Err(malformed("the error body is not a JSON object".into()));
    }
    let t = |key: &str| text(v.get(key)).map(|s| clean(&s)).filter(|s| !s.is_empty());
    let mut required_scopes = Vec::new();
    let errors = v
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(20)
        .map(|e| {
            let ctx = e.get("context");
            for key in ["requiredGranularScopes", "requiredScopes", "requiredAllScopes"] {
                for s in ctx
                    .and_then(|c| c.get(key))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .take(20)
                {
                    if let Some(s) = s.as_str().map(clean)
                        && !required_scopes.contains(&s)
                    {
                        required_scopes.push(s);
                    }
                }
            }
            ErrorDetail {
                message: text(e.get("message")).map(|s| clean(&s)),
                field: text(e.get("in")).map(|s| clean(&s)),
                code: text(e.get("code")).map(|s| clean(&s)),
            }
        })
        .collect();
    Ok(ErrorBody {
        status: t("status"),
        message: t("message"),
        category: t("category"),
        sub_category: t("subCategory"),
        correlation_id: t("correlationId"),
        errors,
        required_scopes,
    })
}

/// Escapes text for HTML: `& < > " '` (the one escaping of `cdt`, shared with
/// [`cdt_core::DiagnosticResult::to_hubspot_comment`]).
pub use cdt_core::result::escape_html as html_escape;

/// A note body from plain text: every character escaped, blank lines separating
/// `<p>` paragraphs, single line breaks as `<br>`. Text can never become markup.
#[must_use]
pub fn note_body_from_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, out: &mut String| {
        if !paragraph.is_empty() {
            out.push_str("<p>");
            let lines: Vec<String> = paragraph.iter().map(|l| html_escape(l)).collect();
            out.push_str(&lines.join("<br>"));
            out.push_str("</p>");
            paragraph.clear();
        }
    };
    for line in text.split('\n') {
        if line.trim().is_empty() {
            flush(&mut paragraph, &mut out);
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

/// `html` cut to [`NOTE_BODY_MAX_CHARS`] characters, on a character boundary and never
/// inside a tag or an entity, ending with [`TRUNCATED_MARKER`]; unchanged when it fits.
#[must_use]
pub fn cap_note_body(html: &str) -> String {
    if html.chars().count() <= NOTE_BODY_MAX_CHARS {
        return html.to_owned();
    }
    let keep = NOTE_BODY_MAX_CHARS - TRUNCATED_MARKER.chars().count();
    let end = html.char_indices().nth(keep).map_or(html.len(), |(i, _)| i);
    let mut head = &html[..end];
    // Never end inside a tag (`<p`) or an entity (`&am`).
    if let Some(lt) = head.rfind('<')
        && !head[lt..].contains('>')
    {
        head = &head[..lt];
    }
    if let Some(amp) = head.rfind('&')
        && !head[amp..].contains(';')
        && head.len() - amp <= 10
    {
        head = &head[..amp];
    }
    format!("{head}{TRUNCATED_MARKER}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKET: &[u8] = br#"{"id":"123","properties":{"subject":"Parent can't see her son","content":"Details",
        "hs_pipeline":"0","hs_pipeline_stage":"1","hs_ticket_priority":"HIGH"},"createdAt":"2026-12-01T10:00:00Z",
        "updatedAt":"2026-12-02T10:00:00Z","archived":false,"associations":{"companies":{"results":[
        {"id":"9","type":"ticket_to_company"},{"id":"9","type":"ticket_to_company_unlabeled"}]},
        "contacts":{"results":[{"id":"51","type":"ticket_to_contact"},{"id":52,"type":"ticket_to_contact"}]}}}"#;

    #[test]
    fn a_ticket_reads_with_its_associations() {
        let t = parse_ticket(TICKET).unwrap();
        assert_eq!(t.id, "123");
        assert_eq!(t.subject.as_deref(), Some("Parent can't see her son"));
        assert_eq!(t.pipeline_id.as_deref(), Some("0"));
        assert_eq!(t.stage_id.as_deref(), Some("1"));
        assert_eq!(t.priority.as_deref(), Some("HIGH"));
        assert_eq!(t.company.unwrap().id, "9");
        let ids: Vec<_> = t.contacts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["51", "52"]);
    }

    #[test]
    fn null_and_missing_properties_are_none() {
        let t = parse_ticket(br#"{"id":"5","properties":{"subject":null,"content":7,"hs_pipeline":[]}}"#).unwrap();
        assert_eq!(t.subject, None);
        assert_eq!(t.content.as_deref(), Some("7"));
        assert_eq!(t.pipeline_id, None);
        assert!(t.company.is_none() && t.contacts.is_empty());
        assert!(parse_ticket(br#"{"id":5}"#).is_ok());
        assert!(parse_ticket(br#"{"properties":{}}"#).is_err());
        assert!(parse_ticket(b"[]").is_err());
    }

    #[test]
    fn error_bodies_parse_and_bad_ones_are_clear_errors() {
        let b = parse_error_body(
            br#"{"status":"error","message":"Property values were not valid","errors":[{"message":"bad","in":"name","code":"INVALID"}],
            "category":"VALIDATION_ERROR","correlationId":"a43683b0-1","subCategory":"x"}"#,
        )
        .unwrap();
        assert_eq!(b.category.as_deref(), Some("VALIDATION_ERROR"));
        assert_eq!(b.correlation_id.as_deref(), Some("a43683b0-1"));
        assert_eq!(b.errors[0].field.as_deref(), Some("name"));
        let scopes = parse_error_body(
            br#"{"category":"MISSING_SCOPES","errors":[{"message":"m","context":{"requiredGranularScopes":["tickets"]}}]}"#,
        )
        .unwrap();
        assert_eq!(scopes.required_scopes, ["tickets"]);
        assert_eq!(parse_error_body(b"{}").unwrap(), ErrorBody::default());
        let cut = parse_error_body(br#"{"status":"error","mess"#).unwrap_err().to_string();
        assert!(cut.contains("truncated"), "{cut}");
        let html = parse_error_body(b"<html>502 Bad Gateway</html>")
            .unwrap_err()
            .to_string();
        assert!(html.contains("not JSON") && !html.contains("Bad Gateway"), "{html}");
        assert!(parse_error_body(b"[1]").is_err());
        assert!(parse_error_body(b"").is_err());
        let long = format!(r#"{{"message":"{}\u001b[2J"}}"#, "x".repeat(1000));
        let m = parse_error_body(long.as_bytes()).unwrap().message.unwrap();
        assert!(m.chars().count() <= 200 && !m.contains('\u{1b}'));
    }

    #[test]
    fn pipelines_labels_and_tokens_parse() {
        let p = parse_pipelines(br#"{"results":[{"id":"0","label":"Support Pipeline","stages":[{"id":"1","label":"New"},{"id":"4","label":"Closed"}]}]}"#).unwrap();
        assert_eq!(p[0].stages[1].label, "Closed");
        let l = parse_association_labels(
            br#"{"results":[{"category":"USER_DEFINED","typeId":30,"label":"Follow-up"},{"category":"HUBSPOT_DEFINED","typeId":228,"label":null}]}"#,
        )
        .unwrap();
        assert_eq!(default_association_type(&l), Some(228));
        assert_eq!(default_association_type(&l[..1]), None);
        let t = parse_token_response(
            br#"{"access_token":"a","refresh_token":"r","expires_in":1800,"token_type":"bearer"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token.expose(), "a");
        assert_eq!(t.expires_in, std::time::Duration::from_mins(30));
        assert!(parse_token_response(br#"{"access_token":"a","token_type":"mac"}"#).is_err());
        assert!(parse_token_response(br#"{"refresh_token":"r"}"#).is_err());
    }

    #[test]
    fn escaping_turns_markup_into_text() {
        assert_eq!(
            html_escape(r#"<script>alert("x&y's")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;"
        );
        assert_eq!(
            note_body_from_text("Hello <b>\r\nline two\n\n\nnext & last"),
            "<p>Hello &lt;b&gt;<br>line two</p><p>next &amp; last</p>"
        );
        assert_eq!(note_body_from_text(""), "");
    }

    #[test]
    fn long_bodies_are_capped_on_a_boundary_with_a_marker() {
        let short = "<p>ok</p>";
        assert_eq!(cap_note_body(short), short);
        let exact = "é".repeat(NOTE_BODY_MAX_CHARS);
        assert_eq!(cap_note_body(&exact), exact);
        let long = note_body_from_text(&"é<&".repeat(40_000));
        let capped = cap_note_body(&long);
        assert!(capped.chars().count() <= NOTE_BODY_MAX_CHARS);
        assert!(capped.ends_with(TRUNCATED_MARKER));
        let head = capped.strip_suffix(TRUNCATED_MARKER).unwrap();
        // No entity cut in half.
        let last_amp = head.rfind('&').unwrap();
        assert!(head[last_amp..].contains(';'), "{}", &head[last_amp..]);
        // Multi-byte characters everywhere: still a boundary.
        let wide = "😀".repeat(NOTE_BODY_MAX_CHARS + 5);
        assert!(cap_note_body(&wide).chars().count() <= NOTE_BODY_MAX_CHARS);
    }
}
