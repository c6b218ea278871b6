//! `cdt triage <ticket>` against a fake HubSpot on loopback: every demo case's ticket
//! (read from HubSpot, company and contact included) gets the case's tool, inputs and
//! status; `--post` posts exactly one note, associated with the ticket by the type
//! HubSpot lists; `--stage` moves the ticket by name; `cdt hubspot login` keeps the
//! refresh token encrypted and never prints it.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use cdt_tests::fake_hubspot::{FakeCompany, FakeContact, FakeHubSpot, FakeOptions, FakeTicket};
use common::{root, stderr, stdout};
use serde_json::Value;

const TOKEN: &str = "pat-na1-triage-test-token-0123456789";

fn cdt_with(args: &[String], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cdt"));
    c.args(args)
        .current_dir(root())
        .env_remove("CDT_SETTINGS_DIR")
        .env_remove("CDT_LOG")
        .env_remove("CDT_HUBSPOT_SETTINGS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn demo_tickets() -> Vec<(String, Value)> {
    let dir = root().join("tests/fixtures/tickets");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| serde_json::from_str::<Value>(&std::fs::read_to_string(&p).unwrap()).unwrap())
        .filter(|t| t["expect"]["demo_case"].is_u64())
        .enumerate()
        .map(|(i, t)| (format!("{}", 700 + i), t))
        .collect()
}

fn fake_ticket(id: &str, t: &Value) -> FakeTicket {
    FakeTicket {
        id: id.to_owned(),
        subject: t["subject"].as_str().map(str::to_owned),
        content: t["content"].as_str().map(str::to_owned),
        pipeline: "0".into(),
        stage: "1".into(),
        priority: Some("MEDIUM".into()),
        company: t["company"].as_str().map(|name| FakeCompany {
            id: "9001".into(),
            name: name.to_owned(),
            domain: None,
        }),
        contacts: t["contact_email"]
            .as_str()
            .map(|e| FakeContact {
                id: format!("c{id}"),
                email: Some(e.to_owned()),
                first_name: None,
                last_name: None,
            })
            .into_iter()
            .collect(),
    }
}

fn write_settings(dir: &Path, body: &Value) -> String {
    let path = dir.join("_hubspot.json");
    std::fs::write(&path, serde_json::to_string_pretty(body).unwrap()).unwrap();
    path.display().to_string()
}

fn same(name: &str, a: &str, b: &str) -> bool {
    if name.contains("email") {
        cdt_core::matching::same_email(a, b)
    } else {
        cdt_core::matching::same_text(a, b)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_case_ticket_from_hubspot_is_triaged_and_posted_once() {
    let tickets = demo_tickets();
    assert_eq!(tickets.len(), 34);
    let fake = FakeHubSpot::start(
        FakeOptions {
            note_type_id: 214,
            ..FakeOptions::default()
        },
        tickets.iter().map(|(id, t)| fake_ticket(id, t)).collect(),
    )
    .await;
    fake.add_private_token(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let settings = write_settings(
        dir.path(),
        &serde_json::json!({"api_base": fake.base_url, "access_token": "env:CDT_TEST_HUBSPOT_TOKEN"}),
    );
    let cases = common::demo_cases();
    for (n, (id, t)) in tickets.iter().enumerate() {
        // Some by id, some by the ticket's link.
        let reference = if n % 2 == 0 {
            id.clone()
        } else {
            format!("https://app.hubspot.com/contacts/4242/record/0-5/{id}")
        };
        let args = vec![
            "triage".into(),
            reference,
            "--post".into(),
            "--json".into(),
            "--hubspot-settings".into(),
            settings.clone(),
        ];
        let out = tokio::task::spawn_blocking(move || cdt_with(&args, &[("CDT_TEST_HUBSPOT_TOKEN", TOKEN)]))
            .await
            .unwrap();
        let json: Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("ticket {id}: {e}\n{}\n{}", stdout(&out), stderr(&out)));
        let case = &cases[usize::try_from(t["expect"]["demo_case"].as_u64().unwrap()).unwrap()];
        let result = &json["result"];
        assert_eq!(result["tool_id"], case.tool_id.as_str(), "ticket {id}");
        assert_eq!(result["status"], case.expected_status.as_str(), "ticket {id}");
        assert_eq!(result["hubspot_ticket_id"], id.as_str());
        for (k, v) in t["expect"]["inputs"].as_object().unwrap() {
            let got = result["inputs"][k].as_str().unwrap_or_default();
            assert!(
                same(k, got, v.as_str().unwrap()),
                "ticket {id}: {k} = {got}, expected {v}"
            );
        }
        assert_eq!(json["customer"]["value"], "demo-district", "ticket {id}");
        let note_id = json["posted"]["note_id"].as_str().unwrap();
        let notes = fake.notes();
        assert_eq!(notes.len(), n + 1, "exactly one note per --post");
        let last = notes.last().unwrap();
        assert_eq!(last["associations"][0]["to"]["id"], id.as_str());
        assert_eq!(last["associations"][0]["types"][0]["associationTypeId"], 214);
        let body = last["properties"]["hs_note_body"].as_str().unwrap();
        assert!(
            body.contains(&case.expected_status) && body.contains("Evidence"),
            "ticket {id}"
        );
        assert!(!note_id.is_empty());
        assert!(!stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_moves_by_name_and_nothing_is_posted_for_a_held_ticket() {
    let mut about_nothing = FakeTicket::sample("81");
    about_nothing.subject = Some("Invoice for next year".into());
    about_nothing.content = Some("Please send the invoice and renewal pricing.".into());
    about_nothing.company = Some(FakeCompany {
        id: "9001".into(),
        name: "Demo Unified School District".into(),
        domain: None,
    });
    let (_, first) = demo_tickets().into_iter().next().unwrap();
    let fake = FakeHubSpot::start(FakeOptions::default(), vec![fake_ticket("80", &first), about_nothing]).await;
    fake.add_private_token(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let settings = write_settings(
        dir.path(),
        &serde_json::json!({"api_base": fake.base_url, "access_token": "env:CDT_TEST_HUBSPOT_TOKEN"}),
    );
    let run = |ticket: &str, extra: &[&str]| {
        let mut args: Vec<String> = vec![
            "triage".into(),
            ticket.into(),
            "--hubspot-settings".into(),
            settings.clone(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        tokio::task::spawn_blocking(move || cdt_with(&args, &[("CDT_TEST_HUBSPOT_TOKEN", TOKEN)]))
    };
    let out = run("80", &["--stage", "waiting on us"]).await.unwrap();
    assert!(
        stdout(&out).contains("moved the ticket to Waiting on us"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(fake.ticket_stage("80").as_deref(), Some("3"));
    assert!(fake.notes().is_empty(), "no --post, no note");

    let out = run("80", &["--stage", "Escalated"]).await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Waiting on contact"),
        "the valid stages are listed: {}",
        stderr(&out)
    );

    let out = run("81", &["--post"]).await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("nothing to post"), "{}", stderr(&out));
    assert!(fake.notes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubspot_login_keeps_the_refresh_token_encrypted_and_never_prints_it() {
    let fake = FakeHubSpot::start(FakeOptions::default(), vec![FakeTicket::sample("5")]).await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let key = "ab".repeat(32);
    let settings = write_settings(
        dir.path(),
        &serde_json::json!({
            "api_base": fake.base_url,
            "client_id": "cdt-app",
            "client_secret": "env:CDT_TEST_HS_SECRET",
            "redirect_port": port,
            "token_file": "hubspot.token",
            "token_key": "env:CDT_TEST_HS_KEY",
        }),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdt"))
        .args(["hubspot", "login", "--timeout", "60", "--hubspot-settings", &settings])
        .current_dir(root())
        .env("CDT_TEST_HS_SECRET", "app-secret")
        .env("CDT_TEST_HS_KEY", &key)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The URL is the first line on stdout; the browser would come back with its state.
    let mut stdout_pipe = std::io::BufReader::new(child.stdout.take().unwrap());
    let url = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout_pipe, &mut line).unwrap();
        line
    })
    .await
    .unwrap();
    assert!(url.starts_with("https://app.hubspot.com/oauth/authorize?"), "{url}");
    let state = url
        .trim()
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .unwrap()
        .to_owned();
    let code = fake.issue_code();
    let redirect = format!("http://127.0.0.1:{port}/oauth-callback?code={code}&state={state}");
    let answer = reqwest_get(&redirect).await;
    assert!(answer.contains("200"), "{answer}");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stored = std::fs::read(dir.path().join("hubspot.token")).unwrap();
    let printed = format!("{url}{}{}", stdout(&out), stderr(&out));
    // The refresh token the fake issued is valid and stored, encrypted: nothing of it
    // shows in the file or the output.
    let mut tokens_seen = 0;
    for t in fake_refresh_tokens(&fake) {
        tokens_seen += 1;
        assert!(!String::from_utf8_lossy(&stored).contains(&t));
        assert!(!printed.contains(&t));
    }
    assert!(tokens_seen >= 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("hubspot.token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // And triage reads tickets with it, refreshing from the stored token.
    let args = vec![
        "triage".to_owned(),
        "5".into(),
        "--hubspot-settings".into(),
        settings.clone(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        cdt_with(
            &args,
            &[("CDT_TEST_HS_SECRET", "app-secret"), ("CDT_TEST_HS_KEY", key.as_str())],
        )
    })
    .await
    .unwrap();
    assert!(stdout(&out).contains("ticket: 5"), "{}{}", stdout(&out), stderr(&out));
}

/// A plain HTTP GET on loopback, as the browser's redirect: the status line.
async fn reqwest_get(url: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn fake_refresh_tokens(fake: &FakeHubSpot) -> Vec<String> {
    fake.refresh_tokens()
}

/// The secret sentinel over HubSpot's slots: a private app's token (accepted: the
/// success path), an OAuth app's secret and refresh token (refused: the error path),
/// and a token file's key (not a key: refused), with TRACE logging on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_hubspot_secret_reaches_triage_output() {
    use cdt_tests::sentinel::{assert_clean, secret};
    let (_, first) = demo_tickets().into_iter().next().unwrap();
    let fake = FakeHubSpot::start(FakeOptions::default(), vec![fake_ticket("90", &first)]).await;
    let token = secret("hubspot-access-token");
    fake.add_private_token(&token);
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "private",
            serde_json::json!({"api_base": fake.base_url, "access_token": "env:CDT_S_TOKEN"}),
            true,
        ),
        (
            "oauth",
            serde_json::json!({"api_base": fake.base_url, "client_id": "cdt-app",
                "client_secret": "env:CDT_S_SECRET", "refresh_token": "env:CDT_S_REFRESH"}),
            false,
        ),
        (
            "key",
            serde_json::json!({"api_base": fake.base_url, "client_id": "cdt-app",
                "client_secret": "env:CDT_S_SECRET", "token_file": "t.token", "token_key": "env:CDT_S_KEY"}),
            false,
        ),
    ];
    for (name, body, succeeds) in cases {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).unwrap();
        let settings = write_settings(&sub, &body);
        let env = [
            ("CDT_S_TOKEN", token.clone()),
            ("CDT_S_SECRET", secret("hubspot-client-secret")),
            ("CDT_S_REFRESH", secret("hubspot-refresh-token")),
            ("CDT_S_KEY", secret("hubspot-token-key")),
            ("CDT_LOG", "trace".to_owned()),
        ];
        for json in [false, true] {
            let mut args = vec![
                "triage".to_owned(),
                "90".into(),
                "--hubspot-settings".into(),
                settings.clone(),
            ];
            if json {
                args.push("--json".into());
            }
            let env = env.clone();
            let out = tokio::task::spawn_blocking(move || {
                let refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let mut c = Command::new(env!("CARGO_BIN_EXE_cdt"));
                c.args(&args).current_dir(root()).env_remove("CDT_SETTINGS_DIR");
                for (k, v) in refs {
                    c.env(k, v);
                }
                c.output().unwrap()
            })
            .await
            .unwrap();
            let text = format!("{}{}", stdout(&out), stderr(&out));
            assert_clean(&text, &format!("cdt triage with {name} settings (json: {json})"));
            assert!(text.contains("TRACE") || text.contains("DEBUG"), "trace logging is on");
            if succeeds {
                assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {text}");
            } else {
                assert_eq!(out.status.code(), Some(2), "{name}: the error path: {text}");
            }
        }
    }
}
