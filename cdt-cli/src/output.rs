//! Writing to stdout. A closed pipe (`cdt demo cases | head`) ends output quietly
//! instead of panicking.

use std::io::Write;

/// Writes `text` to stdout; a reader that went away is not an error. Control
/// characters but line breaks and tabs never reach the terminal
/// ([`cdt_core::text::terminal`]), whatever the text holds.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    let text = cdt_core::text::terminal(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes a one-line note to stderr (beside output that must stay machine-readable),
/// through [`cdt_core::text::one_line`].
#[allow(clippy::print_stderr)]
pub(crate) fn note(text: &str) {
    eprintln!("{}", cdt_core::text::one_line(text));
}
