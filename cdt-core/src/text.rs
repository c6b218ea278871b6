//! Text that came from outside (SIS names and emails, file contents, plugin strings)
//! made safe to show on a terminal or in a one-line log.
//!
//! A district's data can hold anything: an escape sequence in a family name can
//! repaint or retitle an engineer's terminal, a newline in a name can forge a line of
//! a report, and a bidirectional override can make text read differently from what it
//! is. Every adapter that writes text for people passes outside text through here.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls, DEL, and the
/// bidirectional embedding, override and isolate characters.
#[must_use]
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `text` on one line: every control character (newlines and tabs included) and every
/// bidirectional control replaced with `U+FFFD`. Borrowed when nothing changes.
#[must_use]
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_unsafe_char(c) { '\u{fffd}' } else { c })
            .collect(),
    )
}

/// `text` safe for a terminal, keeping its line breaks (`\n` and `\r\n`) and tabs:
/// every other control character (escape sequences, a lone carriage return, NUL…)
/// and every bidirectional control replaced with `U+FFFD`. Borrowed when nothing
/// changes.
#[must_use]
pub fn terminal(text: &str) -> Cow<'_, str> {
    let mut chars = text.chars().peekable();
    let mut out: Option<String> = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        let kept = !is_unsafe_char(c) || c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
        if !kept {
            out.get_or_insert_with(|| text[..at].to_owned()).push('\u{fffd}');
        } else if let Some(o) = out.as_mut() {
            o.push(c);
        }
        at += c.len_utf8();
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

/// A caller's text for an error message: control characters dropped, at most
/// `max_chars` characters, so a hostile value can neither forge lines nor flood the
/// message.
#[must_use]
pub fn clip(text: &str, max_chars: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        assert!(matches!(one_line("Zoë O'Brien-Núñez"), Cow::Borrowed(_)));
        assert!(matches!(terminal("a\n\tb"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_escapes_and_bidi_are_replaced() {
        assert_eq!(one_line("Ana\u{1b}]0;pwned\u{7}"), "Ana\u{fffd}]0;pwned\u{fffd}");
        assert_eq!(one_line("Ana\nerror: forged"), "Ana\u{fffd}error: forged");
        assert_eq!(one_line("a\r\u{85}\u{0}b"), "a\u{fffd}\u{fffd}\u{fffd}b");
        assert_eq!(one_line("abc\u{202e}fed"), "abc\u{fffd}fed");
        assert_eq!(terminal("line\n\tnext\u{1b}[2J"), "line\n\tnext\u{fffd}[2J");
        assert_eq!(terminal("a,b\r\nc\rd\r"), "a,b\r\nc\u{fffd}d\u{fffd}");
        assert!(matches!(terminal("a\r\nb"), Cow::Borrowed(_)));
    }
}
