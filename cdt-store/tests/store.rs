//! The application database on SQLite (always) and PostgreSQL (the shared test server:
//! skipped on a laptop without it, failing under CI).

use std::sync::Arc;

use cdt_store::limits::Limit;
use cdt_store::runs::{NewRun, RunFilter};
use cdt_store::tokens::TokenLife;
use cdt_store::users::NewUser;
use cdt_store::{ManualClock, Permission, Role, Store};

const T0: i64 = 1_800_000_000_000;

async fn sqlite(dir: &tempfile::TempDir, clock: Arc<ManualClock>) -> Store {
    let url = format!("sqlite://{}", dir.path().join("service.sqlite").display());
    Store::open_with_clock(&url, clock).await.unwrap()
}

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        role,
        permissions: None,
    }
}

#[tokio::test]
async fn users_passwords_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = sqlite(&dir, clock.clone()).await;
    let alice = store
        .add_user(new_user("alice", Role::Support), "a long enough pass".into())
        .await
        .unwrap();
    assert_eq!(alice.role, Role::Support);
    assert!(alice.has(Permission::Staging) && !alice.has(Permission::Production));
    assert!(alice.may_run() && !alice.is_admin());
    // Taken names, bad names, short passwords.
    assert!(matches!(
        store
            .add_user(new_user("alice", Role::Viewer), "another long pass".into())
            .await,
        Err(cdt_store::Error::UserExists(_))
    ));
    assert!(
        store
            .add_user(new_user("Bob Smith", Role::Viewer), "another long pass".into())
            .await
            .is_err()
    );
    assert!(
        store
            .add_user(new_user("bob", Role::Viewer), "short".into())
            .await
            .is_err()
    );
    // Login.
    assert!(
        store
            .check_password("alice", "a long enough pass".into())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .check_password("alice", "a wrong password".into())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .check_password("nobody", "a long enough pass".into())
            .await
            .unwrap()
            .is_none()
    );
    // Disabled users cannot log in.
    store.set_disabled("alice", true).await.unwrap();
    assert!(
        store
            .check_password("alice", "a long enough pass".into())
            .await
            .unwrap()
            .is_none()
    );
    // Opening the same file again keeps everything (migrations are not re-applied).
    drop(store);
    let again = sqlite(&dir, clock).await;
    assert!(again.user_by_name("alice").await.unwrap().unwrap().disabled);
}

#[tokio::test]
async fn tokens_expire_when_idle_at_their_end_and_when_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = sqlite(&dir, clock.clone()).await;
    let u = store
        .add_user(new_user("carol", Role::Support), "a long enough pass".into())
        .await
        .unwrap();
    let life = TokenLife {
        idle_ms: 120_000,
        lifetime_ms: 250_000,
    };
    let (info, token) = store.create_token(&u.id, "notebook", life, false).await.unwrap();
    assert!(!format!("{token:?}").contains(token.expose()));
    assert!(token.expose().starts_with("cdt_"));
    let (who, _) = store.authenticate_token(token.expose()).await.unwrap().unwrap();
    assert_eq!(who.username, "carol");
    // A tampered secret fails.
    let mut bad = token.expose().to_owned();
    bad.pop();
    bad.push('x');
    assert!(store.authenticate_token(&bad).await.unwrap().is_none());
    // Used every 90 s it lives until its absolute end.
    for _ in 0..2 {
        clock.advance(90_000);
        assert!(store.authenticate_token(token.expose()).await.unwrap().is_some());
    }
    clock.advance(90_000);
    assert!(
        store.authenticate_token(token.expose()).await.unwrap().is_none(),
        "absolute expiry"
    );
    // Idle expiry.
    let (_, idle) = store.create_token(&u.id, "idle", life, false).await.unwrap();
    clock.advance(120_001);
    assert!(
        store.authenticate_token(idle.expose()).await.unwrap().is_none(),
        "idle expiry"
    );
    // Revocation.
    let (info2, fresh) = store.create_token(&u.id, "ci", life, false).await.unwrap();
    assert!(store.authenticate_token(fresh.expose()).await.unwrap().is_some());
    store.revoke_token(&info2.id).await.unwrap();
    assert!(store.authenticate_token(fresh.expose()).await.unwrap().is_none());
    assert!(store.revoke_token(&info2.id).await.is_err());
    let listed = store.tokens_of(&u.id).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().any(|t| t.id == info.id));
}

#[tokio::test]
async fn sessions_end_after_an_idle_hour() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = sqlite(&dir, clock.clone()).await;
    let u = store
        .add_user(new_user("dave", Role::Viewer), "a long enough pass".into())
        .await
        .unwrap();
    let (session, cookie) = store.create_session(&u.id, false).await.unwrap();
    let (_, live) = store.session(&cookie).await.unwrap().unwrap();
    assert_eq!(live.csrf, session.csrf);
    assert!(cdt_store::sessions::csrf_matches(&live, &session.csrf));
    assert!(!cdt_store::sessions::csrf_matches(&live, "forged"));
    clock.advance(cdt_store::sessions::IDLE_MS - 1);
    assert!(store.session(&cookie).await.unwrap().is_some());
    clock.advance(cdt_store::sessions::IDLE_MS);
    assert!(store.session(&cookie).await.unwrap().is_none());
}

#[tokio::test]
async fn rate_limits_count_per_key_and_window() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0 - T0 % 60_000 + 15_000));
    let store = sqlite(&dir, clock.clone()).await;
    for i in 1..=10 {
        let d = store.hit(Limit::RUNS, "u1").await.unwrap();
        assert!(d.allowed, "hit {i}");
    }
    let d = store.hit(Limit::RUNS, "u1").await.unwrap();
    assert!(!d.allowed);
    assert_eq!(d.count, 11);
    assert_eq!(d.retry_after_secs, 45);
    assert!(store.hit(Limit::RUNS, "u2").await.unwrap().allowed, "another user");
    clock.advance(45_000);
    assert!(store.hit(Limit::RUNS, "u1").await.unwrap().allowed, "next window");
}

#[tokio::test]
async fn runs_are_recorded_listed_and_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = sqlite(&dir, clock.clone()).await;
    let mut ids = Vec::new();
    for (i, status) in ["NO_ISSUE", "ISSUE_IN_SOURCE", "NO_ISSUE"].iter().enumerate() {
        clock.advance(1_000);
        let id = store
            .record_run(&NewRun {
                username: Some(if i == 0 { "alice" } else { "bob" }.into()),
                customer_id: Some("demo-district".into()),
                tool_id: "student-mismatch".into(),
                environment: Some("staging".into()),
                inputs: serde_json::json!({"student_name": "Ava"}),
                status: (*status).into(),
                runtime_ms: 3,
                result: Some(serde_json::json!({"status": status})),
                ..NewRun::default()
            })
            .await
            .unwrap();
        ids.push(id);
    }
    let one = store.run(&ids[1]).await.unwrap().unwrap();
    assert_eq!(one.run.status, "ISSUE_IN_SOURCE");
    assert_eq!(one.run.result.unwrap()["status"], "ISSUE_IN_SOURCE");
    let all = store.runs(&RunFilter::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [&ids[2], &ids[1], &ids[0]]
    );
    let bobs = store
        .runs(&RunFilter {
            user: Some("bob".into()),
            status: Some("NO_ISSUE".into()),
            ..RunFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].id, ids[2]);
    let stats = store.run_stats(T0).await.unwrap();
    assert_eq!(stats.runs, 3);
    clock.advance(31 * 24 * 3600 * 1000);
    assert!(store.prune(30).await.unwrap() >= 3);
    assert!(store.runs(&RunFilter::default()).await.unwrap().is_empty());
}
