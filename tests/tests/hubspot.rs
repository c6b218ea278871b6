//! The HubSpot client against a fake HubSpot on loopback (`cdt_tests::fake_hubspot`):
//! tickets with their company and contacts, the ticket cache, OAuth refreshes before
//! expiry (never because of a 401) by one request at a time, notes (association type
//! looked up, body escaped and capped), stage moves by name, 429 and `Retry-After`,
//! typed errors, redirects refused, secrets kept out of every message, and both path
//! styles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cdt_connectors::hubspot::model::{NOTE_BODY_MAX_CHARS, TRUNCATED_MARKER};
use cdt_connectors::hubspot::oauth::{FileTokenStore, MemoryTokenStore, OAuthClient, StoreKey, TokenStore};
use cdt_connectors::hubspot::{ApiVersion, Credentials, HubSpot, HubSpotOptions, HubSpotSettings, OAuthVersion};
use cdt_connectors::{CredentialManager, Error, RestErrorKind};
use cdt_core::Secret;
use cdt_tests::LogCapture;
use cdt_tests::fake_hubspot::{FakeContact, FakeHubSpot, FakeOptions, FakeTicket, Fault};

const CLIENT_SECRET: &str = "app-secret-SENTINEL-c1";
const PRIVATE_TOKEN: &str = "pat-na1-SENTINEL-p2";

fn fake_options() -> FakeOptions {
    FakeOptions {
        client_secret: CLIENT_SECRET.into(),
        ..FakeOptions::default()
    }
}

fn options(server: &FakeHubSpot) -> HubSpotOptions {
    let mut o = HubSpotOptions::new(&server.base_url);
    o.base_backoff = Duration::from_millis(10);
    o.max_requests = 1000;
    o
}

fn private(server: &FakeHubSpot, o: HubSpotOptions) -> HubSpot {
    server.add_private_token(PRIVATE_TOKEN);
    HubSpot::new(o, Credentials::PrivateApp(Secret::new(PRIVATE_TOKEN))).unwrap()
}

fn oauth(server: &FakeHubSpot, o: HubSpotOptions) -> (HubSpot, Arc<MemoryTokenStore>) {
    let store = Arc::new(MemoryTokenStore::new(Some(Secret::new(server.issue_refresh_token()))));
    let api = HubSpot::new(
        o,
        Credentials::OAuth {
            client_id: "cdt-app".into(),
            client_secret: Secret::new(CLIENT_SECRET),
            store: store.clone(),
        },
    )
    .unwrap();
    (api, store)
}

fn kind(e: &Error) -> Option<RestErrorKind> {
    match e {
        Error::HubSpot { kind, .. } => Some(*kind),
        _ => None,
    }
}

fn two_contacts() -> FakeTicket {
    let mut t = FakeTicket::sample("123");
    t.contacts.push(FakeContact {
        id: "52".into(),
        email: Some("homer@example.org".into()),
        first_name: Some("Homer".into()),
        last_name: None,
    });
    t
}

fn bare_ticket() -> FakeTicket {
    FakeTicket {
        subject: None,
        content: None,
        priority: None,
        company: None,
        contacts: Vec::new(),
        ..FakeTicket::sample("7")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_ticket_returns_properties_company_and_contacts() {
    let server = FakeHubSpot::start(fake_options(), vec![two_contacts(), bare_ticket()]).await;
    let api = private(&server, options(&server));
    let t = api.get_ticket("123").await.unwrap();
    assert_eq!(t.id, "123");
    assert_eq!(t.subject.as_deref(), Some("Parent can't see her son (123)"));
    assert_eq!(t.content.as_deref(), Some("Marge Simpson sees no student in the app."));
    assert_eq!(
        (t.pipeline_id.as_deref(), t.stage_id.as_deref(), t.priority.as_deref()),
        (Some("0"), Some("1"), Some("HIGH"))
    );
    let company = t.company.unwrap();
    assert_eq!(
        (company.id.as_str(), company.name.as_deref(), company.domain.as_deref()),
        ("9", Some("Springfield USD"), Some("springfield.k12.example"))
    );
    assert_eq!(t.contacts.len(), 2);
    assert_eq!(t.contacts[0].email.as_deref(), Some("marge@example.org"));
    assert_eq!(t.contacts[0].first_name.as_deref(), Some("Marge"));
    assert_eq!(t.contacts[1].last_name, None);
    assert_eq!(server.requests(), 4, "the ticket, its company and two contacts");
    let log = server.take_log();
    assert!(
        log[0].contains("properties=subject%2Ccontent%2Chs_pipeline%2Chs_pipeline_stage%2Chs_ticket_priority")
            && log[0].contains("associations=companies%2Ccontacts"),
        "{log:?}"
    );
    let bare = api.get_ticket("7").await.unwrap();
    assert_eq!((bare.subject, bare.company, bare.contacts.len()), (None, None, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_get_within_the_ttl_sends_no_request_and_one_after_it_does() {
    let server = FakeHubSpot::start(fake_options(), vec![FakeTicket::sample("123")]).await;
    let mut o = options(&server);
    o.ticket_cache_ttl = Duration::from_millis(400);
    let api = private(&server, o);
    let first = api.get_ticket("123").await.unwrap();
    let sent = server.requests();
    assert_eq!(api.get_ticket("123").await.unwrap(), first);
    assert_eq!(server.requests(), sent, "served from the cache");
    tokio::time::sleep(Duration::from_millis(450)).await;
    api.get_ticket("123").await.unwrap();
    assert_eq!(server.requests(), 2 * sent, "read again after the ttl");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_token_is_refreshed_before_it_expires_never_because_of_a_401() {
    let server = FakeHubSpot::start(
        FakeOptions {
            token_life: Duration::from_secs(2),
            ..fake_options()
        },
        vec![bare_ticket()],
    )
    .await;
    // A margin longer than the tokens' life: every call refreshes first, and succeeds.
    let mut o = options(&server);
    o.ticket_cache_ttl = Duration::ZERO;
    let (api, _) = oauth(&server, o.clone());
    for _ in 0..3 {
        api.get_ticket("7").await.unwrap();
    }
    assert_eq!(server.token_requests(), 3);
    assert_eq!(api.token_request_count(), 3);
    // A 1 s margin on 2 s tokens: kept for a second, refreshed while still valid.
    o.refresh_margin = Duration::from_secs(1);
    let (api, _) = oauth(&server, o);
    api.get_ticket("7").await.unwrap();
    api.get_ticket("7").await.unwrap();
    assert_eq!(api.token_request_count(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    api.get_ticket("7").await.unwrap();
    assert_eq!(api.token_request_count(), 2, "refreshed before the token expired");
    // The server refuses a token it should take: an error, not a refresh loop.
    let requests = server.requests();
    server.inject([Fault::Error(401, "INVALID_AUTHENTICATION")]);
    let e = api.get_ticket("7").await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::BadCredentials), "{e}");
    assert!(e.to_string().contains("cdt hubspot login"), "{e}");
    assert_eq!(api.token_request_count(), 2, "a 401 triggers no refresh");
    assert_eq!(server.requests(), requests + 1, "and no retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_refresh() {
    let server = FakeHubSpot::start(fake_options(), vec![bare_ticket()]).await;
    let mut o = options(&server);
    o.ticket_cache_ttl = Duration::ZERO;
    let (api, _) = oauth(&server, o);
    let all = futures_util::future::join_all((0..20).map(|_| api.get_ticket("7"))).await;
    assert!(all.iter().all(Result::is_ok));
    assert_eq!(server.token_requests(), 1, "one refresh for 20 concurrent calls");
    assert_eq!(server.requests(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_exchanged_once_and_rotated_refresh_tokens_are_stored_encrypted() {
    let server = FakeHubSpot::start(
        FakeOptions {
            rotate_refresh_tokens: true,
            ..fake_options()
        },
        vec![bare_ticket()],
    )
    .await;
    for version in [OAuthVersion::default(), OAuthVersion::V1] {
        let client = OAuthClient::new(
            &server.base_url,
            &version,
            "cdt-app",
            Secret::new(CLIENT_SECRET),
            Duration::from_secs(5),
        )
        .unwrap();
        let code = server.issue_code();
        let tokens = client
            .exchange_code(&code, "http://localhost:8976/oauth-callback")
            .await
            .unwrap();
        assert_eq!(tokens.expires_in, Duration::from_mins(30));
        assert!(server.refresh_token_valid(tokens.refresh_token.unwrap().expose()));
        let again = client
            .exchange_code(&code, "http://localhost:8976/oauth-callback")
            .await
            .unwrap_err();
        assert_eq!(kind(&again), Some(RestErrorKind::BadCredentials), "{again}");
        assert!(again.to_string().contains("BAD_AUTH_CODE"), "{again}");
    }
    let log = server.take_log();
    assert!(log.iter().any(|l| l == "POST /oauth/2026-03/token"), "{log:?}");
    assert!(log.iter().any(|l| l == "POST /oauth/v1/token"), "{log:?}");

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileTokenStore::new(
        &dir.path().join("hubspot.token"),
        StoreKey::parse(&Secret::new("11".repeat(32))).unwrap(),
        "env:CDT_HUBSPOT_TOKEN_KEY",
    ));
    let first = server.issue_refresh_token();
    store.save(&Secret::new(first.clone())).await.unwrap();
    let mut o = options(&server);
    o.ticket_cache_ttl = Duration::ZERO;
    let api = HubSpot::new(
        o,
        Credentials::OAuth {
            client_id: "cdt-app".into(),
            client_secret: Secret::new(CLIENT_SECRET),
            store: store.clone(),
        },
    )
    .unwrap();
    api.get_ticket("7").await.unwrap();
    let stored = store.load().await.unwrap().unwrap();
    assert_ne!(stored.expose(), first, "the rotated token replaced the old one");
    assert!(server.refresh_token_valid(stored.expose()));
    assert!(!server.refresh_token_valid(&first));
    let raw = std::fs::read(dir.path().join("hubspot.token")).unwrap();
    assert!(
        !String::from_utf8_lossy(&raw).contains(stored.expose()),
        "encrypted at rest"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_note_posts_one_note_associated_with_the_ticket_using_the_looked_up_type() {
    let server = FakeHubSpot::start(
        FakeOptions {
            note_type_id: 214,
            ..fake_options()
        },
        vec![FakeTicket::sample("123")],
    )
    .await;
    let api = private(&server, options(&server));
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
        .unwrap()
        .to_utc();
    let id = api.add_note("123", "<p>Diagnosis: ok</p>", at).await.unwrap();
    assert!(!id.is_empty());
    let notes = server.notes();
    assert_eq!(notes.len(), 1);
    let n = &notes[0];
    assert_eq!(n["properties"]["hs_timestamp"], "2026-12-03T12:00:00Z");
    assert_eq!(n["properties"]["hs_note_body"], "<p>Diagnosis: ok</p>");
    assert_eq!(n["associations"][0]["to"]["id"], "123");
    assert_eq!(n["associations"][0]["types"][0]["associationTypeId"], 214);
    assert_eq!(
        n["associations"][0]["types"][0]["associationCategory"],
        "HUBSPOT_DEFINED"
    );
    api.add_note("123", "<p>again</p>", at).await.unwrap();
    assert_eq!(server.notes().len(), 2);
    let labels = server.take_log().iter().filter(|l| l.contains("/labels")).count();
    assert_eq!(labels, 1, "the association type is looked up once");
    let e = api.add_note("999", "<p>x</p>", at).await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::BadRequest), "{e}");
    assert_eq!(server.notes().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn note_bodies_are_escaped_and_capped() {
    let server = FakeHubSpot::start(fake_options(), vec![FakeTicket::sample("123")]).await;
    let api = private(&server, options(&server));
    let at = chrono::Utc::now();
    api.add_text_note(
        "123",
        "Student <img src=x onerror=alert(1)> & \"Bart\"\nline 2\n\nO'Brien",
        at,
    )
    .await
    .unwrap();
    let body = server.notes()[0]["properties"]["hs_note_body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        body,
        "<p>Student &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Bart&quot;<br>line 2</p><p>O&#39;Brien</p>"
    );
    api.add_text_note("123", &"é<".repeat(50_000), at).await.unwrap();
    let long = server.notes()[1]["properties"]["hs_note_body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(long.chars().count() <= NOTE_BODY_MAX_CHARS, "{}", long.chars().count());
    assert!(long.chars().count() > NOTE_BODY_MAX_CHARS - 100);
    assert!(long.ends_with(TRUNCATED_MARKER));
    let text = long.replace("<p>", "").replace("</p>", "").replace("<br>", "");
    assert!(!text.contains('<') && !text.contains('>'), "only our own tags");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_ticket_stage_resolves_names_within_the_ticket_pipeline() {
    let server = FakeHubSpot::start(fake_options(), vec![FakeTicket::sample("123")]).await;
    let api = private(&server, options(&server));
    assert_eq!(api.get_ticket("123").await.unwrap().stage_id.as_deref(), Some("1"));
    let stage = api.update_ticket_stage("123", "  waiting ON contact ").await.unwrap();
    assert_eq!(stage.id, "2");
    assert_eq!(server.ticket_stage("123").as_deref(), Some("2"));
    let log = server.take_log();
    assert!(
        log.iter().any(|l| l == "PATCH /crm/objects/2026-03/tickets/123"),
        "{log:?}"
    );
    assert_eq!(
        api.get_ticket("123").await.unwrap().stage_id.as_deref(),
        Some("2"),
        "the cached ticket was forgotten"
    );
    // `Kick-off` is a stage of another pipeline: not this ticket's.
    let e = api.update_ticket_stage("123", "Kick-off").await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::UnknownName), "{e}");
    assert!(
        e.to_string()
            .contains("its stages are: New, Waiting on contact, Waiting on us, Closed"),
        "{e}"
    );
    assert!(!server.take_log().iter().any(|l| l.starts_with("PATCH")));
    assert_eq!(server.ticket_stage("123").as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_after_retry_after() {
    let server = FakeHubSpot::start(fake_options(), vec![bare_ticket()]).await;
    let api = private(&server, options(&server));
    server.rate_limit_next(2, 1);
    let started = Instant::now();
    api.get_ticket("7").await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(server.requests(), 3, "two 429s, then the answer");
    // A POST is retried on 429 too (the note was not created), exactly once created.
    server.inject([Fault::RateLimited(0)]);
    api.add_note("7", "<p>x</p>", chrono::Utc::now()).await.unwrap();
    assert_eq!(server.notes().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_side_rate_limit_spaces_requests() {
    let server = FakeHubSpot::start(fake_options(), vec![bare_ticket()]).await;
    let mut o = options(&server);
    o.max_requests = 2;
    o.rate_window = Duration::from_millis(500);
    o.ticket_cache_ttl = Duration::ZERO;
    let api = private(&server, o);
    let started = Instant::now();
    for _ in 0..3 {
        api.get_ticket("7").await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(480),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_error_category_is_a_clear_typed_error() {
    let server = FakeHubSpot::start(fake_options(), vec![bare_ticket()]).await;
    let mut o = options(&server);
    o.max_attempts = 2;
    let api = private(&server, o);
    let cases = [
        (
            401,
            "INVALID_AUTHENTICATION",
            RestErrorKind::BadCredentials,
            "cdt hubspot login",
        ),
        (403, "MISSING_SCOPES", RestErrorKind::Forbidden, "`tickets`"),
        (
            404,
            "OBJECT_NOT_FOUND",
            RestErrorKind::UnknownObject,
            "check the ticket id",
        ),
        (
            400,
            "VALIDATION_ERROR",
            RestErrorKind::BadRequest,
            "rejected the request",
        ),
    ];
    for (status, category, want, text) in cases {
        server.inject([Fault::Error(status, category)]);
        let e = api.get_ticket("7").await.unwrap_err();
        let msg = e.to_string();
        assert_eq!(kind(&e), Some(want), "{msg}");
        assert!(msg.contains(category) && msg.contains(text), "{msg}");
        assert!(msg.contains("a43683b0-5717-4ceb-80b4-104d02915d8c"), "{msg}");
        match &e {
            Error::HubSpot {
                status: s,
                correlation_id,
                ..
            } => {
                assert_eq!(*s, Some(status));
                assert!(correlation_id.is_some());
            }
            other => panic!("{other}"),
        }
    }
    let e = api.get_ticket("404404").await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::UnknownObject), "{e}");
    server.inject([Fault::RateLimited(0), Fault::RateLimited(0)]);
    let e = api.get_ticket("7").await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Unavailable), "{e}");
    assert!(e.to_string().contains("429"), "{e}");
    server.inject([Fault::NotJson, Fault::NotJson]);
    let e = api.get_ticket("7").await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Unavailable), "{e}");
    assert!(!e.to_string().contains("Bad Gateway</html>"), "{e}");
    let e = api.get_ticket("not-an-id").await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::BadRequest), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_refused() {
    let server = FakeHubSpot::start(fake_options(), vec![bare_ticket()]).await;
    let api = private(&server, options(&server));
    server.inject([Fault::Redirect]);
    let e = api.get_ticket("7").await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Redirect), "{e}");
    assert!(e.to_string().contains("127.0.0.1:9/elsewhere"), "{e}");
    assert_eq!(server.requests(), 1, "not followed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_secrets_never_appear_in_errors_debug_or_logs() {
    let logs = LogCapture::global();
    let server = FakeHubSpot::start(
        FakeOptions {
            client_secret: "the-real-secret".into(),
            ..fake_options()
        },
        vec![bare_ticket()],
    )
    .await;
    let mut errors = Vec::new();
    // A private token the server does not know: 401.
    let api = HubSpot::new(options(&server), Credentials::PrivateApp(Secret::new(PRIVATE_TOKEN))).unwrap();
    errors.push(api.get_ticket("7").await.unwrap_err());
    let debug_api = format!("{api:?}");
    // A client secret the token endpoint refuses.
    let (oauth_api, store) = oauth(&server, options(&server));
    errors.push(oauth_api.get_ticket("7").await.unwrap_err());
    let refresh = store.load().await.unwrap().unwrap();
    assert_eq!(kind(&errors[0]), Some(RestErrorKind::BadCredentials));
    assert_eq!(kind(&errors[1]), Some(RestErrorKind::BadCredentials));
    assert!(errors[1].to_string().contains("BAD_CLIENT_SECRET"), "{}", errors[1]);
    let mut texts = vec![debug_api, format!("{oauth_api:?}"), format!("{store:?}")];
    for e in errors {
        texts.push(e.to_string());
        texts.push(format!("{e:?}"));
        texts.push(cdt_core::Error::from(e).to_string());
    }
    texts.push(logs.text());
    for t in &texts {
        assert!(!t.contains("SENTINEL"), "a secret leaked: {t}");
        assert!(!t.contains(refresh.expose()), "a refresh token leaked: {t}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_api_versions_hit_their_paths() {
    let server = FakeHubSpot::start(fake_options(), vec![FakeTicket::sample("123")]).await;
    for (version, expect) in [
        (
            ApiVersion::default(),
            [
                "GET /crm/objects/2026-03/tickets/123?",
                "GET /crm/objects/2026-03/companies/9?",
                "GET /crm/objects/2026-03/contacts/51?",
                "GET /crm/associations/2026-03/notes/tickets/labels",
                "POST /crm/objects/2026-03/notes",
                "GET /crm/pipelines/2026-03/tickets",
                "PATCH /crm/objects/2026-03/tickets/123",
            ],
        ),
        (
            ApiVersion::V3,
            [
                "GET /crm/v3/objects/tickets/123?",
                "GET /crm/v3/objects/companies/9?",
                "GET /crm/v3/objects/contacts/51?",
                "GET /crm/v4/associations/notes/tickets/labels",
                "POST /crm/v3/objects/notes",
                "GET /crm/v3/pipelines/tickets",
                "PATCH /crm/v3/objects/tickets/123",
            ],
        ),
    ] {
        let mut o = options(&server);
        o.api_version = version.clone();
        let api = private(&server, o);
        api.get_ticket("123").await.unwrap();
        api.add_note("123", "<p>n</p>", chrono::Utc::now()).await.unwrap();
        api.update_ticket_stage("123", "Closed").await.unwrap();
        let log = server.take_log();
        for e in expect {
            assert!(log.iter().any(|l| l.starts_with(e)), "{version:?}: {e} not in {log:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_resolve_their_secret_references() {
    let server = FakeHubSpot::start(fake_options(), vec![bare_ticket()]).await;
    server.add_private_token(PRIVATE_TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(&env, format!("CDT_TEST_HUBSPOT_PAT={PRIVATE_TOKEN}\n")).unwrap();
    let creds = CredentialManager::new().with_dotenv(&env, false).unwrap();
    let settings: HubSpotSettings = serde_json::from_value(serde_json::json!({
        "api_base": server.base_url,
        "access_token": "env:CDT_TEST_HUBSPOT_PAT",
        "portal_id": "12345",
    }))
    .unwrap();
    let api = HubSpot::from_settings(&settings, &creds, None).await.unwrap();
    assert_eq!(api.get_ticket("7").await.unwrap().id, "7");
    assert_eq!(
        api.ticket_url("7").as_deref(),
        Some("https://app.hubspot.com/contacts/12345/record/0-5/7")
    );
    let none: HubSpotSettings = serde_json::from_value(serde_json::json!({"api_base": server.base_url})).unwrap();
    let e = HubSpot::from_settings(&none, &creds, None).await.unwrap_err();
    assert_eq!(kind(&e), Some(RestErrorKind::Settings), "{e}");
    let plain: HubSpotSettings = serde_json::from_value(
        serde_json::json!({"api_base": "http://api.example.org", "access_token": "env:CDT_TEST_HUBSPOT_PAT"}),
    )
    .unwrap();
    let e = HubSpot::from_settings(&plain, &creds, None).await.unwrap_err();
    assert!(e.to_string().contains("use https"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_refused_refresh_token_says_to_log_in() {
    let server = FakeHubSpot::start(fake_options(), vec![bare_ticket()]).await;
    for store in [
        MemoryTokenStore::new(None),
        MemoryTokenStore::new(Some(Secret::new("refresh-unknown"))),
    ] {
        let api = HubSpot::new(
            options(&server),
            Credentials::OAuth {
                client_id: "cdt-app".into(),
                client_secret: Secret::new(CLIENT_SECRET),
                store: Arc::new(store),
            },
        )
        .unwrap();
        let e = api.get_ticket("7").await.unwrap_err();
        assert_eq!(kind(&e), Some(RestErrorKind::BadCredentials), "{e}");
        assert!(e.to_string().contains("cdt hubspot login"), "{e}");
    }
    assert_eq!(server.requests(), 0, "no API request without a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_with_a_file_store_keyed_by_a_secret_reference() {
    let server = FakeHubSpot::start(
        FakeOptions {
            rotate_refresh_tokens: true,
            ..fake_options()
        },
        vec![bare_ticket()],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    let first = server.issue_refresh_token();
    std::fs::write(
        &env,
        format!(
            "CDT_TEST_HS_SECRET={CLIENT_SECRET}\nCDT_TEST_HS_REFRESH={first}\nCDT_TEST_HS_KEY={}\n",
            "ab".repeat(32)
        ),
    )
    .unwrap();
    let creds = CredentialManager::new().with_dotenv(&env, false).unwrap();
    let settings: HubSpotSettings = serde_json::from_value(serde_json::json!({
        "api_base": server.base_url,
        "client_id": "cdt-app",
        "client_secret": "env:CDT_TEST_HS_SECRET",
        "refresh_token": "env:CDT_TEST_HS_REFRESH",
    }))
    .unwrap();
    let path = dir.path().join("hubspot.token");
    let key = cdt_core::SecretRef::parse("env:CDT_TEST_HS_KEY").unwrap();
    let store = Arc::new(FileTokenStore::from_reference(&path, &creds, &key).await.unwrap());
    let api = HubSpot::from_settings(&settings, &creds, Some(store.clone()))
        .await
        .unwrap();
    api.get_ticket("7").await.unwrap();
    let stored = store.load().await.unwrap().unwrap();
    assert_ne!(stored.expose(), first);
    assert!(server.refresh_token_valid(stored.expose()));
    // A second run starts from the stored (rotated) token, not the settings' one.
    let again = HubSpot::from_settings(&settings, &creds, Some(store.clone()))
        .await
        .unwrap();
    again.get_ticket("7").await.unwrap();
    assert!(server.refresh_token_valid(store.load().await.unwrap().unwrap().expose()));
}
