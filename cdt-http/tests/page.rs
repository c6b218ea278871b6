//! The server-rendered page: in a real headless Chromium (`JavaScript` off) through
//! `ChromeDriver`, log in, run the demo student-mismatch case from the tool's form, read
//! the result; plus the page's refusals over plain HTTP. Screenshots are kept in
//! `target/tmp/page-screenshots/`.

mod common;

use std::path::PathBuf;

use cdt_store::runs::RunFilter;
use cdt_store::{Permission, Role};
use cdt_tests::browser::Browser;
use common::{Service, call, settings, sqlite_store};

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("page-screenshots")
}

async fn service(dir: &std::path::Path, settings: &std::path::Path) -> Service {
    let state = cdt_http::AppState::new(settings, sqlite_store(dir).await).unwrap();
    Service::start(state).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_engineer_logs_in_runs_the_demo_case_and_reads_the_result_in_chromium() {
    let Some(browser) = Browser::start().await else {
        cdt_tests::service::unavailable(
            "page in chromium",
            "chromium and chromedriver are not installed (scripts/setup.d/30-chromium installs them)",
        );
        return;
    };
    let b = browser.expect("chromedriver starts a headless chromium");
    let dir = tempfile::tempdir().unwrap();
    let settings = settings();
    let svc = service(dir.path(), settings.path()).await;
    svc.user("ana", Role::Support, &[Permission::Staging]).await;
    let shots = screenshots();

    // Not logged in: the login form. A wrong password is refused on the page.
    b.goto(&format!("{}/", svc.base)).await.unwrap();
    b.type_into("input[name=username]", "ana").await.unwrap();
    b.type_into("input[name=password]", "not her password").await.unwrap();
    b.click("button[type=submit]").await.unwrap();
    b.wait_for("p.error").await.unwrap();
    let text = b.text().await.unwrap();
    assert!(text.contains("wrong username, password or code"), "{text}");
    b.screenshot(&shots.join("1-login-refused.png")).await.unwrap();

    b.type_into("input[name=password]", "ana password 123").await.unwrap();
    b.click("button[type=submit]").await.unwrap();
    b.wait_for("a[href='/ui/tools/student-mismatch']").await.unwrap();
    let text = b.text().await.unwrap();
    assert!(
        text.contains("Recent diagnostics") && text.contains("ana (support)"),
        "{text}"
    );
    b.screenshot(&shots.join("2-dashboard.png")).await.unwrap();

    // The tool's form, built from its input spec.
    b.click("a[href='/ui/tools/student-mismatch']").await.unwrap();
    b.wait_for("select[name=customer]").await.unwrap();
    assert!(b.url().await.unwrap().ends_with("/ui/tools/student-mismatch"));
    b.find("select[name=customer] option[value=demo-district]")
        .await
        .unwrap();
    // Production is not hers to run: it is not offered.
    assert!(b.find("option[value=demo-prod]").await.is_err());
    b.type_into("input[name='input.parent_email']", "ximena.huaman@andes-mail.example")
        .await
        .unwrap();
    b.type_into("input[name='input.student_name']", "mateo quispe huaman")
        .await
        .unwrap();
    b.screenshot(&shots.join("3-form.png")).await.unwrap();
    b.click("main button[type=submit]").await.unwrap();
    b.wait_for("table.cdt-sides").await.unwrap();

    // The result: the status first, then the findings, then the records side by side.
    let url = b.url().await.unwrap();
    assert!(url.contains("/ui/runs/"), "{url}");
    let text = b.text().await.unwrap();
    assert!(text.contains("ISSUE_IN_SOURCE"), "{text}");
    let status_at = text.find("ISSUE_IN_SOURCE").unwrap();
    let records_at = text.find("Records on both sides").expect("the records section");
    assert!(status_at < text.find("Findings").unwrap() && text.find("Findings").unwrap() < records_at);
    assert!(
        text.contains("Mateo Quispe-Huamán") && text.contains("Ximena"),
        "{text}"
    );
    b.screenshot(&shots.join("4-result.png")).await.unwrap();
    let html = b.source().await.unwrap();
    // Three records side by side; Ximena has no child on either side: the missing link.
    assert_eq!(
        html.matches("<span class=\"cdt-k\">children</span>").count(),
        4,
        "{html}"
    );
    assert_eq!(
        html.matches("<span class=\"cdt-k\">children</span> (none)").count(),
        2,
        "{html}"
    );

    // The run is in the history, on the dashboard.
    b.goto(&format!("{}/", svc.base)).await.unwrap();
    let text = b.text().await.unwrap();
    assert!(
        text.contains("student-mismatch") && text.contains("1 runs in the last 24 hours"),
        "{text}"
    );
    let runs = svc.store.runs(&RunFilter::default()).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].run.status, "ISSUE_IN_SOURCE");
    assert_eq!(runs[0].run.username.as_deref(), Some("ana"));

    // Log out: back to the login form, and the old page needs a login again.
    b.click("header button[type=submit]").await.unwrap();
    b.wait_for("input[name=password]").await.unwrap();
    b.goto(&format!("{}/ui/runs/{}", svc.base, runs[0].id)).await.unwrap();
    b.wait_for("input[name=password]").await.unwrap();
    b.quit().await.unwrap();
    for shot in ["1-login-refused", "2-dashboard", "3-form", "4-result"] {
        assert!(
            shots.join(format!("{shot}.png")).metadata().unwrap().len() > 1000,
            "{shot}"
        );
    }
}

/// Logs in through the form; returns the session cookie and the page's CSRF token.
async fn form_login(base: &str, user: &str) -> (String, String) {
    let res = common::client()
        .post(format!("{base}/ui/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={user}+password+123"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let home = call("GET", &format!("{base}/"), None, &[("cookie", &cookie)], None).await;
    let csrf = home
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the log-out form carries the CSRF token")
        .to_owned();
    (cookie, csrf)
}

async fn form_post(url: &str, cookie: &str, body: &str) -> common::Answer {
    let res = common::client()
        .post(url)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    common::Answer {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_refuses_without_a_session_or_its_csrf_token_and_allows_no_script() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings();
    let svc = service(dir.path(), settings.path()).await;
    svc.user("ana", Role::Support, &[Permission::Staging]).await;
    svc.user("val", Role::Viewer, &[Permission::Staging]).await;

    // No session: the login form, or back to it.
    let home = call("GET", &format!("{}/", svc.base), None, &[], None).await;
    assert_eq!(home.status, 200);
    assert!(home.text.contains("name=\"password\""));
    let csp = home.header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(home.header("content-type").starts_with("text/html"));
    let form = call(
        "GET",
        &format!("{}/ui/tools/student-mismatch", svc.base),
        None,
        &[],
        None,
    )
    .await;
    assert_eq!((form.status, form.header("location")), (303, "/"));

    let (cookie, csrf) = form_login(&svc.base, "ana").await;
    let url = format!("{}/ui/tools/student-mismatch", svc.base);
    let inputs =
        "customer=demo-district&input.parent_email=ximena.huaman%40andes-mail.example&input.student_name=mateo";
    // A forged form (no token, or another) is refused, recorded, and runs nothing.
    for body in [inputs.to_owned(), format!("csrf=forged&{inputs}")] {
        let res = form_post(&url, &cookie, &body).await;
        assert_eq!(res.status, 403, "{}", res.text);
    }
    assert!(svc.store.runs(&RunFilter::default()).await.unwrap().is_empty());
    let events = svc.store.events(50).await.unwrap();
    assert!(
        events.iter().filter(|e| e.event.kind == "csrf").count() >= 2,
        "{events:?}"
    );

    // With the token: the run, then its page.
    let res = form_post(&url, &cookie, &format!("csrf={csrf}&{inputs}+quispe+huaman")).await;
    assert_eq!(res.status, 303, "{}", res.text);
    let run = call(
        "GET",
        &format!("{}{}", svc.base, res.header("location")),
        None,
        &[("cookie", &cookie)],
        None,
    )
    .await;
    assert_eq!(run.status, 200);
    assert!(run.text.contains("ISSUE_IN_SOURCE") && run.text.contains("Records on both sides"));

    // A bad input is shown on the form again, with what was typed, escaped.
    let hostile = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let res = form_post(
        &url,
        &cookie,
        &format!("csrf={csrf}&customer=demo-district&input.parent_email={hostile}"),
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.text);
    assert!(
        res.text.contains("class=\"error\"") && !res.text.contains("<script>alert"),
        "{}",
        res.text
    );
    assert!(res.text.contains("&lt;script&gt;"));

    // A viewer reads, never runs; production is refused without its permission.
    let (vcookie, vcsrf) = form_login(&svc.base, "val").await;
    let page = call("GET", &url, None, &[("cookie", &vcookie)], None).await;
    assert_eq!(page.status, 403);
    let res = form_post(
        &url,
        &cookie,
        &format!("csrf={csrf}&customer=demo-prod&input.parent_email=a%40b.example&input.student_name=x"),
    )
    .await;
    assert_eq!(res.status, 403, "{}", res.text);
    let res = form_post(&url, &vcookie, &format!("csrf={vcsrf}&{inputs}")).await;
    assert_eq!(res.status, 403, "{}", res.text);
    assert_eq!(svc.store.runs(&RunFilter::default()).await.unwrap().len(), 1);
}
