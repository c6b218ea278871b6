//! SIS file drops against real servers on loopback: FTP and explicit FTPS (libunftp,
//! in process, a certificate made now) and SFTP (OpenSSH's sshd as a child process, its
//! host key made now). Every demo case gives the same result over each as from the
//! demo folder; the newest file matching a pattern is read; broken, oversized and
//! hostile downloads are refused and never cached; the caches save connections and
//! downloads, `fresh` bypasses them, and two customers never share an entry; the host
//! key and the certificate are verified; and no secret reaches an error or a log.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use cdt_connectors::drop::{DropSettings, DropSource, SourceCache};
use cdt_connectors::{CredentialManager, DropErrorKind};
use cdt_core::{Customer, DiagnosticResult, Inputs, Registry, RunContext, SourceConnector, diagnose};
use cdt_tests::drops::{FtpServer, SFTP_PASSWORD_USER, SFTP_PASSWORD_USER_PASSWORD, Sshd, demo_zip, set_mtime};
use cdt_tests::sentinel::{MARK, assert_clean, secret};
use cdt_tests::{LogCapture, demo_cases, root};

const USER: &str = "district";

/// A settings folder with a `.env` file holding `vars`, and the credentials reading it.
struct Settings {
    dir: tempfile::TempDir,
    creds: CredentialManager,
}

fn settings(vars: &[(&str, &str)]) -> Settings {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (k, v) in vars {
        writeln!(text, "{k}={}", serde_json::to_string(v).unwrap()).unwrap();
    }
    std::fs::write(dir.path().join(".env"), text).unwrap();
    let creds = CredentialManager::new()
        .with_dotenv(&dir.path().join(".env"), false)
        .unwrap();
    Settings { dir, creds }
}

fn customer(dir: &Path, id: &str, location: &serde_json::Value) -> Customer {
    let text = serde_json::json!({
        "customer_id": id,
        "customer_name": format!("District {id}"),
        "active": true,
        "integration": {"type": "oneroster_csv", "location": location},
        "bookmarked_environment": "staging",
        "bookmarked_org_id": "bm-org-0001",
        "platform": {"type": "embedded", "path": root().join("demo/platform.sqlite")},
    })
    .to_string();
    let path = dir.join(format!("{id}.json"));
    std::fs::write(&path, &text).unwrap();
    Customer::from_file_text(&path, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn ftp_location(server: &FtpServer, remote_path: &str, tls: bool, extra: &serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({
        "kind": "ftp", "host": "127.0.0.1", "port": server.port, "username": USER,
        "password": "env:DROP_PASSWORD", "remote_path": remote_path, "tls": tls,
    });
    if let (Some(map), Some(more)) = (v.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    v
}

fn source(c: &Customer, creds: &CredentialManager, cache: &Arc<SourceCache>, fresh: bool) -> DropSource {
    let settings = DropSettings::of_customer(c).unwrap().expect("a drop");
    DropSource::new(settings, creds.clone(), Arc::clone(cache), fresh)
}

fn drop_kind(e: &cdt_connectors::Error) -> DropErrorKind {
    match e {
        cdt_connectors::Error::Drop { kind, .. } => *kind,
        other => panic!("not a drop error: {other}"),
    }
}

async fn run_case(
    registry: &Registry,
    case: &cdt_tests::DemoCase,
    source: &dyn SourceConnector,
    platform: &dyn cdt_core::PlatformConnector,
) -> DiagnosticResult {
    let ctx = RunContext {
        customer_id: Some("demo-district".into()),
        ..RunContext::new("bm-org-0001", chrono::Utc::now())
    };
    let tool = registry.get(&case.tool_id).unwrap();
    let mut result = diagnose(tool.as_ref(), &Inputs(case.inputs.clone()), source, platform, &ctx)
        .await
        .unwrap_or_else(|e| panic!("{} over {}: {e}", case.story, source.describe()));
    result.timestamp = chrono::DateTime::UNIX_EPOCH;
    // The bundle's validation summary names where the bundle is (the demo folder, or
    // the download in the cache): the rest must be the same.
    for w in &mut result.warnings {
        if let Some((before, after)) = w.split_once("run `cdt validate ")
            && let Some((_, rest)) = after.split_once('`')
        {
            *w = format!("{before}run `cdt validate BUNDLE`{rest}");
        }
    }
    result
}

/// The drops of every test: yesterday's small file and tonight's demo district.
fn plant_drops(put: impl Fn(&str, &[u8]) -> std::path::PathBuf) {
    let old = put("oneroster-2026-11-29.zip", b"not even a zip");
    set_mtime(&old, 1_796_000_000);
    let new = put("oneroster-2026-11-30.zip", &demo_zip());
    set_mtime(&new, 1_796_086_400);
    put("readme.txt", b"drops land here nightly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_case_agrees_over_ftp_ftps_and_sftp() {
    cdt_tools::link();
    let registry = Registry::builtin().unwrap();
    let password = "drop-password-1";
    let ftp = FtpServer::start(USER, password, false).await;
    let ftps = FtpServer::start(USER, password, true).await;
    plant_drops(|n, b| ftp.put(&format!("outgoing/{n}"), b));
    plant_drops(|n, b| ftps.put(&format!("outgoing/{n}"), b));
    let sshd = Sshd::start("every_demo_case_agrees_over_ftp_ftps_and_sftp").await;
    let mut vars = vec![("DROP_PASSWORD", password.to_owned())];
    if let Some(s) = &sshd {
        plant_drops(|n, b| {
            let p = s.put(n, b);
            std::path::PathBuf::from(p)
        });
        vars.push(("DROP_KEY", s.private_key.clone()));
    }
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let s = settings(&vars);
    std::fs::copy(ftps.ca_file.as_ref().unwrap(), s.dir.path().join("drop-ca.pem")).unwrap();
    let cache = Arc::new(SourceCache::new(Some(s.dir.path().join("cache"))));

    let mut sources: Vec<DropSource> = vec![
        source(
            &customer(
                s.dir.path(),
                "ftp-district",
                &ftp_location(&ftp, "/outgoing/oneroster-*.zip", false, &serde_json::json!({})),
            ),
            &s.creds,
            &cache,
            false,
        ),
        source(
            &customer(
                s.dir.path(),
                "ftps-district",
                &ftp_location(
                    &ftps,
                    "/outgoing/oneroster-*.zip",
                    true,
                    &serde_json::json!({"ca_file": "drop-ca.pem"}),
                ),
            ),
            &s.creds,
            &cache,
            false,
        ),
    ];
    if let Some(sshd) = &sshd {
        let dir = sshd.files.path().display().to_string();
        sources.push(source(
            &customer(
                s.dir.path(),
                "sftp-district",
                &serde_json::json!({
                    "kind": "sftp", "host": "127.0.0.1", "port": sshd.port, "username": sshd.user,
                    "private_key": "env:DROP_KEY", "host_key_fingerprint": sshd.fingerprint,
                    "remote_path": format!("{dir}/oneroster-*.zip"),
                }),
            ),
            &s.creds,
            &cache,
            false,
        ));
    }
    let local = cdt_connectors::OneRosterCsv::new(root().join("demo/oneroster"));
    let platform = cdt_connectors::EmbeddedStore::open(&root().join("demo/platform.sqlite"), "bm-org-0001")
        .await
        .unwrap();
    let cases = demo_cases();
    assert!(cases.len() > 30, "the demo's planted cases");
    for case in &cases {
        let want = run_case(&registry, case, &local, &platform).await;
        assert_eq!(want.status, case.expected_status, "{}", case.story);
        for source in &sources {
            let got = run_case(&registry, case, source, &platform).await;
            assert_eq!(got, want, "{} over {}", case.story, source.describe());
        }
    }
    // Each drop was read once (the roster cache served the other cases) and
    // downloaded once.
    assert_eq!(ftp.connections(), 1);
    assert_eq!(ftps.connections(), 1);
    let stats = cache.stats();
    assert_eq!(stats.roster_misses, sources.len() as u64, "{stats:?}");
    assert_eq!(stats.download_misses, sources.len() as u64, "{stats:?}");
    assert_eq!(
        stats.roster_hits,
        (sources.len() * (cases.len() - 1)) as u64,
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pattern_reads_the_newest_file_and_names_what_it_saw_when_nothing_matches() {
    let ftp = FtpServer::start(USER, "pw", false).await;
    plant_drops(|n, b| ftp.put(&format!("outgoing/{n}"), b));
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    let cache = Arc::new(SourceCache::new(Some(s.dir.path().join("cache"))));
    let c = customer(
        s.dir.path(),
        "newest",
        &ftp_location(&ftp, "/outgoing/oneroster-*.zip", false, &serde_json::json!({})),
    );
    let (path, file) = source(&c, &s.creds, &cache, false).download().await.unwrap();
    assert_eq!(file.path, "/outgoing/oneroster-2026-11-30.zip");
    assert_eq!(std::fs::read(&path).unwrap(), demo_zip());

    let c = customer(
        s.dir.path(),
        "nomatch",
        &ftp_location(&ftp, "/outgoing/roster-*.csv", false, &serde_json::json!({})),
    );
    let e = source(&c, &s.creds, &cache, false).download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::NotFound);
    let text = e.to_string();
    for part in [
        "customer nomatch",
        "ftp://127.0.0.1:",
        "no file matches `roster-*.csv`",
        "`oneroster-2026-11-29.zip`",
        "`readme.txt`",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }

    // Many names: the list is capped.
    for i in 0..30 {
        ftp.put(&format!("many/file-{i:02}.txt"), b"x");
    }
    let c = customer(
        s.dir.path(),
        "many",
        &ftp_location(&ftp, "/many/*.zip", false, &serde_json::json!({})),
    );
    let text = source(&c, &s.creds, &cache, false)
        .download()
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("and 10 more"), "{text}");
    assert!(!text.contains("file-29"), "{text}");

    // A plain path that is not there.
    let c = customer(
        s.dir.path(),
        "missing",
        &ftp_location(&ftp, "/outgoing/gone.zip", false, &serde_json::json!({})),
    );
    let e = source(&c, &s.creds, &cache, false).download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::NotFound, "{e}");
    assert!(e.to_string().contains("/outgoing/gone.zip"), "{e}");
}

fn cache_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(cache_files(&e.path()));
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}

/// A district drops a new file every night: the customer's download folder keeps
/// only the newest `limits.cache_files` of them, and each read still reads tonight's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nightly_drops_keep_only_the_newest_downloads_on_disk() {
    let logs = LogCapture::global();
    let ftp = FtpServer::start(USER, "pw", false).await;
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    let cache = Arc::new(SourceCache::new(Some(s.dir.path().join("cache"))));
    let c = customer(
        s.dir.path(),
        "nightly",
        &ftp_location(
            &ftp,
            "/outgoing/oneroster-*.zip",
            false,
            &serde_json::json!({"limits": {"cache_files": 2, "cache_seconds": 0}}),
        ),
    );
    let folder = s.dir.path().join("cache").join("nightly");
    for night in 1..=4u64 {
        let name = format!("oneroster-2026-11-{night:02}.zip");
        let path = ftp.put(&format!("outgoing/{name}"), &demo_zip());
        set_mtime(&path, 1_796_000_000 + night * 86_400);
        let roster = source(&c, &s.creds, &cache, false).load().await.unwrap();
        assert!(!roster.users.is_empty(), "night {night}");
        let mut kept: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        kept.sort();
        assert_eq!(kept.len(), night.min(2) as usize, "night {night}: {kept:?}");
        assert!(kept.iter().any(|k| k.ends_with(&name)), "night {night}: {kept:?}");
    }
    assert!(logs.text().contains("drop download cache eviction"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_download_is_an_error_and_nothing_is_cached() {
    let ftp = FtpServer::start(USER, "pw", false).await;
    ftp.put("drop/oneroster.zip", &demo_zip());
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    let cache_dir = s.dir.path().join("cache");
    let cache = Arc::new(SourceCache::new(Some(cache_dir.clone())));
    let c = customer(
        s.dir.path(),
        "cut",
        &ftp_location(&ftp, "/drop/oneroster.zip", false, &serde_json::json!({})),
    );
    ftp.truncate_downloads(Some(1000));
    let src = source(&c, &s.creds, &cache, false);
    let e = src.download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::Truncated, "{e}");
    let text = e.to_string();
    assert!(text.contains("ended after 1000 of the"), "{text}");
    assert!(
        text.contains("customer cut") && text.contains("/drop/oneroster.zip"),
        "{text}"
    );
    assert!(cache_files(&cache_dir).is_empty(), "{:?}", cache_files(&cache_dir));
    let e = src.load().await.unwrap_err();
    assert!(e.to_string().contains("ended after 1000"), "{e}");
    assert_eq!(cache.stats().roster_hits, 0);

    // Whole again: read and cached.
    ftp.truncate_downloads(None);
    let roster = src.load().await.unwrap();
    assert!(!roster.users.is_empty());
    assert_eq!(cache_files(&cache_dir).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_over_the_cap_is_refused_before_it_starts() {
    let ftp = FtpServer::start(USER, "pw", false).await;
    ftp.put("drop/oneroster.zip", &demo_zip());
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    let cache = Arc::new(SourceCache::new(None));
    let c = customer(
        s.dir.path(),
        "capped",
        &ftp_location(
            &ftp,
            "/drop/oneroster.zip",
            false,
            &serde_json::json!({"limits": {"max_download_bytes": 1000}}),
        ),
    );
    let e = source(&c, &s.creds, &cache, false).download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::TooLarge, "{e}");
    assert!(e.to_string().contains("download cap of 1000 bytes"), "{e}");
}

/// A ZIP whose one member inflates far beyond the allowed ratio.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("users.csv", options).unwrap();
    let row = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&row).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_bundle_over_ftp_is_refused_like_a_local_one() {
    let bomb = zip_bomb();
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("bomb.zip"), &bomb).unwrap();
    let local_error = cdt_connectors::OneRosterCsv::new(local.path().join("bomb.zip"))
        .load()
        .await
        .unwrap_err()
        .to_string();
    assert!(local_error.contains("ratio"), "{local_error}");

    let ftp = FtpServer::start(USER, "pw", false).await;
    ftp.put("drop/bomb.zip", &bomb);
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    let cache = Arc::new(SourceCache::new(None));
    let c = customer(
        s.dir.path(),
        "bombed",
        &ftp_location(&ftp, "/drop/bomb.zip", false, &serde_json::json!({})),
    );
    let e = source(&c, &s.creds, &cache, false).load().await.unwrap_err();
    let text = e.to_string();
    assert!(text.contains("ratio"), "{text}");
    assert!(
        text.contains("customer bombed") && text.contains("/drop/bomb.zip"),
        "{text}"
    );
    // The same refusal as for the local file, after its path.
    let prefix = format!("{}: ", local.path().join("bomb.zip").display());
    let reason = local_error.strip_prefix(&prefix).unwrap_or(&local_error);
    assert!(text.contains(reason), "{reason} in {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caches_save_connections_fresh_bypasses_them_and_customers_never_share() {
    let ftp = FtpServer::start(USER, "pw", false).await;
    let file = ftp.put("drop/oneroster.zip", &demo_zip());
    set_mtime(&file, 1_796_000_000);
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    let cache_dir = s.dir.path().join("cache");
    let cache = Arc::new(SourceCache::new(Some(cache_dir.clone())));
    let location = ftp_location(&ftp, "/drop/oneroster.zip", false, &serde_json::json!({}));
    let a = customer(s.dir.path(), "district-a", &location);
    let b = customer(s.dir.path(), "district-b", &location);

    // First run: a connection and a download; second run within the TTL: nothing.
    source(&a, &s.creds, &cache, false).load().await.unwrap();
    assert_eq!(ftp.connections(), 1);
    source(&a, &s.creds, &cache, false).load().await.unwrap();
    assert_eq!(ftp.connections(), 1, "a run within the cache time connects to nothing");
    let st = cache.stats();
    assert_eq!((st.roster_hits, st.roster_misses), (1, 1), "{st:?}");
    assert_eq!((st.download_hits, st.download_misses), (0, 1), "{st:?}");

    // `fresh` connects and downloads again.
    source(&a, &s.creds, &cache, true).load().await.unwrap();
    assert_eq!(ftp.connections(), 2);
    assert_eq!(cache.stats().download_misses, 2);

    // Another customer on the same server and path shares nothing.
    source(&b, &s.creds, &cache, false).load().await.unwrap();
    assert_eq!(ftp.connections(), 3);
    let st = cache.stats();
    assert_eq!((st.roster_misses, st.download_misses), (3, 3), "{st:?}");
    let mut dirs: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["district-a", "district-b"]);

    // A new process (a new memory cache, the same folder): it connects, sees the same
    // size and time, and does not download.
    let next = Arc::new(SourceCache::new(Some(cache_dir.clone())));
    source(&a, &s.creds, &next, false).load().await.unwrap();
    assert_eq!(ftp.connections(), 4);
    let st = next.stats();
    assert_eq!((st.download_hits, st.download_misses), (1, 0), "{st:?}");

    // A changed modification time on the server is a new download, replacing the old.
    set_mtime(&file, 1_796_086_400);
    let again = Arc::new(SourceCache::new(Some(cache_dir.clone())));
    source(&a, &s.creds, &again, false).load().await.unwrap();
    let st = again.stats();
    assert_eq!((st.download_hits, st.download_misses), (0, 1), "{st:?}");
    assert_eq!(cache_files(&cache_dir.join("district-a")).len(), 1);

    // So is a changed size, at the same time.
    let mut bigger = demo_zip();
    bigger.push(b'\n');
    std::fs::write(&file, &bigger).unwrap();
    set_mtime(&file, 1_796_086_400);
    let third = Arc::new(SourceCache::new(Some(cache_dir.clone())));
    let (_, found) = source(&a, &s.creds, &third, false).download().await.unwrap();
    assert_eq!(found.size, bigger.len() as u64);
    let st = third.stats();
    assert_eq!((st.download_hits, st.download_misses), (0, 1), "{st:?}");

    // A cache time of 0 never keeps the roster.
    let mut no_ttl = location.clone();
    no_ttl["limits"] = serde_json::json!({"cache_seconds": 0});
    std::fs::write(&file, demo_zip()).unwrap();
    let c = customer(s.dir.path(), "district-c", &no_ttl);
    let before = ftp.connections();
    source(&c, &s.creds, &cache, false).load().await.unwrap();
    source(&c, &s.creds, &cache, false).load().await.unwrap();
    assert_eq!(ftp.connections(), before + 2);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&cache_dir.join("district-a")), 0o700);
        for f in cache_files(&cache_dir) {
            assert_eq!(mode(Path::new(&f)), 0o600, "{f}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftps_verifies_the_certificate() {
    let ftps = FtpServer::start(USER, "pw", true).await;
    ftps.put("drop/oneroster.zip", &demo_zip());
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    std::fs::copy(ftps.ca_file.as_ref().unwrap(), s.dir.path().join("ca.pem")).unwrap();
    let cache = Arc::new(SourceCache::new(None));
    let trusted = customer(
        s.dir.path(),
        "trusting",
        &ftp_location(
            &ftps,
            "/drop/oneroster.zip",
            true,
            &serde_json::json!({"ca_file": "ca.pem"}),
        ),
    );
    source(&trusted, &s.creds, &cache, false).download().await.unwrap();

    // Without the CA, the self-signed certificate is refused before logging in.
    let untrusted = customer(
        s.dir.path(),
        "untrusting",
        &ftp_location(&ftps, "/drop/oneroster.zip", true, &serde_json::json!({})),
    );
    let e = source(&untrusted, &s.creds, &cache, false)
        .download()
        .await
        .unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::Untrusted, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("customer untrusting") && text.contains("ftps://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("certificate"), "{text}");

    // Another CA does not do either.
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    std::fs::write(s.dir.path().join("other.pem"), other.cert.pem()).unwrap();
    let wrong = customer(
        s.dir.path(),
        "wrong-ca",
        &ftp_location(
            &ftps,
            "/drop/oneroster.zip",
            true,
            &serde_json::json!({"ca_file": "other.pem"}),
        ),
    );
    let e = source(&wrong, &s.creds, &cache, false).download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::Untrusted, "{e}");

    // A CA file outside the settings folder is a settings error.
    let (_, msg) = Customer::from_json(
        &serde_json::json!({
            "customer_id": "x", "customer_name": "x", "active": true,
            "integration": {"type": "oneroster_csv", "location": {
                "kind": "ftp", "host": "127.0.0.1", "username": "u", "password": "env:P",
                "remote_path": "/a.zip", "ca_file": "ca.pem"}},
            "bookmarked_environment": "staging", "bookmarked_org_id": "o",
            "platform": {"type": "api"}})
        .to_string(),
    )
    .unwrap_err();
    assert!(msg.contains("integration.location.ca_file"), "{msg}");
}

/// SFTP with a password: the right one logs in and downloads; a wrong one is a typed
/// login error naming the customer and the server, with neither password in the
/// error, its `Debug` or the logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_logs_in_with_a_password_and_a_wrong_one_is_a_login_error() {
    let logs = LogCapture::global();
    let Some(sshd) =
        Sshd::start_with_password_user("sftp_logs_in_with_a_password_and_a_wrong_one_is_a_login_error").await
    else {
        return;
    };
    let remote = sshd.put("oneroster.zip", &demo_zip());
    let wrong = "wrong-Pw-77aa-never-valid";
    let s = settings(&[
        ("DROP_PASSWORD", SFTP_PASSWORD_USER_PASSWORD),
        ("WRONG_PASSWORD", wrong),
    ]);
    let cache = Arc::new(SourceCache::new(None));
    let location = |var: &str| {
        serde_json::json!({
            "kind": "sftp", "host": "127.0.0.1", "port": sshd.port, "username": SFTP_PASSWORD_USER,
            "password": format!("env:{var}"), "host_key_fingerprint": sshd.fingerprint, "remote_path": remote,
        })
    };
    let good = customer(s.dir.path(), "by-password", &location("DROP_PASSWORD"));
    let (path, file) = source(&good, &s.creds, &cache, false).download().await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), demo_zip());
    assert_eq!(file.size, demo_zip().len() as u64);
    assert_eq!(sshd.log().matches("Accepted password").count(), 1, "{}", sshd.log());

    let bad = customer(s.dir.path(), "wrong-password", &location("WRONG_PASSWORD"));
    let e = source(&bad, &s.creds, &cache, false).download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::Login, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("customer wrong-password") && text.contains("sftp://127.0.0.1:"),
        "{text}"
    );
    assert!(sshd.log().contains("Failed password"), "{}", sshd.log());
    let debug = format!("{e:?}");
    let log = logs.text();
    for secret in [wrong, SFTP_PASSWORD_USER_PASSWORD] {
        assert!(!text.contains(secret) && !debug.contains(secret), "{text}");
        assert!(!log.contains(secret), "a password reached the logs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_checks_the_pinned_host_key_before_logging_in() {
    let Some(sshd) = Sshd::start("sftp_checks_the_pinned_host_key_before_logging_in").await else {
        return;
    };
    let remote = sshd.put("oneroster.zip", &demo_zip());
    let s = settings(&[("DROP_KEY", sshd.private_key.as_str())]);
    let cache = Arc::new(SourceCache::new(None));
    let location = |fingerprint: &str| {
        serde_json::json!({
            "kind": "sftp", "host": "127.0.0.1", "port": sshd.port, "username": sshd.user,
            "private_key": "env:DROP_KEY", "host_key_fingerprint": fingerprint, "remote_path": remote,
        })
    };
    let good = customer(s.dir.path(), "pinned", &location(&sshd.fingerprint));
    let (path, file) = source(&good, &s.creds, &cache, false).download().await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), demo_zip());
    assert_eq!(file.size, demo_zip().len() as u64);
    let accepted = sshd.log().matches("Accepted publickey").count();
    assert_eq!(accepted, 1, "{}", sshd.log());

    let wrong_fp = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let bad = customer(s.dir.path(), "mispinned", &location(wrong_fp));
    let e = source(&bad, &s.creds, &cache, false).download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::Untrusted, "{e}");
    let text = e.to_string();
    for part in [
        "customer mispinned",
        "sftp://127.0.0.1:",
        &sshd.fingerprint,
        wrong_fp,
        "refused",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    // It never went on to log in.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = sshd.log();
    assert_eq!(log.matches("Accepted publickey").count(), 1, "{log}");
    assert!(!log.contains("Failed publickey"), "{log}");

    // A key the server does not know is a login error.
    let other = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(other.path().join("k"))
        .status()
        .unwrap();
    assert!(status.success());
    let s2 = settings(&[(
        "DROP_KEY",
        std::fs::read_to_string(other.path().join("k")).unwrap().as_str(),
    )]);
    let stranger = customer(s2.dir.path(), "stranger", &location(&sshd.fingerprint));
    let e = source(&stranger, &s2.creds, &cache, false)
        .download()
        .await
        .unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::Login, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_drop_secret_reaches_an_error_a_debug_or_a_log() {
    let logs = LogCapture::global();
    let password = secret("ftp-password");
    let ftp = FtpServer::start(USER, &password, false).await;
    ftp.put("drop/oneroster.zip", &demo_zip());
    let sshd = Sshd::start("no_drop_secret_reaches_an_error_a_debug_or_a_log").await;
    let wrong = secret("ftp-password-wrong");
    let mut vars = vec![
        ("DROP_PASSWORD", password.clone()),
        ("DROP_WRONG", wrong.clone()),
        ("DROP_SFTP_PASSWORD", secret("sftp-password")),
    ];
    if let Some(s) = &sshd {
        vars.push(("DROP_KEY", s.private_key.clone()));
    }
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let s = settings(&vars);
    let cache = Arc::new(SourceCache::new(None));
    let mut texts = Vec::new();

    let ok = customer(
        s.dir.path(),
        "sent-ftp",
        &ftp_location(&ftp, "/drop/oneroster.zip", false, &serde_json::json!({})),
    );
    let src = source(&ok, &s.creds, &cache, true);
    src.load().await.unwrap();
    texts.push(format!("{src:?} {}", src.describe()));
    texts.push(src.test_connection().await.unwrap());

    let mut refused = ftp_location(&ftp, "/drop/oneroster.zip", false, &serde_json::json!({}));
    refused["password"] = serde_json::json!("env:DROP_WRONG");
    let refused = customer(s.dir.path(), "sent-ftp-refused", &refused);
    let src = source(&refused, &s.creds, &cache, true);
    let e = src.download().await.unwrap_err();
    assert_eq!(drop_kind(&e), DropErrorKind::Login, "{e}");
    texts.push(format!("{e} {e:?}"));
    let e = src.load().await.unwrap_err();
    texts.push(format!("{e} {e:?}"));
    texts.push(format!("{:?}", src.test_connection().await.unwrap_err()));

    if let Some(sshd) = &sshd {
        let remote = sshd.put("oneroster.zip", &demo_zip());
        let c = customer(
            s.dir.path(),
            "sent-sftp",
            &serde_json::json!({
                "kind": "sftp", "host": "127.0.0.1", "port": sshd.port, "username": sshd.user,
                "private_key": "env:DROP_KEY", "password": "env:DROP_SFTP_PASSWORD",
                "host_key_fingerprint": sshd.fingerprint, "remote_path": remote,
            }),
        );
        let src = source(&c, &s.creds, &cache, true);
        src.load().await.unwrap();
        texts.push(format!("{src:?}"));
        // Password only: sshd allows keys only, so this is refused.
        let c = customer(
            s.dir.path(),
            "sent-sftp-refused",
            &serde_json::json!({
                "kind": "sftp", "host": "127.0.0.1", "port": sshd.port, "username": sshd.user,
                "password": "env:DROP_SFTP_PASSWORD",
                "host_key_fingerprint": sshd.fingerprint, "remote_path": remote,
            }),
        );
        let e = source(&c, &s.creds, &cache, true).load().await.unwrap_err();
        texts.push(format!("{e} {e:?}"));
        // The private key's body never shows either.
        let body: String = sshd.private_key.lines().filter(|l| !l.starts_with("-----")).collect();
        let key_line = &body[..40];
        for t in &texts {
            assert!(!t.contains(key_line), "the private key in {t}");
        }
        assert!(!logs.text().contains(key_line), "the private key in the logs");
    }
    for t in &texts {
        assert_clean(t, "a drop's errors and descriptions");
    }
    assert_clean(&logs.text(), "the TRACE log");
    assert!(!MARK.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cdt_check_logs_in_and_finds_the_file() {
    let ftp = FtpServer::start(USER, "pw", false).await;
    plant_drops(|n, b| ftp.put(&format!("outgoing/{n}"), b));
    let s = settings(&[("DROP_PASSWORD", "pw")]);
    customer(
        s.dir.path(),
        "checked",
        &ftp_location(&ftp, "/outgoing/oneroster-*.zip", false, &serde_json::json!({})),
    );
    customer(
        s.dir.path(),
        "unchecked",
        &ftp_location(&ftp, "/outgoing/nothing-*.zip", false, &serde_json::json!({})),
    );
    let check = |id: &'static str| {
        let creds = s.creds.clone();
        let dir = s.dir.path().to_owned();
        async move { cdt_connectors::preflight::preflight_with(&dir, id, &creds).await }
    };
    let report = check("checked").await;
    let source = report.checks.iter().find(|c| c.what == "source").unwrap();
    assert!(source.ok, "{report:?}");
    assert!(
        source
            .detail
            .contains("logged in as district, found /outgoing/oneroster-2026-11-30.zip"),
        "{}",
        source.detail
    );
    let secret = report
        .checks
        .iter()
        .find(|c| c.what == "secret env:DROP_PASSWORD")
        .unwrap();
    assert!(secret.ok, "{report:?}");
    let report = check("unchecked").await;
    let source = report.checks.iter().find(|c| c.what == "source").unwrap();
    assert!(!source.ok, "{report:?}");
    assert!(
        source.detail.contains("no file matches `nothing-*.zip`"),
        "{}",
        source.detail
    );
}

#[test]
fn drop_settings_are_checked_when_read() {
    let base = |location: serde_json::Value| {
        serde_json::json!({
            "customer_id": "x", "customer_name": "x", "active": true,
            "integration": {"type": "oneroster_csv", "location": location},
            "bookmarked_environment": "staging", "bookmarked_org_id": "o",
            "platform": {"type": "api"}})
        .to_string()
    };
    let field = |location: serde_json::Value| Customer::from_json(&base(location)).unwrap_err().0;
    let sftp = |extra: serde_json::Value| {
        let mut v = serde_json::json!({"kind": "sftp", "host": "h", "username": "u", "private_key": "env:K",
            "host_key_fingerprint": "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
            "remote_path": "/d/x-*.zip"});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    assert!(Customer::from_json(&base(sftp(serde_json::json!({})))).is_ok());
    assert_eq!(
        field(sftp(serde_json::json!({"host_key_fingerprint": "MD5:aa"}))).as_deref(),
        Some("integration.location.host_key_fingerprint")
    );
    assert_eq!(
        field(sftp(serde_json::json!({"remote_path": "/d*/x.zip"}))).as_deref(),
        Some("integration.location.remote_path")
    );
    assert_eq!(
        field(sftp(serde_json::json!({"host": "a b"}))).as_deref(),
        Some("integration.location.host")
    );
    assert_eq!(
        field(sftp(serde_json::json!({"limits": {"max_download_bytes": 0}}))).as_deref(),
        Some("integration.location.limits.max_download_bytes")
    );
    assert_eq!(
        field(sftp(serde_json::json!({"limits": {"cache_files": 0}}))).as_deref(),
        Some("integration.location.limits.cache_files")
    );
    let mut no_auth = sftp(serde_json::json!({}));
    no_auth.as_object_mut().unwrap().remove("private_key");
    assert_eq!(field(no_auth).as_deref(), Some("integration.location.password"));
    let (_, msg) = Customer::from_json(&base(sftp(serde_json::json!({"password": "hunter2"})))).unwrap_err();
    assert!(!msg.contains("hunter2"), "{msg}");
    assert_eq!(
        field(
            serde_json::json!({"kind": "ftp", "host": "h", "username": "u", "password": "env:P",
            "remote_path": "/a.zip", "ca_file": "ca.pem"})
        )
        .as_deref(),
        Some("integration.location.ca_file")
    );
}
