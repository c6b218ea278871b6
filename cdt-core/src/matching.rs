//! How names and emails are compared on real roster data.
//!
//! - Emails: without case or surrounding spaces.
//! - Text (school and class names): without case, accents, punctuation or extra spaces.
//! - Person names: as text, and also in `Family, Given` order, with middle and preferred
//!   names, and with hyphenated or multi-word family names (`García-López` matches
//!   `Garcia Lopez`). A query that matches several people yields all of them as
//!   candidates; tools never guess.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalizes an email for comparison: trimmed, lower-cased.
#[must_use]
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Whether two emails are the same address.
#[must_use]
pub fn same_email(a: &str, b: &str) -> bool {
    normalize_email(a) == normalize_email(b)
}

/// Normalizes free text for comparison: accents removed (NFKD without combining
/// marks), lower-cased, apostrophes dropped, other punctuation turned into spaces,
/// runs of spaces collapsed.
#[must_use]
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd() {
        if is_combining_mark(c) || matches!(c, '\'' | '\u{2019}' | '`') {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// The normalized words of a text.
#[must_use]
pub fn tokens(text: &str) -> Vec<String> {
    normalize_text(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether two texts are the same once normalized.
#[must_use]
pub fn same_text(a: &str, b: &str) -> bool {
    normalize_text(a) == normalize_text(b)
}

/// A coarse search key for pre-filtering names and titles in a database or an API:
/// the ASCII letters and digits of the text's NFKD form, ASCII-lower-cased, with
/// everything else dropped.
///
/// It is built so that a server can compute it too (PostgreSQL:
/// `regexp_replace(translate(normalize(t, NFKD), 'A..Z', 'a..z'), '[^a-z0-9]', '', 'g')`)
/// and so that it only ever widens a search: if a query word is a word of
/// [`normalize_text`]`(name)`, its key is a substring of the name's key. A connector
/// pre-filters with `key(name) LIKE '%' || key(word) || '%'` and then applies
/// [`match_person`] to the few candidates, so it returns exactly the rows a full scan
/// would.
#[must_use]
pub fn search_key(text: &str) -> String {
    text.nfkd()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The search key of a person's name as stored by the platform: the keys of the
/// first and last names joined by one space (see [`search_key`]).
#[must_use]
pub fn person_search_key(first: &str, last: &str) -> String {
    format!("{} {}", search_key(first), search_key(last))
}

/// The longest search key among the words of a name query: the most selective
/// substring a server can pre-filter on (empty when no word has ASCII letters).
#[must_use]
pub fn query_search_key(query: &str) -> String {
    query_search_keys(query).into_iter().next().unwrap_or_default()
}

/// The distinct, non-empty search keys of the words of a name query, longest first.
/// A person's name matches the query only if its key contains every one of them.
#[must_use]
pub fn query_search_keys(query: &str) -> Vec<String> {
    let mut keys: Vec<String> = tokens(query)
        .iter()
        .map(|w| search_key(w))
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    keys.dedup();
    keys
}

/// The parts of a person's name, as either side stores them.
#[derive(Clone, Copy, Debug, Default)]
pub struct PersonName<'a> {
    /// Given (first) name.
    pub given: &'a str,
    /// Middle name.
    pub middle: Option<&'a str>,
    /// Family (last) name.
    pub family: &'a str,
    /// Preferred given name.
    pub preferred: Option<&'a str>,
}

/// How well a query matches a person's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameMatch {
    /// No match.
    None,
    /// Every word of the query is one of the person's name words, but the query is not
    /// the whole name (e.g. `Maria Garcia` for `María García López`).
    Partial,
    /// The query is the person's whole name, in some accepted order.
    Exact,
}

/// Compares a name typed on a ticket with a person's name. To compare one query with
/// many people, build a [`NameQuery`] once instead.
#[must_use]
pub fn match_person(query: &str, name: PersonName<'_>) -> NameMatch {
    NameQuery::new(query).matches(name)
}

/// A name typed on a ticket, normalised once (its word sequences in each accepted
/// order), to compare with many people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameQuery {
    forms: Vec<Vec<String>>,
}

impl NameQuery {
    /// Normalises `query`.
    #[must_use]
    pub fn new(query: &str) -> Self {
        Self {
            forms: query_forms(query),
        }
    }

    /// How well this query matches a person's name.
    #[must_use]
    pub fn matches(&self, name: PersonName<'_>) -> NameMatch {
        let q = &self.forms;
        if q.is_empty() {
            return NameMatch::None;
        }
        let given = tokens(name.given);
        let family = tokens(name.family);
        let middle = name.middle.map(tokens).unwrap_or_default();
        let preferred = name.preferred.map(tokens).unwrap_or_default();

        let is_whole = |form: &[String]| {
            [&given, &preferred].into_iter().filter(|f| !f.is_empty()).any(|first| {
                let orders: [&[&Vec<String>]; 4] = [
                    &[first, &family],
                    &[&family, first],
                    &[first, &middle, &family],
                    &[&family, first, &middle],
                ];
                orders
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 2 || !middle.is_empty())
                    .any(|(_, parts)| concat_eq(parts, form))
            })
        };
        if q.iter().any(|form| is_whole(form)) {
            return NameMatch::Exact;
        }
        let words = &q[0];
        let all = || given.iter().chain(&family).chain(&middle).chain(&preferred);
        // A lone word must be a whole given or family name to count; two or more words
        // must all be name words and include a family-name word.
        let partial = if words.len() == 1 {
            family.contains(&words[0]) || given.contains(&words[0]) || preferred.contains(&words[0])
        } else {
            words.iter().all(|w| all().any(|n| n == w)) && words.iter().any(|w| family.contains(w))
        };
        if partial { NameMatch::Partial } else { NameMatch::None }
    }
}

/// Whether the parts, one after the other, are `form`.
fn concat_eq(parts: &[&Vec<String>], form: &[String]) -> bool {
    parts.iter().map(|p| p.len()).sum::<usize>() == form.len() && parts.iter().flat_map(|p| p.iter()).eq(form.iter())
}

/// The token sequences a query can mean: as written, and for `Family, Given` the
/// `Given Family` order too.
fn query_forms(query: &str) -> Vec<Vec<String>> {
    let mut forms = vec![tokens(query)];
    if let Some((family, given)) = query.split_once(',') {
        forms.push([tokens(given), tokens(family)].concat());
    }
    forms.retain(|f| !f.is_empty());
    forms
}

/// The best matches among candidates: all exact matches if there are any, otherwise
/// all partial ones. Returns the indices into `candidates` and the match quality.
#[must_use]
pub fn best_matches<'a, I>(query: &str, candidates: I) -> (Vec<usize>, NameMatch)
where
    I: IntoIterator<Item = PersonName<'a>>,
{
    let query = NameQuery::new(query);
    let scored: Vec<NameMatch> = candidates.into_iter().map(|n| query.matches(n)).collect();
    let best = scored.iter().copied().max().unwrap_or(NameMatch::None);
    if best == NameMatch::None {
        return (Vec::new(), NameMatch::None);
    }
    let idx = scored
        .iter()
        .enumerate()
        .filter(|(_, m)| **m == best)
        .map(|(i, _)| i)
        .collect();
    (idx, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name<'a>(given: &'a str, family: &'a str) -> PersonName<'a> {
        PersonName {
            given,
            family,
            ..PersonName::default()
        }
    }

    #[test]
    fn search_keys_only_widen_a_name_search() {
        assert_eq!(search_key("Zoë O'Brien-Núñez"), "zoeobriennunez");
        assert_eq!(person_search_key("María José", "García-López"), "mariajose garcialopez");
        assert_eq!(query_search_key("García López, Ma"), "garcia");
        assert_eq!(query_search_key("李 小龍"), "");
        assert_eq!(
            query_search_keys("García López, Ana Ana 李"),
            ["garcia", "lopez", "ana"]
        );
        // Every word of a matching name has its key inside the name's key.
        for (given, family, query) in [
            ("María José", "García-López", "maria garcia"),
            ("ZOË", "Ǆemal", "dzemal zoe"),
            ("Ana", "O\u{2019}Neil", "oneil ana"),
            ("İlkay", "Şahin", "ilkay sahin"),
        ] {
            let name = PersonName {
                given,
                family,
                ..PersonName::default()
            };
            assert_ne!(match_person(query, name), NameMatch::None, "{query}");
            let key = person_search_key(given, family);
            for w in tokens(query) {
                assert!(key.contains(&search_key(&w)), "{w} in {key}");
            }
        }
    }

    #[test]
    fn emails_ignore_case_and_spaces() {
        assert!(same_email(" Ana.Lopez@Example.ORG\t", "ana.lopez@example.org"));
        assert!(!same_email("ana@example.org", "ana@example.com"));
    }

    #[test]
    fn text_ignores_accents_case_punctuation_and_spaces() {
        assert_eq!(normalize_text("  Zoë   O'Brien-Núñez "), "zoe obrien nunez");
        assert!(same_text("Lincoln  Elementary", "lincoln elementary"));
        assert!(same_text("Escuela Juárez", "ESCUELA JUAREZ"));
    }

    #[test]
    fn whole_names_match_exactly_in_several_forms() {
        let n = name("María José", "García-López");
        assert_eq!(match_person("maria jose garcia lopez", n), NameMatch::Exact);
        assert_eq!(match_person("García López, María José", n), NameMatch::Exact);
        assert_eq!(match_person("MARIA-JOSE  GARCIA-LOPEZ", n), NameMatch::Exact);
        let with_middle = PersonName {
            middle: Some("Ann"),
            preferred: Some("Liz"),
            ..name("Elizabeth", "Van der Berg")
        };
        assert_eq!(
            match_person("Elizabeth Ann Van der Berg", with_middle),
            NameMatch::Exact
        );
        assert_eq!(match_person("Liz van der berg", with_middle), NameMatch::Exact);
    }

    #[test]
    fn part_of_a_name_is_a_partial_match() {
        let n = name("María", "García López");
        assert_eq!(match_person("Maria Garcia", n), NameMatch::Partial);
        assert_eq!(match_person("Garcia", n), NameMatch::Partial);
        assert_eq!(match_person("Maria Perez", n), NameMatch::None);
        assert_eq!(match_person("", n), NameMatch::None);
        // Two given-name words alone do not name a person.
        assert_eq!(match_person("Ana Maria", name("Ana Maria", "Ruiz")), NameMatch::None);
    }

    #[test]
    fn best_matches_prefers_exact_and_keeps_every_tie() {
        let people = [name("Sam", "Lee"), name("Sam", "Lee"), name("Samantha", "Lee")];
        let (idx, q) = best_matches("sam lee", people);
        assert_eq!((idx, q), (vec![0, 1], NameMatch::Exact));
        let (idx, q) = best_matches("Lee", people);
        assert_eq!((idx, q), (vec![0, 1, 2], NameMatch::Partial));
        let (idx, q) = best_matches("Kim", people);
        assert_eq!((idx, q), (vec![], NameMatch::None));
    }
}
