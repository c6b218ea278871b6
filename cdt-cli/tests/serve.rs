//! `cdt users` and `cdt serve` as a newcomer uses them: the first admin with a
//! generated password, a token printed once, the service started as a process on the
//! demo district and called with that token, a disabled user refused at once, and a
//! graceful stop on SIGTERM.

mod common;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{root, stderr, stdout};

fn users(db: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdt"))
        .arg("users")
        .args(args)
        .env("CDT_DATABASE_URL", db)
        .env_remove("CDT_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn get(addr: &str, path: &str, token: &str, body: Option<&str>) -> String {
    let (method, body) = body.map_or(("GET", ""), |b| ("POST", b));
    cdt_tests::http::request(addr, "localhost", Some(token), method, path, body)
}

#[test]
fn the_first_admin_a_token_and_the_service_on_the_demo_district() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("service.sqlite").display());

    let out = users(&db, &["add", "ada", "--role", "admin"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("added ada (admin; staging, production, configuration, hubspot)"),
        "{text}"
    );
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap();
    assert_eq!(password.len(), 24);

    let out = users(
        &db,
        &["add", "sam", "--role", "support", "--password-stdin"],
        Some("sam's long password\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("password"), "a given password is not printed");
    let out = users(&db, &["add", "sam", "--role", "support"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    let out = users(&db, &["add", "eve", "--role", "root"], None);
    assert!(stderr(&out).contains("admin, support, viewer"), "{}", stderr(&out));

    let out = users(&db, &["token", "sam", "--name", "notebook"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("cdt_"), "{token}");
    let listed = stdout(&users(&db, &["list"], None));
    assert!(
        listed.contains("ada") && listed.contains("sam") && !listed.contains(&token),
        "{listed}"
    );
    let tokens = stdout(&users(&db, &["tokens", "sam"], None));
    assert!(tokens.contains("notebook") && !tokens.contains(&token), "{tokens}");

    // The service, as a process, on the repository's demo settings.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_cdt"))
        .args(["serve", "--addr", &addr])
        .current_dir(root())
        .env("CDT_DATABASE_URL", &db)
        .env_remove("CDT_SETTINGS_DIR")
        .env_remove("CDT_PLUGINS_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..600 {
        if TcpStream::connect(&addr).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(up, "cdt serve did not start listening");
    let tools = get(&addr, "/tools", &token, None);
    assert!(
        tools.starts_with("HTTP/1.1 200") && tools.contains("student-mismatch"),
        "{tools}"
    );
    let body =
        r#"{"inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}}"#;
    let run = get(
        &addr,
        "/customers/demo-district/tools/student-mismatch/run",
        &token,
        Some(body),
    );
    assert!(
        run.starts_with("HTTP/1.1 200") && run.contains("ISSUE_IN_SOURCE"),
        "{run}"
    );

    // Disabled from the command line: refused by the running service at once.
    assert!(users(&db, &["disable", "sam"], None).status.success());
    let refused = get(&addr, "/tools", &token, None);
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let events = stdout(&users(&db, &["events"], None));
    assert!(events.contains("auth-failed"), "{events}");

    // SIGTERM: a graceful stop, exit 0.
    let pid = server.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.wait().unwrap();
    let mut log = String::new();
    server.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(status.success(), "{status:?}: {log}");
    assert!(!log.contains(password) && !log.contains(&token), "no secret in the log");
}

fn run_as(db: &str, user: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdt"));
    cmd.current_dir(root())
        .args(["run", "student-mismatch", "--customer", "demo-district"])
        .args(["-i", "parent_email=ximena.huaman@andes-mail.example"])
        .args(["-i", "student_name=mateo quispe huaman"])
        .env("CDT_DATABASE_URL", db)
        .env_remove("CDT_AS_USER")
        .env_remove("CDT_LOG");
    if let Some(u) = user {
        cmd.args(["--as", u]);
    }
    cmd.output().unwrap()
}

#[test]
fn a_command_line_run_as_a_service_user_shares_their_platform_query_budget() {
    use cdt_core::QueryBudget as _;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("service.sqlite").display());
    let out = users(&db, &["add", "sam", "--role", "support"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    // One run: one platform query taken from sam's budget.
    let out = run_as(&db, Some("sam"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let spent = rt.block_on(async {
        let store = cdt_store::Store::open(&db).await.unwrap();
        let sam = store.user_by_name("sam").await.unwrap().unwrap();
        let budget = cdt_store::budget::UserBudget::new(store, sam.id);
        let mut left = 0;
        while budget.take().await.is_ok() {
            left += 1;
        }
        left
    });
    assert_eq!(spent, 99, "the command line's run took one query");
    // Spent: the next run as sam is refused before reading anything.
    let out = run_as(&db, Some("sam"));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("at most 100 platform queries a minute per user"),
        "{}",
        stderr(&out)
    );
    let out = run_as(&db, Some("nobody"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no user `nobody`"), "{}", stderr(&out));
    // Without --as the command line counts nothing.
    assert_eq!(run_as(&db, None).status.code(), Some(1));
}
