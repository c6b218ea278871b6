//! `cdt classlink apps` against the fake ClassLink proxy on loopback: the applications
//! a token reads, each with a customer-file section naming the token's variable,
//! never the token; a wrong token is exit 2 saying to regenerate it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use cdt_tests::fake_oneroster::FakeOneRoster;

const TOKEN: &str = "cli-proxy-token-3c9e41";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

async fn cdt(args: &[&str], token: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let token = token.to_owned();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cdt"))
            .args(&args)
            .current_dir(root())
            .env_remove("CDT_LOG")
            .env_remove("CDT_DOTENV")
            .env("CDT_TEST_CLASSLINK_TOKEN", token)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classlink_apps_prints_a_customer_section_for_each_application() {
    let roster = cdt_connectors::OneRosterCsv::new(root().join("demo/oneroster"))
        .read()
        .unwrap();
    let server = FakeOneRoster::start(&roster, "k", "s", Duration::from_mins(1), 1000).await;
    server.serve_classlink_proxy("57", TOKEN);
    let base = server.base_url.clone();
    let args = [
        "classlink",
        "apps",
        "--token-env",
        "CDT_TEST_CLASSLINK_TOKEN",
        "--proxy-base",
        &base,
    ];
    let out = cdt(&args, TOKEN).await;
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("Demo USD (tenant 2): application 57 Bookmarked"),
        "{said}"
    );
    assert!(
        said.contains(r#""access_token":"env:CDT_TEST_CLASSLINK_TOKEN""#)
            && said.contains(r#""application_id":"57""#)
            && said.contains(&format!(r#""proxy_base":"{base}""#)),
        "{said}"
    );
    assert!(!said.contains(TOKEN), "{said}");
    assert!(
        !said.contains('\u{1b}'),
        "outside text reached the terminal raw: {said}"
    );

    // JSON: each application and a section a customer file takes as it is.
    let out = cdt(&[&args[..], &["--json"]].concat(), TOKEN).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains(TOKEN));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["application"]["application_id"], "58");
    let customer = serde_json::json!({
        "customer_id": "cl", "customer_name": "CL", "active": true,
        "integration": list[0]["integration"],
        "bookmarked_environment": "staging", "bookmarked_org_id": "o",
        "platform": {"type": "api"},
    });
    cdt_core::Customer::from_json(&customer.to_string()).unwrap();

    // A wrong token: exit 2, what to do, and no token.
    let wrong = "cli-wrong-token-0a0a";
    let out = cdt(&args, wrong).await;
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("401") && said.contains("regenerate"), "{said}");
    assert!(!said.contains(wrong) && !said.contains(TOKEN), "{said}");
}
