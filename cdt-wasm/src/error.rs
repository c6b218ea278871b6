//! The one error type of `cdt-wasm`.
//!
//! Load errors name the plugin's file; run errors name the plugin and say which
//! limit or rule it broke. None carries case data or a secret: plugin messages are
//! cut to a few hundred characters and stripped of control characters.

use std::path::PathBuf;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a plugin could not be loaded or could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A manifest is missing, unreadable or invalid.
    #[error("{}: {message}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },

    /// The component is refused before it runs: too large, wrong hash, not a
    /// component, does not compile, asks for imports the host does not grant, or does
    /// not export the `cdt:plugin` world.
    #[error("{}: {message}", path.display())]
    Rejected {
        /// The component file.
        path: PathBuf,
        /// Why.
        message: String,
    },

    /// The case document is larger than the plugin may receive.
    #[error("plugin `{id}`: the case is {size} bytes, over the {cap}-byte input limit")]
    InputTooLarge {
        /// The plugin.
        id: String,
        /// The case document's size.
        size: usize,
        /// The limit.
        cap: usize,
    },

    /// The run used up its fuel (its CPU budget).
    #[error(
        "plugin `{id}` ran out of fuel: it used its whole budget of {budget} units (an endless loop, or too much work)"
    )]
    OutOfFuel {
        /// The plugin.
        id: String,
        /// The budget.
        budget: u64,
    },

    /// The run passed its wall-clock deadline (epoch interruption).
    #[error("plugin `{id}` was interrupted at its {deadline_ms} ms deadline")]
    Timeout {
        /// The plugin.
        id: String,
        /// The deadline.
        deadline_ms: u64,
    },

    /// The plugin tried to grow its memory past its cap.
    #[error("plugin `{id}` tried to use more than its {cap} bytes of memory")]
    OutOfMemory {
        /// The plugin.
        id: String,
        /// The cap.
        cap: usize,
    },

    /// The plugin's call stack overflowed (runaway recursion).
    #[error("plugin `{id}` overflowed its stack (runaway recursion)")]
    StackOverflow {
        /// The plugin.
        id: String,
    },

    /// The plugin trapped: a panic, an abort, a bad memory access…
    #[error("plugin `{id}` crashed {phase}: {trap}")]
    Trapped {
        /// The plugin.
        id: String,
        /// `while starting` or `while diagnosing`.
        phase: &'static str,
        /// The trap, e.g. `wasm 'unreachable' instruction executed (a panic or an abort)`.
        trap: String,
    },

    /// The plugin broke the calling convention (e.g. returned an out-of-bounds or
    /// non-UTF-8 string), or could not be instantiated.
    #[error("plugin `{id}`: {message}")]
    Abi {
        /// The plugin.
        id: String,
        /// What went wrong.
        message: String,
    },

    /// The verdict is larger than the plugin may return.
    #[error("plugin `{id}`: its verdict is {size} bytes, over the {cap}-byte output limit")]
    OutputTooLarge {
        /// The plugin.
        id: String,
        /// The verdict's size.
        size: usize,
        /// The limit.
        cap: usize,
    },

    /// The verdict does not follow the schema (unknown status, wrong types, too many
    /// findings…).
    #[error("plugin `{id}` returned an invalid verdict: {reason}")]
    InvalidOutput {
        /// The plugin.
        id: String,
        /// What is wrong, naming the field.
        reason: String,
    },

    /// The plugin said it could not give a verdict.
    #[error("plugin `{id}` could not diagnose this case: {message}")]
    PluginFailed {
        /// The plugin.
        id: String,
        /// Its message, cut and cleaned.
        message: String,
    },

    /// The engine could not be set up.
    #[error("the WebAssembly engine could not start: {message}")]
    Engine {
        /// Why.
        message: String,
    },
}

impl Error {
    /// An [`Error::Io`] for a path.
    #[cfg(feature = "host")]
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A short, stable name for the kind of failure (`out_of_fuel`, `invalid_output`…),
    /// for logs and metrics.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io",
            Self::Manifest { .. } => "manifest",
            Self::Rejected { .. } => "rejected",
            Self::InputTooLarge { .. } => "input_too_large",
            Self::OutOfFuel { .. } => "out_of_fuel",
            Self::Timeout { .. } => "timeout",
            Self::OutOfMemory { .. } => "out_of_memory",
            Self::StackOverflow { .. } => "stack_overflow",
            Self::Trapped { .. } => "trapped",
            Self::Abi { .. } => "abi",
            Self::OutputTooLarge { .. } => "output_too_large",
            Self::InvalidOutput { .. } => "invalid_output",
            Self::PluginFailed { .. } => "plugin_failed",
            Self::Engine { .. } => "engine",
        }
    }
}

impl From<Error> for cdt_core::Error {
    fn from(e: Error) -> Self {
        let id = match &e {
            Error::InputTooLarge { id, .. }
            | Error::OutOfFuel { id, .. }
            | Error::Timeout { id, .. }
            | Error::OutOfMemory { id, .. }
            | Error::StackOverflow { id }
            | Error::Trapped { id, .. }
            | Error::Abi { id, .. }
            | Error::OutputTooLarge { id, .. }
            | Error::InvalidOutput { id, .. }
            | Error::PluginFailed { id, .. } => id.clone(),
            _ => String::new(),
        };
        let message = e.to_string();
        let prefix = format!("plugin `{id}`");
        let message = message
            .strip_prefix(&prefix)
            .map_or(message.clone(), |m| m.trim_start_matches([':', ' ']).to_owned());
        cdt_core::Error::Plugin { id, message }
    }
}

/// Cuts a plugin-provided text to `max` characters and replaces control characters
/// (ANSI escapes, NULs…) but newlines and tabs, so it is safe in logs and terminals.
pub(crate) fn clean(text: &str, max: usize) -> String {
    // The common case, checked on bytes: short enough, and no byte that could start a
    // control character (C0 and DEL are single bytes; C1 starts with 0xC2).
    if text.len() <= max
        && !text
            .bytes()
            .any(|b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f || b == 0xc2)
    {
        return text.to_owned();
    }
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_keeps_plain_text_and_replaces_every_control_character() {
        assert_eq!(clean("Zoë O'Brien\n\tok", 100), "Zoë O'Brien\n\tok");
        assert_eq!(
            clean("a\u{1b}[31mb\u{0}c\u{7f}d\u{85}e", 100),
            "a\u{fffd}[31mb\u{fffd}c\u{fffd}d\u{fffd}e"
        );
        // U+00C2 and U+0100 start with 0xC2/0xC4 but are not controls.
        assert_eq!(clean("Â\u{a0}Ā", 100), "Â\u{a0}Ā");
        assert_eq!(clean("abcdef", 3), "abc…");
        assert_eq!(clean("ééé", 3), "ééé");
        assert_eq!(clean("éééé", 3), "ééé…");
    }
}
