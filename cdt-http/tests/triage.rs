//! `POST /triage/{ticket}` against a fake HubSpot on loopback: the ticket's customer,
//! tool and inputs chosen, the diagnosis recorded in the history, exactly one note per
//! `post`; only for users with the `hubspot` permission, and only on the environments
//! they are permitted.

mod common;

use cdt_connectors::CredentialManager;
use cdt_store::{Permission, Role};
use cdt_tests::fake_hubspot::{FakeCompany, FakeContact, FakeHubSpot, FakeOptions, FakeTicket};
use common::{Service, call, root, settings, sqlite_store};

const TOKEN: &str = "pat-na1-service-triage-token-0123456789";

fn ximena_ticket(id: &str) -> FakeTicket {
    let t: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/tickets/002-ximena-mateo-not-linked.json")).unwrap(),
    )
    .unwrap();
    FakeTicket {
        id: id.to_owned(),
        subject: t["subject"].as_str().map(str::to_owned),
        content: t["content"].as_str().map(str::to_owned),
        pipeline: "0".into(),
        stage: "1".into(),
        priority: Some("MEDIUM".into()),
        company: Some(FakeCompany {
            id: "9001".into(),
            name: "Demo Unified School District".into(),
            domain: None,
        }),
        contacts: vec![FakeContact {
            id: format!("c{id}"),
            email: Some("ximena.huaman@andes-mail.example".into()),
            first_name: None,
            last_name: None,
        }],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_triaged_recorded_and_posted_once_by_permitted_users_only() {
    let fake = FakeHubSpot::start(FakeOptions::default(), vec![ximena_ticket("501")]).await;
    fake.add_private_token(TOKEN);
    let settings = settings();
    let hubspot_file = settings.path().join("_hubspot.json");
    std::fs::write(
        &hubspot_file,
        serde_json::json!({"api_base": fake.base_url, "access_token": "env:CDT_TEST_HUBSPOT_TOKEN"}).to_string(),
    )
    .unwrap();
    let dotenv = settings.path().join("test.env");
    std::fs::write(&dotenv, format!("CDT_TEST_HUBSPOT_TOKEN={TOKEN}\n")).unwrap();
    let creds = CredentialManager::new().with_dotenv(&dotenv, false).unwrap();
    let client = cdt_connectors::hubspot::file::client(&hubspot_file, &creds)
        .await
        .unwrap();
    let db = tempfile::tempdir().unwrap();
    let state = cdt_http::AppState::new(settings.path(), sqlite_store(db.path()).await)
        .unwrap()
        .with_hubspot(client);
    let s = Service::start(state).await;
    let triager = s
        .user("tia", Role::Support, &[Permission::Staging, Permission::Hubspot])
        .await;
    let no_hubspot = s.user("sam", Role::Support, &[Permission::Staging]).await;
    let prod_only = s
        .user("pat", Role::Support, &[Permission::Production, Permission::Hubspot])
        .await;
    let url = format!("{}/triage/501", s.base);

    let denied = call("POST", &url, Some(&no_hubspot), &[], Some("{}")).await;
    assert_eq!(denied.status, 403, "{}", denied.text);

    // Permitted on HubSpot but not on the customer's environment: held, nothing run.
    let held = call("POST", &url, Some(&prod_only), &[], Some(r#"{"post": true}"#)).await;
    assert_eq!(held.status, 403, "{}", held.text);
    assert!(
        held.json["detail"].as_str().unwrap().contains("staging"),
        "{}",
        held.text
    );
    assert!(fake.notes().is_empty(), "nothing posted for a held ticket");

    let a = call("POST", &url, Some(&triager), &[], Some("{}")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["customer"]["value"], "demo-district");
    assert_eq!(a.json["result"]["tool_id"], "student-mismatch");
    assert_eq!(a.json["result"]["status"], "ISSUE_IN_SOURCE");
    assert_eq!(a.json["result"]["hubspot_ticket_id"], "501");
    assert!(a.json["note_html"].as_str().unwrap().contains("Evidence"));
    assert!(fake.notes().is_empty(), "no post asked");
    let run_id = a.json["run_id"].as_str().unwrap();
    let run = call(
        "GET",
        &format!("{}/runs/{run_id}", s.base),
        Some(&no_hubspot),
        &[],
        None,
    )
    .await;
    assert_eq!(run.json["ticket"], "501");
    assert_eq!(run.json["status"], "ISSUE_IN_SOURCE");
    assert_eq!(run.json["environment"], "staging");

    let posted = call(
        "POST",
        &url,
        Some(&triager),
        &[],
        Some(r#"{"post": true, "stage": "waiting on us"}"#),
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    assert!(posted.json["posted"]["note_id"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(fake.notes().len(), 1, "exactly one note per post");
    assert_eq!(fake.ticket_stage("501").as_deref(), Some("3"));
    assert!(!posted.text.contains(TOKEN));

    let kinds: Vec<(String, String)> = s
        .store
        .events(20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event.kind, e.event.username.unwrap_or_default()))
        .collect();
    assert!(kinds.contains(&("denied".into(), "sam".into())), "{kinds:?}");
    assert!(kinds.contains(&("denied".into(), "pat".into())), "{kinds:?}");
}
