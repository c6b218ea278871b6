//! A ticket's text as words with their place: what separates each word from the one
//! before it, whether it is capitalised, and whether it sits in a quoted line, an email
//! header or a signature (where names are rarely the case's).

use crate::matching::normalize_text;

/// What separates a word from the word before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gap {
    /// Spaces only.
    Space,
    /// A hyphen (a double-barrelled name), with or without spaces.
    Hyphen,
    /// A comma (`Family, Given`).
    Comma,
    /// A hyphen with spaces around it (`Band - Period 7`): joins a class's title, not a
    /// name.
    Dash,
    /// Anything else: a sentence end, a line break, brackets, quotes.
    Break,
}

/// Where in the ticket a line sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// The writer's own words.
    Body,
    /// A quoted line (`>`) of an earlier message.
    Quoted,
    /// An email header line (`From:`, `To:`, `Sent:` …).
    Header,
    /// A signature: the lines after a closing (`Thanks,`, `Best regards`, `--`).
    Signature,
}

/// One word of the ticket.
#[derive(Clone, Debug)]
pub struct Word {
    /// The word normalised (lower case, no accents): one token of
    /// [`crate::matching::tokens`].
    pub norm: String,
    /// Byte offsets of the word in the text.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
    /// Whether the word starts with an upper-case letter.
    pub capital: bool,
    /// What separates it from the word before.
    pub gap: Gap,
    /// Where it sits.
    pub region: Region,
    /// Whether it starts a sentence or a line.
    pub sentence_start: bool,
}

/// An email address found in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAt {
    /// The address as written.
    pub address: String,
    /// Byte offset in the text.
    pub start: usize,
    /// Where it sits.
    pub region: Region,
}

/// The ticket's text, split.
#[derive(Clone, Debug, Default)]
pub struct Text {
    /// The text.
    pub raw: String,
    /// Its words (email addresses excluded).
    pub words: Vec<Word>,
    /// Its email addresses.
    pub emails: Vec<EmailAt>,
}

/// The longest text read; a ticket longer than this is read up to here.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

const CLOSINGS: &[&str] = &[
    "thanks",
    "thank you",
    "many thanks",
    "thanks again",
    "thanks so much",
    "thank you so much",
    "best",
    "best regards",
    "kind regards",
    "regards",
    "warm regards",
    "cheers",
    "sincerely",
    "respectfully",
    "all the best",
    "gracias",
    "saludos",
    "un saludo",
    "cordialement",
    "mit freundlichen grussen",
    "pozdrawiam",
    "hilsen",
    "med vennlig hilsen",
    "sent from my iphone",
];

const HEADERS: &[&str] = &[
    "from", "to", "cc", "bcc", "sent", "date", "subject", "de", "para", "enviado", "asunto",
];

impl Text {
    /// Splits `raw` (cut at [`MAX_TEXT_BYTES`] on a character boundary).
    #[must_use]
    pub fn new(raw: &str) -> Self {
        let mut cut = raw.len().min(MAX_TEXT_BYTES);
        while !raw.is_char_boundary(cut) {
            cut -= 1;
        }
        let cleaned = strip_html(&raw[..cut]);
        let raw = cleaned.as_str();
        let mut text = Text {
            raw: raw.to_owned(),
            ..Text::default()
        };
        let mut offset = 0;
        let mut in_signature = false;
        let mut signature_lines = 0;
        for line in raw.split_inclusive('\n') {
            let trimmed = line.trim();
            let quoted = trimmed.starts_with('>');
            let lower = normalize_text(trimmed);
            let header = HEADERS.iter().any(|h| {
                trimmed.len() > h.len()
                    && trimmed.is_char_boundary(h.len())
                    && trimmed[..h.len()].eq_ignore_ascii_case(h)
                    && trimmed[h.len()..].starts_with(':')
            }) || trimmed.starts_with("-----")
                || lower.starts_with("on ") && lower.ends_with(" wrote");
            if trimmed.is_empty() {
                // A blank line after a few signature lines ends it.
                if in_signature && signature_lines >= 6 {
                    in_signature = false;
                }
            } else if header {
                in_signature = false;
            }
            let region = if header {
                Region::Header
            } else if in_signature {
                signature_lines += 1;
                Region::Signature
            } else if quoted {
                Region::Quoted
            } else {
                Region::Body
            };
            text.split_line(line, offset, region);
            if !header && (CLOSINGS.contains(&lower.as_str()) || trimmed == "--" || trimmed == "-- ") {
                in_signature = true;
                signature_lines = 0;
            }
            offset += line.len();
        }
        text
    }

    fn split_line(&mut self, line: &str, offset: usize, region: Region) {
        let mut gap = Gap::Break;
        let mut spaced = false;
        let mut sentence_start = true;
        let mut chars = line.char_indices().peekable();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_alphanumeric() {
                // A run of word characters, apostrophes inside, and an email if `@` follows.
                let start = i;
                let mut end = i;
                while let Some(&(j, d)) = chars.peek() {
                    let inside = d.is_alphanumeric()
                        || matches!(d, '\'' | '\u{2019}') && next_is_alnum(line, j + d.len_utf8())
                        || is_combining(d);
                    if !inside {
                        break;
                    }
                    end = j + d.len_utf8();
                    chars.next();
                }
                if let Some(email_end) = email_at(line, start) {
                    let address = line[start..email_end].to_owned();
                    self.emails.push(EmailAt {
                        address,
                        start: offset + start,
                        region,
                    });
                    while chars.peek().is_some_and(|&(j, _)| j < email_end) {
                        chars.next();
                    }
                    gap = Gap::Break;
                    sentence_start = false;
                    continue;
                }
                let mut word = &line[start..end];
                // A possessive (`Reyes's`) is the name.
                for tail in ["'s", "\u{2019}s"] {
                    if word.len() > tail.len() + 1 && word.ends_with(tail) {
                        word = &word[..word.len() - tail.len()];
                    }
                }
                let norm = normalize_text(word).replace(' ', "");
                if !norm.is_empty() {
                    self.words.push(Word {
                        norm,
                        start: offset + start,
                        end: offset + end,
                        capital: word.chars().next().is_some_and(char::is_uppercase),
                        gap,
                        region,
                        sentence_start,
                    });
                }
                gap = Gap::Space;
                spaced = false;
                sentence_start = false;
            } else {
                chars.next();
                match c {
                    ' ' | '\t' => spaced = true,
                    // A hyphen joins only the words it touches: `Quispe-Huamán`, not
                    // `Transfer - Zebulon`.
                    '-' | '\u{2010}' | '\u{2011}' if gap == Gap::Space && !spaced => gap = Gap::Hyphen,
                    '-' | '\u{2013}' | '\u{2014}' if gap == Gap::Space => gap = Gap::Dash,
                    ',' if gap == Gap::Space => gap = Gap::Comma,
                    '.' | '!' | '?' | '\n' => {
                        gap = Gap::Break;
                        sentence_start = true;
                    }
                    _ => gap = Gap::Break,
                }
            }
        }
    }

    /// The text of words `from..to` as written.
    #[must_use]
    pub fn span(&self, from: usize, to: usize) -> &str {
        match (self.words.get(from), to.checked_sub(1).and_then(|t| self.words.get(t))) {
            (Some(a), Some(b)) if a.start <= b.end => &self.raw[a.start..b.end],
            _ => "",
        }
    }

    /// Whether the writer does not use capitals (under one word in twenty): then a
    /// name need not be capitalised to count.
    #[must_use]
    pub fn lowercase(&self) -> bool {
        let capitals = self.words.iter().filter(|w| w.capital).count();
        self.words.len() >= 8 && capitals * 20 < self.words.len()
    }

    /// The words around byte offset `at` (up to `n` each side), as written, for quoting
    /// what decided a choice.
    #[must_use]
    pub fn context(&self, at: usize, n: usize) -> String {
        let i = self.words.partition_point(|w| w.start < at);
        let from = i.saturating_sub(n);
        let to = (i + n).min(self.words.len());
        let flat = self.span(from, to).split_whitespace().collect::<Vec<_>>().join(" ");
        crate::text::one_line(&flat).into_owned()
    }
}

/// Tags that end a line.
const BLOCK_TAGS: &[&str] = &["br", "p", "div", "li", "tr", "h1", "h2", "h3", "ul", "ol", "blockquote"];

/// Ticket bodies are often HTML: tags become line breaks or nothing, the common
/// entities their characters. Text without `<` or `&` is returned as is.
fn strip_html(raw: &str) -> String {
    if !raw.contains('<') && !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(body) = tail.strip_prefix('<') {
            // A tag: up to its `>` on the same short stretch, else a plain `<`.
            let is_tag = |e: usize| {
                let inner = &body[..e];
                e < 200
                    && !inner.contains(['<', '@'])
                    && inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!')
            };
            if let Some(e) = body.find('>').filter(|&e| is_tag(e)) {
                let name = body[..e].trim_start_matches('/').to_ascii_lowercase();
                let block = BLOCK_TAGS.iter().any(|b| {
                    name.strip_prefix(b)
                        .is_some_and(|after| after.chars().next().is_none_or(|c| !c.is_ascii_alphanumeric()))
                });
                out.push(if block { '\n' } else { ' ' });
                rest = &body[e + 1..];
            } else {
                out.push('<');
                rest = body;
            }
        } else {
            let body = &tail[1..];
            let decoded = body
                .find(';')
                .filter(|&e| e <= 8)
                .and_then(|e| entity(&body[..e]).map(|c| (e, c)));
            if let Some((e, c)) = decoded {
                out.push(c);
                rest = &body[e + 1..];
            } else {
                out.push('&');
                rest = body;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "nbsp" => Some(' '),
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code).filter(|c| !c.is_control() || *c == '\n')
        }
    }
}

fn is_combining(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

fn next_is_alnum(line: &str, at: usize) -> bool {
    line.get(at..)
        .and_then(|s| s.chars().next())
        .is_some_and(char::is_alphanumeric)
}

/// If an email address starts at the word at `start` (its local part may hold `.`, `_`,
/// `+`, `-`), where it ends.
fn email_at(line: &str, start: usize) -> Option<usize> {
    let rest = &line[start..];
    let local_len = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '%')))
        .map_or(rest.len(), |(i, _)| i);
    let after = &rest[local_len..];
    let domain = after.strip_prefix('@')?;
    let domain_len = domain
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '.' | '-')))
        .map_or(domain.len(), |(i, _)| i);
    let d = domain[..domain_len].trim_end_matches(['.', '-']);
    let (host, tld) = d.rsplit_once('.')?;
    if host.is_empty() || tld.len() < 2 || local_len == 0 {
        return None;
    }
    Some(start + local_len + 1 + d.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_carry_their_gaps_and_regions() {
        let t = Text::new("Hi, my son is Quispe-Huamán, Mateo.\nThanks,\nAna Ruiz\nWest Office");
        let norms: Vec<&str> = t.words.iter().map(|w| w.norm.as_str()).collect();
        assert_eq!(
            norms,
            [
                "hi", "my", "son", "is", "quispe", "huaman", "mateo", "thanks", "ana", "ruiz", "west", "office"
            ]
        );
        assert_eq!(t.words[5].gap, Gap::Hyphen);
        assert_eq!(t.words[6].gap, Gap::Comma);
        assert!(t.words[6].capital);
        assert_eq!(t.words[8].region, Region::Signature);
        assert_eq!(t.words[3].region, Region::Body);
    }

    #[test]
    fn emails_are_found_whole_and_not_split_into_words() {
        let t =
            Text::new("From: Ximena <ximena.huaman@andes-mail.example>\n> write to HANA.TM@Famille-Moreau.example.");
        let found: Vec<&str> = t.emails.iter().map(|e| e.address.as_str()).collect();
        assert_eq!(
            found,
            ["ximena.huaman@andes-mail.example", "HANA.TM@Famille-Moreau.example"]
        );
        assert_eq!(t.emails[0].region, Region::Header);
        assert_eq!(t.emails[1].region, Region::Quoted);
        assert!(t.words.iter().all(|w| w.norm != "huaman" && w.norm != "example"));
    }

    #[test]
    fn html_is_read_as_text() {
        let t = Text::new("<p>Hi&nbsp;team,</p><p>my son <b>Mateo</b> Quispe&#39;s account</p>&amp; 3 < 4");
        let norms: Vec<&str> = t.words.iter().map(|w| w.norm.as_str()).collect();
        assert_eq!(
            norms,
            ["hi", "team", "my", "son", "mateo", "quispe", "account", "3", "4"]
        );
        assert_eq!(t.words[4].gap, Gap::Space, "an inline tag joins");
        assert_eq!(t.words[2].gap, Gap::Break, "a paragraph ends a sentence");
        assert!(t.raw.contains("& 3 < 4"));
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let t = Text::new(&"é".repeat(MAX_TEXT_BYTES));
        assert!(t.raw.len() <= MAX_TEXT_BYTES);
    }
}
