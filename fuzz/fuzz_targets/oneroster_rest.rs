//! The readers of OneRoster REST answers on arbitrary bytes: `imsx_statusInfo` error
//! bodies of both versions, listings and single records of every collection, and the
//! `Link` header. They must never panic.
#![no_main]

use cdt_connectors::oneroster_api::fuzzing::read_answer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line is the Link header, the rest the body.
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(0);
    let (link, body) = data.split_at(split);
    let _ = read_answer(body, &String::from_utf8_lossy(link));
});
