//! Writing to stdout. A closed pipe (`cdt demo cases | head`) ends output quietly
//! instead of panicking.

use std::io::Write;

/// Writes `text` to stdout; a reader that went away is not an error.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
