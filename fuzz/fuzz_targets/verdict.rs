//! A plugin's verdict document on arbitrary text: the host's strict check of what a
//! plugin returns. It must never panic, and an accepted verdict holds no control
//! character in what is shown to people and respects the schema's counts.
#![no_main]

use cdt_wasm::wire::parse_verdict;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(v) = parse_verdict(text) {
        let shown = |s: &str| !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
        assert!(shown(&v.summary));
        assert!(v.findings.len() <= 100);
        assert!(v.findings.iter().all(|f| shown(&f.message)));
    }
});
