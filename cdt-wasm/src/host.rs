//! The plugin host: one wasmtime engine and linker for the process, and what one run
//! of a plugin does (a fresh store and instance, limits armed, output checked).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tracing::{debug, info, warn};
use wasmtime::component::{Component, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, ResourceLimiter, Store,
    StoreContextMut, Trap,
};

use crate::cache;
use crate::error::{Error, Result, clean};
use crate::limits::{HostLimits, PluginLimits};

#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../plugins/wit",
        world: "diagnostic",
    });
}

use bindings::{DiagnosticPre, Level};

/// How a run's CPU time is bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// Fuel: a deterministic count of WebAssembly work. A plugin that runs out does so
    /// at the same point every time, so its author can reproduce it. The default.
    Fuel,
    /// Epoch interruption: a wall-clock deadline checked at loop heads and calls,
    /// driven by a ticker thread. Cheaper per instruction, not deterministic.
    Epoch {
        /// The deadline of one run.
        deadline: Duration,
    },
}

/// How the host is set up.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Defaults and maxima of the sandbox.
    pub limits: HostLimits,
    /// How CPU time is bounded.
    pub budget: Budget,
    /// Pre-allocate instance slots (the pooling allocator). On by default: a run then
    /// reuses a slot instead of mapping fresh memory.
    pub pooling: bool,
    /// Where compiled plugins are cached.
    pub cache: Cache,
    /// Bytes of each pooled linear memory kept resident between runs (reset in place,
    /// only the pages a run touched, with Linux's `PAGEMAP_SCAN` when available)
    /// instead of being handed back to the kernel: the next run then takes no page
    /// faults on them. Covers a Rust plugin's stack and working heap.
    pub keep_resident: usize,
}

/// Where compiled plugins are cached.
///
/// A directory is used only when it is owned by this user and writable by nobody
/// else, and an entry only when this user's key authenticates it (see
/// `cdt-wasm/src/cache.rs`); a folder that ships with plugins is never a cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cache {
    /// The user's cache: `$XDG_CACHE_HOME/cdt/plugins` or `~/.cache/cdt/plugins`
    /// (the default; nothing is cached when neither variable is set).
    User,
    /// In this directory.
    Dir(PathBuf),
    /// Nowhere: compile at every load.
    Off,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            limits: HostLimits::default(),
            budget: Budget::Fuel,
            pooling: true,
            cache: Cache::User,
            keep_resident: 2 * 1024 * 1024,
        }
    }
}

/// The per-run state inside a store: limits, and what the plugin logged.
pub(crate) struct RunState {
    plugin: Arc<str>,
    /// Fuel a host call costs before its bytes; `None` when runs are not fuelled.
    host_call_fuel: Option<u64>,
    memory_cap: usize,
    memory_exceeded: bool,
    log_lines: usize,
    log_bytes: usize,
    max_log_lines: usize,
    max_log_bytes: usize,
    dropped_logs: usize,
}

impl RunState {
    fn new(plugin: Arc<str>, limits: &PluginLimits, host_call_fuel: Option<u64>) -> Self {
        Self {
            plugin,
            host_call_fuel,
            memory_cap: limits.memory,
            memory_exceeded: false,
            log_lines: 0,
            log_bytes: 0,
            max_log_lines: limits.log_lines,
            max_log_bytes: limits.log_bytes,
            dropped_logs: 0,
        }
    }

    /// Takes one log line from the plugin, within the caps.
    fn log(&mut self, level: Level, message: &str) {
        if self.log_lines >= self.max_log_lines || self.log_bytes + message.len() > self.max_log_bytes {
            self.dropped_logs += 1;
            return;
        }
        self.log_lines += 1;
        self.log_bytes += message.len();
        // One line per log call: a plugin cannot forge another line (another plugin's
        // error, say) with a newline.
        let message = clean(message, 1000);
        let message = cdt_core::text::one_line(&message);
        let plugin = &*self.plugin;
        match level {
            Level::Debug => debug!(plugin, "{message}"),
            Level::Info => info!(plugin, "{message}"),
            Level::Warn | Level::Error => warn!(plugin, "{message}"),
        }
    }
}

/// The host's one import, `log`, charged to the run's fuel: a fixed cost per call plus
/// one unit per byte the call moved. Fuel counts the plugin's instructions, not the
/// host's work, so without this a loop logging megabytes would never run out.
fn log_import(mut store: StoreContextMut<'_, RunState>, (level, message): (Level, String)) -> wasmtime::Result<()> {
    if let Some(per_call) = store.data().host_call_fuel {
        let cost = per_call.saturating_add(message.len() as u64);
        let left = store.get_fuel()?;
        if left < cost {
            store.set_fuel(0)?;
            return Err(Trap::OutOfFuel.into());
        }
        store.set_fuel(left - cost)?;
    }
    store.data_mut().log(level, &message);
    Ok(())
}

impl ResourceLimiter for RunState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_exceeded = true;
            return Err(wasmtime::Error::msg("memory cap reached"));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        16
    }

    fn tables(&self) -> usize {
        8
    }

    fn memories(&self) -> usize {
        1
    }
}

/// The plugin host: the engine and linker that every plugin shares.
pub struct Host {
    engine: Engine,
    linker: Linker<RunState>,
    config: HostConfig,
    _ticker: Ticker,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The thread that advances the engine's epoch: the wall-clock deadline of every run.
struct Ticker {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The epoch tick.
const TICK: Duration = Duration::from_millis(10);

impl Host {
    /// A host with this configuration.
    pub fn new(config: HostConfig) -> Result<Self> {
        let mut c = Config::new();
        c.wasm_component_model(true)
            .cranelift_opt_level(OptLevel::Speed)
            .max_wasm_stack(config.limits.max_wasm_stack)
            .wasm_backtrace_max_frames(None)
            .consume_fuel(config.budget == Budget::Fuel)
            .epoch_interruption(true);
        if config.pooling {
            let mut pool = PoolingAllocationConfig::default();
            let n = config.limits.concurrent_runs;
            pool.total_component_instances(n)
                .total_core_instances(n * 8)
                .total_memories(n)
                .total_tables(n * 4)
                .max_core_instances_per_component(8)
                .max_memories_per_component(1)
                .max_tables_per_component(4)
                .max_memory_size(usize::try_from(config.limits.max_memory).unwrap_or(usize::MAX))
                .linear_memory_keep_resident(config.keep_resident)
                .table_keep_resident(64 * 1024)
                .pagemap_scan(wasmtime::Enabled::Auto);
            c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&c).map_err(|e| Error::Engine {
            message: format!("{e:#}"),
        })?;
        let mut linker = Linker::new(&engine);
        linker.root().func_wrap("log", log_import).map_err(|e| Error::Engine {
            message: format!("{e:#}"),
        })?;
        // Epochs bound every run's wall time, fuelled or not.
        let ticker = {
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let weak = engine.weak();
            let flag = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    match weak.upgrade() {
                        Some(e) => e.increment_epoch(),
                        None => break,
                    }
                }
            });
            Ticker { stop }
        };
        Ok(Self {
            engine,
            linker,
            config,
            _ticker: ticker,
        })
    }

    /// The host's configuration.
    #[must_use]
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// Checks and compiles (or loads from the cache) a component, links it against the
    /// host's one import, and checks that it exports the `cdt:plugin` world.
    pub fn prepare(
        &self,
        path: &Path,
        bytes: &[u8],
        expected_sha: Option<&str>,
        cache_dir: Option<&Path>,
    ) -> Result<Prepared> {
        let reject = |message: String| Error::Rejected {
            path: path.to_owned(),
            message,
        };
        let max = self.config.limits.max_component;
        if bytes.len() as u64 > max {
            return Err(reject(format!(
                "{} bytes, over the {max}-byte limit for a plugin",
                bytes.len()
            )));
        }
        if Engine::detect_precompiled(bytes).is_some() {
            return Err(reject(
                "a precompiled artefact; plugins are shipped as components (.wasm)".into(),
            ));
        }
        if !bytes.starts_with(b"\0asm") {
            return Err(reject("not a WebAssembly file".into()));
        }
        let sha = cache::sha256_hex(bytes);
        if let Some(expected) = expected_sha
            && expected != sha
        {
            return Err(reject(format!(
                "its SHA-256 is {sha}, but the manifest pins {expected}: the file was changed or replaced"
            )));
        }
        let cached = cache_dir.and_then(|d| cache::load(d, &self.engine, &sha));
        let component = if let Some(c) = cached {
            c
        } else {
            crate::shape::check(bytes, &self.config.limits).map_err(&reject)?;
            let c = self.compile(bytes).map_err(reject)?;
            if let Some(dir) = cache_dir {
                cache::store(dir, &self.engine, &sha, &c);
            }
            c
        };
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            reject(format!(
                "asks for something the host does not grant ({e:#}); plugins may import only the `cdt:plugin@1.0.0` log function"
            ))
        })?;
        let pre = DiagnosticPre::new(pre).map_err(|e| {
            reject(format!(
                "does not export the `cdt:plugin@1.0.0` world's `diagnose` function: {e:#}"
            ))
        })?;
        Ok(Prepared { pre })
    }

    /// Compiles a component on a thread of its own, waiting at most the compile
    /// timeout: past it, the caller moves on (the thread finishes in the background
    /// and its result is dropped), so one plugin cannot stall the others' loading.
    fn compile(&self, bytes: &[u8]) -> std::result::Result<Component, String> {
        let engine = self.engine.clone();
        let owned = bytes.to_vec();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("cdt-plugin-compile".into())
            .spawn(move || {
                let _ = tx.send(Component::new(&engine, &owned));
            })
            .map_err(|e| format!("cannot start compiling it: {e}"))?;
        let timeout = self.config.limits.compile_timeout;
        match rx.recv_timeout(timeout) {
            Ok(Ok(c)) => Ok(c),
            Ok(Err(e)) => Err(format!("does not compile: {e:#}")),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "did not compile within {} s; it was left behind so the other plugins could load",
                timeout.as_secs_f64()
            )),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err("the compiler stopped without an answer".into())
            }
        }
    }

    /// Runs a prepared plugin on a case document: a fresh store and instance, the
    /// limits armed before the plugin's first instruction, the verdict returned as JSON
    /// (not yet checked against the schema).
    pub(crate) fn call(
        &self,
        plugin: &Arc<str>,
        prepared: &Prepared,
        limits: &PluginLimits,
        case: &str,
    ) -> Result<String> {
        if case.len() > limits.input {
            return Err(Error::InputTooLarge {
                id: plugin.to_string(),
                size: case.len(),
                cap: limits.input,
            });
        }
        let mut store = self.store(plugin, limits)?;
        let instance = prepared
            .pre
            .instantiate(&mut store)
            .map_err(|e| self.failure(plugin, &store, limits, &e, "while starting"))?;
        let out = instance
            .call_diagnose(&mut store, case)
            .map_err(|e| self.failure(plugin, &store, limits, &e, "while diagnosing"))?;
        let dropped = store.data().dropped_logs;
        if dropped > 0 {
            warn!(plugin = %plugin, dropped, "plugin log lines over the cap were dropped");
        }
        match out {
            Ok(json) if json.len() > limits.output => Err(Error::OutputTooLarge {
                id: plugin.to_string(),
                size: json.len(),
                cap: limits.output,
            }),
            Ok(json) => Ok(json),
            Err(message) => Err(Error::PluginFailed {
                id: plugin.to_string(),
                message: clean(&message, 500),
            }),
        }
    }

    /// Creates a store and an instance and drops them, without calling the plugin:
    /// the fixed cost of a run, for benchmarks.
    pub(crate) fn instantiate_only(&self, plugin: &Arc<str>, prepared: &Prepared, limits: &PluginLimits) -> Result<()> {
        let mut store = self.store(plugin, limits)?;
        prepared
            .pre
            .instantiate(&mut store)
            .map_err(|e| self.failure(plugin, &store, limits, &e, "while starting"))?;
        Ok(())
    }

    /// A fresh store for one run, its limits armed: memory, fuel (when fuelled) and
    /// the wall-clock deadline.
    fn store(&self, plugin: &Arc<str>, limits: &PluginLimits) -> Result<Store<RunState>> {
        let fuelled = self.config.budget == Budget::Fuel;
        let host_call_fuel = fuelled.then_some(self.config.limits.host_call_fuel);
        let mut store = Store::new(&self.engine, RunState::new(Arc::clone(plugin), limits, host_call_fuel));
        store.limiter(|s| s);
        if fuelled {
            store.set_fuel(limits.fuel).map_err(|e| Error::Engine {
                message: format!("{e:#}"),
            })?;
        }
        let ticks = (self.deadline().as_millis() / TICK.as_millis()).max(1);
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        Ok(store)
    }

    /// The wall-clock deadline of a run: the epoch budget's, else the host's.
    fn deadline(&self) -> Duration {
        match self.config.budget {
            Budget::Epoch { deadline } => deadline,
            Budget::Fuel => self.config.limits.run_deadline,
        }
    }

    fn failure(
        &self,
        plugin: &str,
        store: &Store<RunState>,
        limits: &PluginLimits,
        e: &wasmtime::Error,
        phase: &'static str,
    ) -> Error {
        let id = plugin.to_owned();
        if store.data().memory_exceeded {
            return Error::OutOfMemory { id, cap: limits.memory };
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Error::OutOfFuel {
                id,
                budget: limits.fuel,
            },
            Some(Trap::Interrupt) => Error::Timeout {
                id,
                deadline_ms: u64::try_from(self.deadline().as_millis()).unwrap_or(u64::MAX),
            },
            Some(Trap::StackOverflow) => Error::StackOverflow { id },
            Some(Trap::UnreachableCodeReached) => Error::Trapped {
                id,
                phase,
                trap: "it reached an `unreachable` instruction (a panic or an abort)".into(),
            },
            Some(trap) => Error::Trapped {
                id,
                phase,
                trap: trap.to_string(),
            },
            None => Error::Abi {
                id,
                message: format!("{phase}: {}", clean(&format!("{e:#}"), 500)),
            },
        }
    }
}

/// A compiled, linked plugin, ready to instantiate.
pub struct Prepared {
    pre: DiagnosticPre<RunState>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_logs_are_capped_in_lines_and_bytes() {
        let limits = HostLimits::default().plugin_limits(None, None, None).unwrap();
        let mut state = RunState::new(Arc::from("spammer"), &limits, None);
        for _ in 0..100_000 {
            state.log(Level::Info, "spam");
        }
        assert_eq!(state.log_lines, limits.log_lines);
        assert_eq!(state.dropped_logs, 100_000 - limits.log_lines);
        let mut state = RunState::new(Arc::from("shouter"), &limits, None);
        state.log(Level::Error, &"x".repeat(limits.log_bytes + 1));
        assert_eq!((state.log_lines, state.dropped_logs), (0, 1));
    }

    #[test]
    fn growing_memory_past_the_cap_is_refused_and_remembered() {
        let limits = HostLimits::default().plugin_limits(None, Some(1), None).unwrap();
        let mut state = RunState::new(Arc::from("hog"), &limits, None);
        assert!(state.memory_growing(0, 1 << 20, None).unwrap());
        assert!(state.memory_growing(1 << 20, (1 << 20) + 65536, None).is_err());
        assert!(state.memory_exceeded);
    }
}
