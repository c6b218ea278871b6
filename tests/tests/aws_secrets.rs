//! Credentials from AWS Secrets Manager, against a real local endpoint: `moto_server`
//! (installed by `scripts/setup.d/10-moto` into `<target>/moto-venv`, or named by
//! `CDT_MOTO_SERVER`). Requests are signed with our `SigV4` code and go over HTTP to the
//! server. Without moto these tests skip and say why; under `CI=true` they fail.

use cdt_connectors::CredentialManager;
use cdt_connectors::aws_secrets::{AwsConfig, SecretsManager};
use cdt_core::SecretRef;
use cdt_tests::LogCapture;
use cdt_tests::moto::{config, start as moto};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_resolve_from_secrets_manager_and_never_print() {
    let test = "secrets_resolve_from_secrets_manager";
    let Some(moto) = moto(test).await else { return };
    let admin = SecretsManager::new(config(&moto.endpoint)).unwrap();
    let db_password = "pg-Pa55-from-aws-7731";
    admin
        .call(
            "CreateSecret",
            &serde_json::json!({
                "Name": "cdt/staging/platform",
                "SecretString": serde_json::json!({"db_password": db_password, "port": 5432}).to_string()
            }),
            "cdt/staging/platform",
        )
        .await
        .unwrap();
    admin
        .call(
            "CreateSecret",
            &serde_json::json!({"Name": "cdt/staging/api-token", "SecretString": "tok-aws-99f1"}),
            "cdt/staging/api-token",
        )
        .await
        .unwrap();

    // The configuration comes from the usual AWS variables, here from a .env file;
    // an endpoint in that file is ignored (only the process environment or settings
    // may name one), so the test's endpoint is set as settings would.
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join(".env");
    std::fs::write(
        &dotenv,
        format!(
            "AWS_REGION=us-east-1\nAWS_ACCESS_KEY_ID=AKIDCDTTEST\nAWS_SECRET_ACCESS_KEY=cdt-test-secret-access-key\n\
             AWS_ENDPOINT_URL_SECRETS_MANAGER={}\n",
            moto.endpoint
        ),
    )
    .unwrap();
    let vars = CredentialManager::new().with_dotenv(&dotenv, false).unwrap();
    let aws = AwsConfig::from_vars(&vars).expect("AWS configured from .env");
    assert_eq!(
        aws.endpoint, "https://secretsmanager.us-east-1.amazonaws.com",
        "the .env file's endpoint is not used"
    );
    let aws = AwsConfig {
        endpoint: moto.endpoint.clone(),
        ..aws
    };
    let creds = vars.with_aws(SecretsManager::new(aws).unwrap());

    let capture = LogCapture::global();
    let get = |s: &str| SecretRef::parse(s).unwrap();
    let password = creds
        .get(&get("aws-sm:cdt/staging/platform#db_password"))
        .await
        .unwrap();
    let token = creds.get(&get("aws-sm:cdt/staging/api-token")).await.unwrap();
    let missing = creds
        .get(&get("aws-sm:cdt/staging/nothing"))
        .await
        .unwrap_err()
        .to_string();
    let no_key = creds
        .get(&get("aws-sm:cdt/staging/platform#user"))
        .await
        .unwrap_err()
        .to_string();
    let not_text = creds
        .get(&get("aws-sm:cdt/staging/platform#port"))
        .await
        .unwrap_err()
        .to_string();
    let not_json = creds
        .get(&get("aws-sm:cdt/staging/api-token#key"))
        .await
        .unwrap_err()
        .to_string();

    assert_eq!(password.expose(), db_password);
    assert_eq!(token.expose(), "tok-aws-99f1");
    assert!(
        missing.contains("aws-sm:cdt/staging/nothing") && missing.contains("ResourceNotFound"),
        "{missing}"
    );
    assert!(no_key.contains("no field `user`"), "{no_key}");
    assert!(not_text.contains("`port`"), "{not_text}");
    assert!(not_json.contains("not a JSON object"), "{not_json}");
    let logs = capture.text();
    assert!(logs.contains("AWS Secrets Manager request"), "the capture works");
    for text in [
        &missing,
        &no_key,
        &not_text,
        &not_json,
        &logs,
        &format!("{creds:?} {password:?} {password}"),
    ] {
        for secret in [db_password, "tok-aws-99f1", "cdt-test-secret-access-key"] {
            assert!(!text.contains(secret), "a secret leaked: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_aws_secret_reaches_its_connector() {
    let test = "a_customers_aws_secret_reaches_its_connector";
    let Some(moto) = moto(test).await else { return };
    let admin = SecretsManager::new(config(&moto.endpoint)).unwrap();
    admin
        .call(
            "CreateSecret",
            &serde_json::json!({"Name": "cdt/production/api", "SecretString": "{\"token\": \"prod-api-token-1\"}"}),
            "cdt/production/api",
        )
        .await
        .unwrap();
    let data = cdt_tests::demo_platform().await;
    let server = cdt_tests::fake_api::FakeApi::start(&data, "prod-api-token-1", 100).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("_environments.json"),
        format!(
            r#"{{"staging": {{"api": {{"base_url": "http://localhost:1", "token": "env:CDT_T_UNUSED"}}}},
                "production": {{"api": {{"base_url": "{}", "token": "aws-sm:cdt/production/api#token"}}}}}}"#,
            server.base_url
        ),
    )
    .unwrap();
    let path = dir.path().join("prod.json");
    std::fs::write(
        &path,
        r#"{"customer_id": "prod", "customer_name": "Prod", "active": true,
            "integration": {"type": "oneroster_csv", "location": {"kind": "path", "path": "x"}},
            "bookmarked_environment": "production", "bookmarked_org_id": "bm-org-0001", "platform": {"type": "api"}}"#,
    )
    .unwrap();
    let customer = cdt_connectors::customers::from_file(&path).unwrap();
    let creds = CredentialManager::new().with_aws(SecretsManager::new(config(&moto.endpoint)).unwrap());
    let platform = cdt_connectors::factory::platform_with(&customer, &creds).await.unwrap();
    let summary = platform.test_connection().await.unwrap();
    assert!(summary.contains("3 schools"), "{summary}");
}
