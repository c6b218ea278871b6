//! The hostile plugin suite: hand-written components that misbehave in every way we
//! know of. Each must end with its own clear, typed error, and the host must serve
//! the next run of a well-behaved plugin right after.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cdt_core::{Case, Inputs, Status, Tool};
use cdt_wasm::{Budget, Cache, Error, Host, HostConfig, HostLimits, WasmTool};

/// A component exporting `diagnose: func(case: string) -> result<string, string>`
/// whose core module holds `body`, a bump allocator and one page of memory.
/// `body` must define and export the core function `diagnose (i32 i32) -> i32`.
fn component(body: &str) -> String {
    component_with("", body)
}

fn component_with(imports: &str, body: &str) -> String {
    format!(
        r#"(component
  {imports}
  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 8192))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get 3)))
      (local.get $p))
    {body}
  )
  (core instance $i (instantiate $m))
  (func (export "diagnose") (param "case" string) (result (result string (error string)))
    (canon lift (core func $i "diagnose") (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
)"#
    )
}

/// A core `diagnose` that returns `Ok(text)` (tag 0) or `Err(text)` (tag 1), the text
/// stored at offset 1024.
fn returning(tag: u8, text: &str) -> String {
    let escaped = text.bytes().fold(String::new(), |mut s, b| {
        let _ = write!(s, "\\{b:02x}");
        s
    });
    format!(
        r#"(data (i32.const 1024) "{escaped}")
    (func (export "diagnose") (param i32 i32) (result i32)
      (i32.store8 (i32.const 16) (i32.const {tag}))
      (i32.store (i32.const 20) (i32.const 1024))
      (i32.store (i32.const 24) (i32.const {len}))
      (i32.const 16))"#,
        len = text.len()
    )
}

const GOOD_VERDICT: &str = r#"{"status":"NO_ISSUE","summary":"all good"}"#;

const MANIFEST: &str = r#"
id = "ID"
version = "0.0.1"
title = "Hostile"
abi = "cdt:plugin@1.0.0"
wasm = "plugin.wasm"
[[inputs]]
name = "parent_email"
kind = "email"
required = false
[lookup]
emails = ["parent_email"]
[data]
source = ["users"]
"#;

fn write_plugin(root: &Path, id: &str, wasm: &[u8]) -> std::path::PathBuf {
    let dir = root.join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plugin.toml"), MANIFEST.replace("ID", id)).unwrap();
    std::fs::write(dir.join("plugin.wasm"), wasm).unwrap();
    dir
}

fn host_with(limits: HostLimits, budget: Budget) -> Arc<Host> {
    Arc::new(
        Host::new(HostConfig {
            limits,
            budget,
            pooling: true,
            cache: Cache::Off,
            ..HostConfig::default()
        })
        .unwrap(),
    )
}

fn host() -> Arc<Host> {
    host_with(HostLimits::default(), Budget::Fuel)
}

fn load(host: &Arc<Host>, root: &Path, id: &str, wat: &str) -> Result<WasmTool, Error> {
    let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("{id}: {e}"));
    WasmTool::load(host, &write_plugin(root, id, &bytes), None)
}

fn run(tool: &WasmTool) -> Result<cdt_core::Verdict, Error> {
    tool.run_document(&tool.case_document(&Inputs::default(), &Case::default()))
}

/// The well-behaved plugin still runs: the host serves the next run.
fn assert_still_serving(host: &Arc<Host>, root: &Path) {
    let good = load(host, root, "good", &component(&returning(0, GOOD_VERDICT))).unwrap();
    assert_eq!(run(&good).unwrap().status, Status::NoIssue);
}

/// Loads a hostile plugin, runs it, and returns the run's error.
fn run_err(host: &Arc<Host>, id: &str, body: &str) -> Error {
    let root = tempfile::tempdir().unwrap();
    let tool = load(host, root.path(), id, &component(body)).unwrap_or_else(|e| panic!("{id} must load: {e}"));
    let err = run(&tool).expect_err(id);
    // Through the Tool trait, the failure is an error, never a verdict.
    let core = tool.run(&Inputs::default(), &Case::default()).expect_err(id);
    assert!(
        matches!(&core, cdt_core::Error::Plugin { id: i, .. } if i == id),
        "{core}"
    );
    assert_still_serving(host, root.path());
    err
}

fn load_err(host: &Arc<Host>, id: &str, wat: &str) -> Error {
    let root = tempfile::tempdir().unwrap();
    let err = load(host, root.path(), id, wat).expect_err(id);
    assert_still_serving(host, root.path());
    err
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let err = run_err(
        &host(),
        "endless-loop",
        r#"(func (export "diagnose") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0))"#,
    );
    assert!(
        matches!(
            err,
            Error::OutOfFuel {
                budget: 100_000_000,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "plugin `endless-loop` ran out of fuel: it used its whole budget of 100000000 units (an endless loop, or too much work)"
    );
}

#[test]
fn an_endless_loop_hits_the_epoch_deadline() {
    let host = host_with(
        HostLimits::default(),
        Budget::Epoch {
            deadline: Duration::from_millis(50),
        },
    );
    let err = run_err(
        &host,
        "endless-loop",
        r#"(func (export "diagnose") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0))"#,
    );
    assert!(matches!(err, Error::Timeout { deadline_ms: 50, .. }), "{err}");
}

#[test]
fn unbounded_memory_growth_hits_the_memory_cap() {
    let err = run_err(
        &host(),
        "memory-hog",
        r#"(func (export "diagnose") (param i32 i32) (result i32)
             (loop $l (drop (memory.grow (i32.const 16))) (br $l)) (i32.const 0))"#,
    );
    assert!(matches!(err, Error::OutOfMemory { cap: 67_108_864, .. }), "{err}");
    assert!(
        err.to_string().contains("more than its 67108864 bytes of memory"),
        "{err}"
    );
}

#[test]
fn runaway_recursion_overflows_the_stack() {
    let err = run_err(
        &host(),
        "deep-recursion",
        r#"(func $r (param i32) (result i32) (call $r (i32.add (local.get 0) (i32.const 1))))
           (func (export "diagnose") (param i32 i32) (result i32) (call $r (i32.const 0)))"#,
    );
    assert!(matches!(err, Error::StackOverflow { .. }), "{err}");
}

#[test]
fn a_huge_output_is_refused() {
    // Two MiB of output from a 3 MiB memory, over the 256 KiB cap.
    let err = run_err(
        &host(),
        "huge-output",
        r#"(func (export "diagnose") (param i32 i32) (result i32)
             (drop (memory.grow (i32.const 48)))
             (i32.store8 (i32.const 16) (i32.const 0))
             (i32.store (i32.const 20) (i32.const 65536))
             (i32.store (i32.const 24) (i32.const 2097152))
             (i32.const 16))"#,
    );
    assert!(
        matches!(
            err,
            Error::OutputTooLarge {
                size: 2_097_152,
                cap: 262_144,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn output_that_breaks_the_schema_is_refused() {
    let err = run_err(
        &host(),
        "schema-breaker",
        &returning(0, r#"{"status":"ALL_GOOD","summary":"trust me"}"#),
    );
    assert!(matches!(err, Error::InvalidOutput { .. }), "{err}");
    assert!(
        err.to_string().contains("`status` is `ALL_GOOD`, not one of NO_ISSUE"),
        "{err}"
    );
    let err = run_err(&host(), "not-json", &returning(0, "NO_ISSUE"));
    assert!(matches!(err, Error::InvalidOutput { .. }), "{err}");
    let err = run_err(
        &host(),
        "silent-issue",
        &returning(0, r#"{"status":"ISSUE_IN_SOURCE","summary":"something"}"#),
    );
    assert!(err.to_string().contains("no `findings` saying why"), "{err}");
    let err = run_err(
        &host(),
        "old-style-code",
        &returning(
            0,
            r#"{"status":"ISSUE_IN_SOURCE","summary":"s","findings":[{"code":"STUDENT_GONE","severity":"error","system":"sis","message":"m"}]}"#,
        ),
    );
    assert!(matches!(err, Error::InvalidOutput { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("`findings[0].code` is `STUDENT_GONE`: a finding code is lowercase kebab-case"),
        "{err}"
    );
}

#[test]
fn a_plugin_error_is_reported_as_a_failure_with_its_message_cleaned() {
    let err = run_err(&host(), "gives-up", &returning(1, "no guardian input\u{1b}[2J"));
    assert!(matches!(err, Error::PluginFailed { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "plugin `gives-up` could not diagnose this case: no guardian input\u{fffd}[2J"
    );
}

#[test]
fn broken_strings_break_the_abi_not_the_host() {
    let err = run_err(
        &host(),
        "wild-pointer",
        r#"(func (export "diagnose") (param i32 i32) (result i32)
             (i32.store8 (i32.const 16) (i32.const 0))
             (i32.store (i32.const 20) (i32.const 0x7fffff00))
             (i32.store (i32.const 24) (i32.const 4096))
             (i32.const 16))"#,
    );
    assert!(matches!(err, Error::Abi { .. }), "{err}");
    let err = run_err(
        &host(),
        "bad-utf8",
        r#"(data (i32.const 1024) "\ff\fe\fd")
           (func (export "diagnose") (param i32 i32) (result i32)
             (i32.store8 (i32.const 16) (i32.const 0))
             (i32.store (i32.const 20) (i32.const 1024))
             (i32.store (i32.const 24) (i32.const 3))
             (i32.const 16))"#,
    );
    assert!(matches!(err, Error::Abi { .. }), "{err}");
}

#[test]
fn imports_the_host_does_not_offer_are_refused_at_load() {
    let host = host();
    let err = load_err(
        &host,
        "reads-files",
        &component_with(
            r#"(import "read-file" (func (param "path" string) (result string)))"#,
            &returning(0, GOOD_VERDICT),
        ),
    );
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    assert!(err.to_string().contains("does not grant"), "{err}");
    assert!(err.to_string().contains("read-file"), "{err}");
    let err = load_err(
        &host,
        "wants-wasi",
        &component_with(
            r#"(import "wasi:random/random@0.2.0" (instance (export "get-random-u64" (func (result u64)))))"#,
            &returning(0, GOOD_VERDICT),
        ),
    );
    assert!(err.to_string().contains("wasi:random/random@0.2.0"), "{err}");
}

#[test]
fn a_trap_at_start_is_a_typed_error() {
    let err = run_err(
        &host(),
        "trap-at-start",
        &(r"(func $start unreachable) (start $start) ".to_owned() + &returning(0, GOOD_VERDICT)),
    );
    assert!(
        matches!(
            err,
            Error::Trapped {
                phase: "while starting",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("crashed while starting"), "{err}");
    let err = run_err(
        &host(),
        "loop-at-start",
        &(r"(func $start (loop $l (br $l))) (start $start) ".to_owned() + &returning(0, GOOD_VERDICT)),
    );
    assert!(matches!(err, Error::OutOfFuel { .. }), "{err}");
}

/// A plugin that keeps what it saw in a global and in memory, and reports (as an
/// error) anything left over from an earlier run when it starts.
const STASHER: &str = r#"
    (global $runs (mut i32) (i32.const 0))
    (data (i32.const 1024) "{\"status\":\"NO_ISSUE\",\"summary\":\"nothing left over\"}")
    (data (i32.const 1536) "leaked")
    (func (export "diagnose") (param $p i32) (param $n i32) (result i32)
      (if (i32.or (global.get $runs) (i32.load (i32.const 4096)))
        (then
          (i32.store8 (i32.const 16) (i32.const 1))
          (i32.store (i32.const 20) (i32.const 1536))
          (i32.store (i32.const 24) (i32.const 6))
          (return (i32.const 16))))
      (global.set $runs (i32.const 1))
      ;; Stash the first bytes of this run's case where the next run would look.
      (i32.store (i32.const 4096) (i32.or (i32.load (local.get $p)) (i32.const 1)))
      (i32.store8 (i32.const 16) (i32.const 0))
      (i32.store (i32.const 20) (i32.const 1024))
      (i32.store (i32.const 24) (i32.const 51))
      (i32.const 16))
"#;

#[test]
fn a_run_never_sees_an_earlier_runs_data() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let a = load(&host, root.path(), "stasher-a", &component(STASHER)).unwrap();
    let b = load(&host, root.path(), "stasher-b", &component(STASHER)).unwrap();
    for round in 0..5 {
        for tool in [&a, &b] {
            let v = run(tool).unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(v.summary, "nothing left over");
        }
    }
}

#[test]
fn what_is_not_a_plugin_is_refused_at_load() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let dir = write_plugin(root.path(), "noise", b"\x7fELF not wasm at all");
    let err = WasmTool::load(&host, &dir, None).unwrap_err();
    assert!(err.to_string().contains("not a WebAssembly file"), "{err}");

    let core = wat::parse_str(r#"(module (func (export "diagnose")))"#).unwrap();
    let dir = write_plugin(root.path(), "core-module", &core);
    let err = WasmTool::load(&host, &dir, None).unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");

    let err = load_err(
        &host,
        "wrong-signature",
        r#"(component
             (core module $m (func (export "f") (param i32) (result i32) (local.get 0)))
             (core instance $i (instantiate $m))
             (func (export "diagnose") (param "x" u32) (result u32) (canon lift (core func $i "f"))))"#,
    );
    assert!(
        err.to_string().contains("does not export the `cdt:plugin@1.0.0` world"),
        "{err}"
    );
}

#[test]
fn a_changed_component_fails_its_pinned_hash() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let bytes = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();
    let dir = write_plugin(root.path(), "pinned", &bytes);
    let manifest = format!("sha256 = \"{}\"\n{}", "0".repeat(64), MANIFEST.replace("ID", "pinned"));
    std::fs::write(dir.join("plugin.toml"), manifest).unwrap();
    let err = WasmTool::load(&host, &dir, None).unwrap_err();
    assert!(err.to_string().contains("the file was changed or replaced"), "{err}");
}

#[test]
fn size_caps_hold_for_components_and_cases() {
    let limits = HostLimits {
        max_component: 200,
        ..HostLimits::default()
    };
    let host = host_with(limits, Budget::Fuel);
    let root = tempfile::tempdir().unwrap();
    let err = load(&host, root.path(), "big", &component(&returning(0, GOOD_VERDICT))).unwrap_err();
    assert!(err.to_string().contains("over the 200-byte limit"), "{err}");

    let limits = HostLimits {
        max_input: 100,
        ..HostLimits::default()
    };
    let host = host_with(limits, Budget::Fuel);
    let tool = load(
        &host,
        root.path(),
        "small-input",
        &component(&returning(0, GOOD_VERDICT)),
    )
    .unwrap();
    let big = Inputs::from_pairs([("parent_email", "x".repeat(200) + "@example.org")]);
    let err = tool
        .run_document(&tool.case_document(&big, &Case::default()))
        .unwrap_err();
    assert!(matches!(err, Error::InputTooLarge { cap: 100, .. }), "{err}");
}

#[test]
fn a_swapped_compiled_cache_entry_is_recompiled_not_loaded() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let entries = || -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
            .collect();
        v.sort();
        v
    };
    let good = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();
    let dir = write_plugin(root.path(), "cached", &good);
    WasmTool::load(&host, &dir, Some(&cache)).unwrap();
    let entry = entries().pop().unwrap();
    // Another component's (valid) machine code put in its place, its hash file kept.
    let other = wat::parse_str(component(&returning(
        0,
        r#"{"status":"NO_ISSUE","summary":"swapped in"}"#,
    )))
    .unwrap();
    let other_dir = write_plugin(root.path(), "other", &other);
    WasmTool::load(&host, &other_dir, Some(&cache)).unwrap();
    let other_entry = entries().into_iter().find(|p| p != &entry).unwrap();
    std::fs::copy(&other_entry, &entry).unwrap();
    let tool = WasmTool::load(&host, &dir, Some(&cache)).unwrap();
    assert_eq!(run(&tool).unwrap().summary, "all good");
    // Garbage in place of the entry is recompiled too.
    std::fs::write(&entry, [0xcc; 4096]).unwrap();
    let tool = WasmTool::load(&host, &dir, Some(&cache)).unwrap();
    assert_eq!(run(&tool).unwrap().summary, "all good");
}

/// Copying one plugin's cache entry, with its authentication tag, over another's name
/// must not make the second plugin run the first's code.
#[test]
fn a_cache_entry_copied_under_another_plugins_name_is_not_loaded() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let good = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();
    let dir = write_plugin(root.path(), "cached", &good);
    WasmTool::load(&host, &dir, Some(&cache)).unwrap();
    let before: std::collections::BTreeSet<_> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).collect();
    let other = wat::parse_str(component(&returning(
        0,
        r#"{"status":"NO_ISSUE","summary":"swapped in"}"#,
    )))
    .unwrap();
    let other_dir = write_plugin(root.path(), "other", &other);
    WasmTool::load(&host, &other_dir, Some(&cache)).unwrap();
    let added: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !before.contains(p))
        .collect();
    let pick = |paths: &[std::path::PathBuf], ext: &str| {
        paths
            .iter()
            .find(|p| p.to_string_lossy().ends_with(ext))
            .unwrap()
            .clone()
    };
    let before: Vec<_> = before.into_iter().collect();
    let (other_cwasm, other_mac) = (pick(&added, ".cwasm"), pick(&added, ".cwasm.mac"));
    let (cwasm, mac) = (pick(&before, ".cwasm"), pick(&before, ".cwasm.mac"));
    std::fs::copy(&other_cwasm, &cwasm).unwrap();
    std::fs::copy(&other_mac, &mac).unwrap();
    let tool = WasmTool::load(&host, &dir, Some(&cache)).unwrap();
    assert_eq!(run(&tool).unwrap().summary, "all good", "the plugin runs its own code");
    // A tag made with another key (another user's cache) is refused the same way.
    std::fs::write(&mac, "00".repeat(32)).unwrap();
    let tool = WasmTool::load(&host, &dir, Some(&cache)).unwrap();
    assert_eq!(run(&tool).unwrap().summary, "all good");
}

/// A cache directory others can write to is not used at all (and the plugin still loads).
#[test]
fn a_cache_directory_writable_by_others_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("shared-cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let good = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();
    let dir = write_plugin(root.path(), "cached", &good);
    let tool = WasmTool::load(&host, &dir, Some(&cache)).unwrap();
    assert_eq!(run(&tool).unwrap().summary, "all good");
    assert_eq!(
        std::fs::read_dir(&cache).unwrap().count(),
        0,
        "nothing written to a shared folder"
    );
    // A symlink in place of the cache directory is refused too.
    let link = root.path().join("link-cache");
    std::os::unix::fs::symlink(&cache, &link).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    WasmTool::load(&host, &dir, Some(&link)).unwrap();
    assert_eq!(
        std::fs::read_dir(&cache).unwrap().count(),
        0,
        "nothing written through a link"
    );
}

/// A `.cache/` that ships inside a plugins folder is never read.
#[test]
fn a_cache_shipped_with_the_plugins_is_ignored() {
    let root = tempfile::tempdir().unwrap();
    let plugins = root.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let home = root.path().join("home");
    let good = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();
    write_plugin(&plugins, "shipped", &good);
    let shipped = plugins.join(".cache");
    std::fs::create_dir(&shipped).unwrap();
    std::fs::write(shipped.join("planted.cwasm"), [0xcc; 64]).unwrap();
    let host = std::sync::Arc::new(
        Host::new(HostConfig {
            cache: Cache::Dir(home.clone()),
            ..HostConfig::default()
        })
        .unwrap(),
    );
    let mut registry = cdt_core::Registry::empty();
    let report = cdt_wasm::load_dir_with(&host, &mut registry, &plugins).unwrap();
    assert_eq!(report.loaded.len(), 1, "{:?}", report.failed);
    assert!(home.join("key").is_file(), "the host's own cache was used");
    assert_eq!(
        std::fs::read_dir(&shipped).unwrap().count(),
        1,
        "the shipped cache was not touched"
    );
}

/// A component importing the host's `log` whose core module gets `pages` pages of
/// memory and the lowered import as `$log (level, ptr, len)`. `body` must define and
/// export the core function `diagnose (i32 i32) -> i32`.
fn logging_component(pages: u32, body: &str) -> String {
    format!(
        r#"(component
  (type $level (enum "debug" "info" "warn" "error"))
  (import "level" (type $lvl (eq $level)))
  (import "log" (func $log (param "level" $lvl) (param "message" string)))
  (core module $mem (memory (export "memory") {pages}))
  (core instance $memi (instantiate $mem))
  (alias core export $memi "memory" (core memory $m))
  (core func $log_lower (canon lower (func $log) (memory $m)))
  (core module $main
    (import "host" "log" (func $log (param i32 i32 i32)))
    (import "env" "memory" (memory {pages}))
    (global $heap (mut i32) (i32.const 8192))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get 3)))
      (local.get $p))
    {body}
  )
  (core instance $i (instantiate $main
    (with "host" (instance (export "log" (func $log_lower))))
    (with "env" (instance (export "memory" (memory $m))))))
  (func (export "diagnose") (param "case" string) (result (result string (error string)))
    (canon lift (core func $i "diagnose") (memory $m) (realloc (core func $i "cabi_realloc"))))
)"#
    )
}

/// A plugin that logs `len` bytes of its memory in an endless loop.
fn log_flood(len: u32) -> String {
    logging_component(
        256,
        &format!(
            r#"(func (export "diagnose") (param i32 i32) (result i32)
             (loop $again
               (call $log (i32.const 1) (i32.const 65536) (i32.const {len}))
               (br $again))
             (i32.const 0))"#
        ),
    )
}

/// Logging is charged to fuel by the bytes it moves: a loop logging megabytes runs out
/// instead of copying forever while its few instructions barely cost anything.
#[test]
fn logging_megabytes_in_a_loop_runs_out_of_fuel() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let tool = load(&host, root.path(), "log-flood", &log_flood(8 * 1024 * 1024)).unwrap();
    let err = run(&tool).unwrap_err();
    assert!(matches!(err, Error::OutOfFuel { .. }), "{err}");
    assert_still_serving(&host, root.path());
    // A plugin that logs a little is still served, and its lines are capped.
    let quiet = logging_component(
        1,
        &(r#"(data (i32.const 2048) "hello")
           (func $say (call $log (i32.const 1) (i32.const 2048) (i32.const 5)))
           (start $say)
           "#
        .to_owned()
            + &returning(0, GOOD_VERDICT)),
    );
    let tool = load(&host, root.path(), "quiet", &quiet).unwrap();
    assert_eq!(run(&tool).unwrap().status, Status::NoIssue);
}

/// Under epoch interruption the same flood ends at the deadline.
#[test]
fn logging_in_a_loop_hits_the_epoch_deadline() {
    let host = host_with(
        HostLimits::default(),
        Budget::Epoch {
            deadline: Duration::from_millis(200),
        },
    );
    let root = tempfile::tempdir().unwrap();
    let tool = load(&host, root.path(), "log-flood", &log_flood(1024 * 1024)).unwrap();
    let err = run(&tool).unwrap_err();
    assert!(matches!(err, Error::Timeout { deadline_ms: 200, .. }), "{err}");
}

/// Fuel is not the only bound: a fuelled run also has a wall-clock deadline.
#[test]
fn a_fuelled_run_also_has_a_wall_clock_deadline() {
    let limits = HostLimits {
        default_fuel: HostLimits::default().max_fuel,
        run_deadline: Duration::from_millis(50),
        ..HostLimits::default()
    };
    let host = host_with(limits, Budget::Fuel);
    let err = run_err(
        &host,
        "slow",
        r#"(func (export "diagnose") (param i32 i32) (result i32)
             (loop $forever (br $forever))
             (i32.const 0))"#,
    );
    assert!(matches!(err, Error::Timeout { deadline_ms: 50, .. }), "{err}");
}

/// One function shaped to be expensive to compile: `locals` locals, all updated on
/// each turn of a loop around a `br_table` of `targets` entries.
fn expensive_to_compile(locals: u32, targets: u32) -> String {
    let decls = " i64".repeat(locals as usize);
    let sets = (1..=locals).fold(String::new(), |mut s, i| {
        let _ = write!(s, "(local.set {i} (i64.add (local.get {i}) (i64.const 1)))");
        s
    });
    let table = " 0 1".repeat(targets as usize / 2);
    component(&format!(
        "(func $slow (param i32) (local{decls})
             (loop $l (block $b {sets} (br_table{table} 0 (local.get 0))) {sets} (br $l)))
           {}",
        returning(0, GOOD_VERDICT)
    ))
}

/// A component shaped to stall the compiler is refused before compiling, naming the
/// limit; one that slips past the shape check is cut off by the compile timeout. Either
/// way the next plugin loads at once.
#[test]
fn components_shaped_to_stall_the_compiler_are_refused() {
    let host = host();
    let err = load_err(&host, "many-locals", &expensive_to_compile(6000, 10));
    assert!(
        err.to_string().contains("the most locals in one function is 6000"),
        "{err}"
    );
    let err = load_err(&host, "locals-times-branches", &expensive_to_compile(2000, 2000));
    assert!(
        err.to_string()
            .contains("the largest locals × branch targets of one function is 4006000"),
        "{err}"
    );

    // Just under the shape limits: seconds of compiling, cut off after one.
    let limits = HostLimits {
        compile_timeout: Duration::from_secs(1),
        ..HostLimits::default()
    };
    let host = host_with(limits, Budget::Fuel);
    let err = load_err(&host, "slow-to-compile", &expensive_to_compile(990, 1000));
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    assert!(err.to_string().contains("did not compile within 1 s"), "{err}");
}

/// `plugin.wasm` and `plugin.toml` are read only as regular files, never through a
/// link, never from a pipe or a device, and never past their caps.
#[test]
fn a_plugins_files_must_be_regular_and_within_their_caps() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let good = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();

    let dir = write_plugin(root.path(), "zero", &good);
    std::fs::remove_file(dir.join("plugin.wasm")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("plugin.wasm")).unwrap();
    let err = WasmTool::load(&host, &dir, None).unwrap_err().to_string();
    assert!(err.contains("zero/plugin.wasm: it is a symbolic link"), "{err}");

    let dir = write_plugin(root.path(), "pipe", &good);
    std::fs::remove_file(dir.join("plugin.wasm")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("plugin.wasm"))
        .status()
        .unwrap();
    assert!(status.success());
    let err = WasmTool::load(&host, &dir, None).unwrap_err().to_string();
    assert!(
        err.contains("pipe/plugin.wasm: it is a pipe, a socket or a device"),
        "{err}"
    );

    let dir = write_plugin(root.path(), "huge-manifest", &good);
    let mut text = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
    let _ = writeln!(text, "# {}", "x".repeat(2 * 1024 * 1024));
    std::fs::write(dir.join("plugin.toml"), text).unwrap();
    let err = WasmTool::load(&host, &dir, None).unwrap_err().to_string();
    assert!(
        err.contains("huge-manifest/plugin.toml: over the 65536-byte limit"),
        "{err}"
    );

    let dir = write_plugin(root.path(), "linked-manifest", &good);
    std::fs::remove_file(dir.join("plugin.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("plugin.toml")).unwrap();
    let err = WasmTool::load(&host, &dir, None).unwrap_err().to_string();
    assert!(err.contains("it is a symbolic link"), "{err}");
    assert_still_serving(&host, root.path());
}

/// A plugin folder whose name would print a line break or an escape sequence is
/// refused, named in a cleaned form; the others load.
#[test]
fn a_plugin_folder_named_to_forge_output_is_refused() {
    let host = host();
    let root = tempfile::tempdir().unwrap();
    let good = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();
    write_plugin(root.path(), "good", &good);
    let evil = root.path().join("x\nERROR plugin `good` failed\u{1b}[2J");
    std::fs::create_dir(&evil).unwrap();
    std::fs::write(evil.join("plugin.toml"), MANIFEST.replace("ID", "evil")).unwrap();
    std::fs::write(evil.join("plugin.wasm"), &good).unwrap();
    let mut registry = cdt_core::Registry::empty();
    let report = cdt_wasm::load_dir_with(&host, &mut registry, root.path()).unwrap();
    assert_eq!(report.loaded, ["good"]);
    let message = report.failed[0].1.to_string();
    assert!(!message.contains('\n') && !message.contains('\u{1b}'), "{message:?}");
    assert!(message.contains("holds a control character"), "{message}");
}

/// A cache folder inside the plugins folder ships with the plugins (its key too), so it
/// is never used: nothing is read from it or written to it.
#[test]
fn a_cache_inside_the_plugins_folder_is_never_used() {
    let root = tempfile::tempdir().unwrap();
    let plugins = root.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let good = wat::parse_str(component(&returning(0, GOOD_VERDICT))).unwrap();
    write_plugin(&plugins, "shipped", &good);
    let host = Arc::new(
        Host::new(HostConfig {
            cache: Cache::Dir(plugins.join(".cache")),
            ..HostConfig::default()
        })
        .unwrap(),
    );
    let mut registry = cdt_core::Registry::empty();
    let report = cdt_wasm::load_dir_with(&host, &mut registry, &plugins).unwrap();
    assert_eq!(report.loaded, ["shipped"], "{:?}", report.failed);
    assert!(
        !plugins.join(".cache").exists(),
        "the cache inside the plugins folder was used"
    );
}
