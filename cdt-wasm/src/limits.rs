//! The limits of the sandbox: the host's defaults and maxima, and a plugin's
//! effective limits (its manifest may ask for other values within the maxima).

use std::time::Duration;

/// One mebibyte.
const MIB: u64 = 1024 * 1024;

/// The host's limits: what a plugin gets by default, and the most it may ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostLimits {
    /// Default fuel (CPU budget, roughly one unit per WebAssembly instruction) per run.
    pub default_fuel: u64,
    /// The most fuel a manifest may ask for.
    pub max_fuel: u64,
    /// Default linear memory cap per run, in bytes.
    pub default_memory: u64,
    /// The most memory a manifest may ask for, in bytes.
    pub max_memory: u64,
    /// The largest component accepted, in bytes.
    pub max_component: u64,
    /// The largest case document a plugin receives, in bytes.
    pub max_input: usize,
    /// Default cap on the verdict document, in bytes.
    pub default_output: usize,
    /// The most a manifest may raise the verdict cap to, in bytes.
    pub max_output: usize,
    /// The WebAssembly stack, in bytes.
    pub max_wasm_stack: usize,
    /// Log lines kept per run.
    pub max_log_lines: usize,
    /// Log bytes kept per run.
    pub max_log_bytes: usize,
    /// Runs at once (pooling allocator slots).
    pub concurrent_runs: u32,
    /// The wall-clock deadline of one run, whatever its fuel: a run that spends its
    /// time in the host (copying what it logs, say) is stopped too.
    pub run_deadline: Duration,
    /// Fuel a call into the host costs, on top of one unit per byte it moves.
    pub host_call_fuel: u64,
    /// The longest a component may take to compile; past it, loading moves on to the
    /// next plugin and this one is refused.
    pub compile_timeout: Duration,
    /// The most function bodies in a component (all its core modules).
    pub max_functions: u64,
    /// The largest function body, in bytes.
    pub max_function_bytes: u64,
    /// The most locals in one function.
    pub max_locals: u64,
    /// The most branch targets (`block`, `loop`, `if`, `br_table` entries) in one
    /// function.
    pub max_branch_targets: u64,
    /// The largest `locals × branch targets` of one function: what makes compiling
    /// slow when both are large.
    pub max_compile_cost: u64,
}

impl Default for HostLimits {
    fn default() -> Self {
        Self {
            default_fuel: 100_000_000,
            max_fuel: 2_000_000_000,
            default_memory: 64 * MIB,
            max_memory: 256 * MIB,
            max_component: 8 * MIB,
            max_input: 4 * 1024 * 1024,
            default_output: 256 * 1024,
            max_output: 1024 * 1024,
            max_wasm_stack: 512 * 1024,
            max_log_lines: 64,
            max_log_bytes: 16 * 1024,
            concurrent_runs: 64,
            run_deadline: Duration::from_secs(10),
            host_call_fuel: 1000,
            compile_timeout: Duration::from_secs(20),
            max_functions: 50_000,
            max_function_bytes: 1024 * 1024,
            // The example plugins' largest function: 51 locals, 389 branch targets, a
            // product of 11,904. A function of 1,000 locals and 1,000 `br_table`
            // targets in a loop (a product of 1,000,000) takes seconds to compile.
            max_locals: 5_000,
            max_branch_targets: 50_000,
            max_compile_cost: 1_000_000,
        }
    }
}

/// A plugin's effective limits for one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginLimits {
    /// Fuel per run.
    pub fuel: u64,
    /// Linear memory cap, bytes.
    pub memory: usize,
    /// Case document cap, bytes.
    pub input: usize,
    /// Verdict document cap, bytes.
    pub output: usize,
    /// Log lines kept.
    pub log_lines: usize,
    /// Log bytes kept.
    pub log_bytes: usize,
}

impl HostLimits {
    /// A plugin's limits from what its manifest asks (`None`: the default). The error
    /// names the manifest key.
    pub fn plugin_limits(
        &self,
        fuel: Option<u64>,
        memory_mib: Option<u64>,
        output_kib: Option<u64>,
    ) -> Result<PluginLimits, String> {
        let fuel = fuel.unwrap_or(self.default_fuel);
        if fuel == 0 || fuel > self.max_fuel {
            return Err(format!("`limits.fuel` must be 1 to {}", self.max_fuel));
        }
        let memory = memory_mib.map_or(Some(self.default_memory), |m| m.checked_mul(MIB));
        let memory = memory
            .filter(|m| (MIB..=self.max_memory).contains(m))
            .ok_or_else(|| format!("`limits.memory_mib` must be 1 to {}", self.max_memory / MIB))?;
        let output = output_kib.map_or(Some(self.default_output as u64), |k| k.checked_mul(1024));
        let output = output
            .filter(|o| (1024..=self.max_output as u64).contains(o))
            .ok_or_else(|| format!("`limits.output_kib` must be 1 to {}", self.max_output / 1024))?;
        Ok(PluginLimits {
            fuel,
            memory: usize::try_from(memory).map_err(|_| "`limits.memory_mib` is too large".to_owned())?,
            input: self.max_input,
            output: usize::try_from(output).map_err(|_| "`limits.output_kib` is too large".to_owned())?,
            log_lines: self.max_log_lines,
            log_bytes: self.max_log_bytes,
        })
    }
}
