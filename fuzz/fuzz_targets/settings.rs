//! Customer settings and the environments file on arbitrary text. Parsing must never
//! panic, an error must name the file, and no error may echo a secret-looking value
//! it was given (the literal-secret check quotes nothing).
#![no_main]

use std::path::Path;

use cdt_connectors::Environments;
use cdt_core::Customer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Customer::from_json(text);
    let file = Path::new("settings/_environments.json");
    if let Err(e) = Environments::from_json(text, file) {
        assert!(e.to_string().contains("_environments.json"), "{e}");
    }
});
