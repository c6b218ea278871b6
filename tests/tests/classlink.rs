//! ClassLink as a SIS source, against the fake OneRoster server serving ClassLink's
//! proxy (`cdt_tests::fake_oneroster`): customer files of both routes, a refused
//! proxy token, the proxy's discovery answers, and secrets kept out of every error,
//! `Debug` output and log line. (That every demo case agrees over both routes is in
//! `sources_agree.rs`.)

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cdt_connectors::classlink::{self, Application};
use cdt_connectors::{CredentialManager, Error, OneRosterCsv, RestErrorKind};
use cdt_core::{Customer, Roster, Secret, SourceConnector};
use cdt_tests::fake_oneroster::FakeOneRoster;
use cdt_tests::{LogCapture, root};

const KEY: &str = "cl-client";
const SECRET: &str = "cl-s3cret-Value+/=";
const TOKEN: &str = "cl-proxy-token-8b1d2f";
const WRONG_TOKEN: &str = "cl-wrong-token-77e0a3";

fn demo_roster() -> Roster {
    OneRosterCsv::new(root().join("demo/oneroster"))
        .read()
        .expect("demo bundle")
}

async fn server() -> FakeOneRoster {
    let server = FakeOneRoster::start(&demo_roster(), KEY, SECRET, Duration::from_mins(1), 1000).await;
    server.serve_classlink_proxy("57", TOKEN);
    server
}

/// A customer file with this `integration` section, in `dir`.
fn customer(dir: &Path, integration: &str) -> cdt_core::Result<Customer> {
    let path = dir.join("cl-district.json");
    let text = format!(
        r#"{{"customer_id": "cl-district", "customer_name": "ClassLink District", "active": true,
            "integration": {integration},
            "bookmarked_environment": "staging", "bookmarked_org_id": "bm-org-0001",
            "platform": {{"type": "embedded", "path": "platform.sqlite"}}}}"#
    );
    std::fs::write(&path, &text).unwrap();
    Customer::from_file_text(&path, &text)
}

fn creds(dir: &Path, token: &str) -> CredentialManager {
    let env = dir.join(".env");
    std::fs::write(&env, format!("CL_TOKEN={token}\nCL_SECRET={SECRET}\n")).unwrap();
    CredentialManager::new().with_dotenv(&env, false).unwrap()
}

fn proxy_customer(dir: &Path, server: &FakeOneRoster) -> Customer {
    customer(
        dir,
        &format!(
            r#"{{"type": "classlink", "route": "proxy", "application_id": "57",
                 "access_token": "env:CL_TOKEN", "proxy_base": "{}",
                 "limits": {{"max_requests_per_second": 1000, "max_retry_seconds": 1}}}}"#,
            server.base_url
        ),
    )
    .unwrap()
}

fn assert_no_secret(text: &str, what: &str) {
    for s in [TOKEN, WRONG_TOKEN, SECRET] {
        assert!(!text.contains(s), "{what} holds a secret: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_routes_of_a_customer_file_read_the_district() {
    let logs = LogCapture::global();
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let direct = customer(
        dir.path(),
        &format!(
            r#"{{"type": "classlink", "base_url": "{}", "client_id": "{KEY}", "client_secret": "env:CL_SECRET",
                 "oneroster_version": "1.1", "limits": {{"max_requests_per_second": 1000}}}}"#,
            server.base_url
        ),
    )
    .unwrap();
    let proxy = proxy_customer(dir.path(), &server);
    let orgs = demo_roster().orgs.len();
    for (c, route, auth) in [(&direct, "direct", "OAuth 1.0a"), (&proxy, "proxy", "bearer")] {
        let source = cdt_connectors::source_with(c, &creds(dir.path(), TOKEN)).unwrap();
        let said = source.test_connection().await.unwrap();
        assert!(said.contains(&format!("{orgs} orgs")) && said.contains(auth), "{said}");
        assert!(source.describe().contains("ClassLink") && source.describe().contains(route));
        assert_no_secret(&format!("{said} {}", source.describe()), route);
        let api = classlink::for_customer(c, &creds(dir.path(), TOKEN)).unwrap().unwrap();
        assert_no_secret(&format!("{api:?}"), "the client's Debug");
        // `cdt check` resolves the route's secret, and only it.
        let needed = cdt_connectors::preflight::needed_secrets(c, None);
        let want = if route == "proxy" {
            "env:CL_TOKEN"
        } else {
            "env:CL_SECRET"
        };
        assert_eq!(
            needed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [want],
            "{route}"
        );
    }
    assert_no_secret(&logs.text(), "the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_proxy_token_says_to_regenerate_it_in_classlink_console() {
    let logs = LogCapture::global();
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let c = proxy_customer(dir.path(), &server);
    let source: Arc<dyn SourceConnector> = cdt_connectors::source_with(&c, &creds(dir.path(), WRONG_TOKEN)).unwrap();
    let before = server.requests();
    let errors = [
        source.test_connection().await.unwrap_err(),
        source
            .fetch(&cdt_core::Lookup::default().email("someone@example.org"))
            .await
            .unwrap_err(),
    ];
    // A token that does not expire is never retried nor refreshed.
    assert_eq!(server.requests() - before, 2, "one request each");
    for e in &errors {
        let text = e.to_string();
        assert!(
            text.contains("401") && text.contains("ClassLink") && text.contains("regenerate"),
            "{text}"
        );
        assert!(text.contains("console"), "{text}");
        assert_no_secret(&text, "the error");
        assert_no_secret(&format!("{e:?}"), "the error's Debug");
    }
    // The connectors' own error, before it becomes the core's.
    let (opts, _) = classlink::rest_options(match &c.integration {
        cdt_core::customer::Integration::Classlink(s) => s,
        other => panic!("{other:?}"),
    })
    .unwrap();
    let api = cdt_connectors::oneroster_api::OneRosterApi::new(opts, Secret::new(WRONG_TOKEN)).unwrap();
    let e = api.load_all().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::OneRoster {
                kind: RestErrorKind::BadCredentials,
                status: Some(401),
                ..
            }
        ),
        "{e:?}"
    );
    assert_no_secret(&format!("{e} {e:?} {api:?}"), "the client error");
    assert_no_secret(&logs.text(), "the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classlink_settings_errors_name_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    for (integration, field) in [
        (
            r#"{"type": "classlink", "route": "proxy", "access_token": "env:CL_TOKEN"}"#,
            "integration.application_id",
        ),
        (
            r#"{"type": "classlink", "route": "proxy", "application_id": "57"}"#,
            "integration.access_token",
        ),
        (
            r#"{"type": "classlink", "base_url": "https://x.oneroster.com", "client_id": "k"}"#,
            "integration.client_secret",
        ),
        (
            r#"{"type": "classlink", "application_id": "57", "access_token": "env:CL_TOKEN"}"#,
            "integration.application_id",
        ),
    ] {
        let e = customer(dir.path(), integration).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("cl-district.json") && text.contains(&format!("`{field}`")),
            "{text}"
        );
        assert!(
            matches!(&e, cdt_core::Error::Config { field: Some(f), .. } if f == field),
            "{e:?}"
        );
    }
    // A token pasted where its reference belongs is refused, and not repeated.
    let e = customer(
        dir.path(),
        &format!(r#"{{"type": "classlink", "route": "proxy", "application_id": "57", "access_token": "{TOKEN}"}}"#),
    )
    .unwrap_err();
    assert!(e.to_string().contains("secret reference"), "{e}");
    assert_no_secret(&format!("{e} {e:?}"), "the settings error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_lists_what_a_token_reads_without_keeping_its_bearer() {
    let logs = LogCapture::global();
    let server = server().await;
    let apps = classlink::applications(&server.base_url, &Secret::new(TOKEN))
        .await
        .unwrap();
    assert_eq!(apps.len(), 2);
    assert_eq!(
        apps[0],
        Application {
            id: "1176".into(),
            tenant_name: "Demo USD".into(),
            tenant_id: "2".into(),
            application_id: "57".into(),
            name: "Bookmarked".into(),
            oneroster_application_id: "MoYPlyQWmG0%3D".into(),
        }
    );
    assert_eq!(apps[1].application_id, "58");
    assert_no_secret(
        &format!("{apps:?} {}", serde_json::to_string(&apps).unwrap()),
        "the applications",
    );
    // The direct route of an application: the Roster Server and its OAuth 1.0a client.
    let s = classlink::server(&server.base_url, &Secret::new(TOKEN), &apps[0].oneroster_application_id)
        .await
        .unwrap();
    assert_eq!(s.client_id, KEY);
    assert_eq!(s.endpoint_url, server.base_url);
    assert_eq!(s.client_secret.expose(), SECRET);
    assert_no_secret(&format!("{s:?}"), "the server's Debug");
    let e = classlink::server(&server.base_url, &Secret::new(TOKEN), "nope")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Application not found"), "{e}");
    // A wrong token: a 401 saying what to do, without the token.
    for e in [
        classlink::applications(&server.base_url, &Secret::new(WRONG_TOKEN))
            .await
            .unwrap_err(),
        classlink::server(&server.base_url, &Secret::new(WRONG_TOKEN), "MoYPlyQWmG0%3D")
            .await
            .unwrap_err(),
    ] {
        let text = e.to_string();
        assert!(
            text.contains("401") && text.contains("ClassLink") && text.contains("regenerate"),
            "{text}"
        );
        assert_no_secret(&format!("{text} {e:?}"), "the error");
    }
    // Plain http to another machine is refused before any request.
    let e = classlink::applications("http://classlink.example", &Secret::new(TOKEN))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
    assert_no_secret(&logs.text(), "the log");
}
