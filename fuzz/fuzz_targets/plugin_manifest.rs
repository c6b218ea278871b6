//! A plugin's manifest (`plugin.toml`) on arbitrary text. Parsing must never panic, an
//! error must name the file, and a manifest that parses carries only printable text
//! (what `cdt tools` prints) within the host's limits.
#![no_main]

use std::path::Path;

use cdt_wasm::{HostLimits, Manifest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = HostLimits::default();
    match Manifest::parse(text, Path::new("plugins/x/plugin.toml"), &limits) {
        Ok(m) => {
            let printable = |s: &str, multiline: bool| {
                !s.chars()
                    .any(|c| cdt_core::text::is_unsafe_char(c) && !(multiline && c == '\n'))
            };
            assert!(printable(&m.spec.title, false) && printable(&m.version, false));
            assert!(printable(&m.spec.description, true));
            assert!(m.spec.inputs.iter().all(|i| printable(&i.help, false)));
            assert!(m.limits.fuel >= 1 && m.limits.fuel <= limits.max_fuel);
            assert!(m.limits.memory as u64 <= limits.max_memory);
        }
        Err(e) => assert!(e.to_string().starts_with("plugins/x/plugin.toml: "), "{e}"),
    }
});
