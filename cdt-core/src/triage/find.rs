//! Finding the district's people, schools and classes in a ticket's words, and the
//! names that look like a person or a class the district does not have.

use std::collections::{BTreeMap, HashMap};

use crate::matching::tokens;

use super::directory::{Directory, within_one_edit};
use super::text::{Gap, Region, Text, Word};

/// A person of the district named in the text.
#[derive(Clone, Debug)]
pub(super) struct PersonMention {
    /// Index into [`Directory::people`].
    pub(super) person: usize,
    /// First word of the mention.
    pub(super) from: usize,
    /// One past its last word.
    pub(super) to: usize,
    /// How sure: 1.0 for the whole name as written by the district, less for part of a
    /// family name, the other order, or a letter off.
    pub(super) score: f64,
    /// How many words were a letter off.
    pub(super) typos: usize,
}

/// A school of the district named in the text.
#[derive(Clone, Debug)]
pub(super) struct SchoolMention {
    /// Index into [`Directory::schools`].
    pub(super) school: usize,
    /// First word.
    pub(super) from: usize,
    /// One past the last word.
    pub(super) to: usize,
}

/// A class of the district named in the text.
#[derive(Clone, Debug)]
pub(super) struct ClassMention {
    /// Indexes into [`Directory::classes`] with this title.
    pub(super) classes: Vec<usize>,
    /// First word.
    pub(super) from: usize,
    /// One past the last word.
    pub(super) to: usize,
}

/// Something that looks like a name the district does not have.
#[derive(Clone, Debug)]
pub(super) struct Unknown {
    /// Whether a word like `son` or `student` comes before it, or it is written
    /// `Family, Given`.
    pub(super) cued: bool,
    /// The name as written, in `Given Family` order.
    pub(super) name: String,
    /// First word.
    pub(super) from: usize,
    /// One past the last word.
    pub(super) to: usize,
}

/// Words that start a name only as the first word of a sentence, or are never names.
const COMMON: &[&str] = &[
    "a",
    "about",
    "access",
    "account",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "best",
    "bookmarked",
    "both",
    "but",
    "by",
    "can",
    "cant",
    "class",
    "classes",
    "could",
    "dad",
    "daughter",
    "day",
    "dear",
    "did",
    "district",
    "do",
    "does",
    "dont",
    "each",
    "elementary",
    "email",
    "english",
    "even",
    "every",
    "father",
    "for",
    "friday",
    "from",
    "good",
    "grade",
    "had",
    "has",
    "have",
    "he",
    "hello",
    "her",
    "hi",
    "high",
    "his",
    "how",
    "i",
    "if",
    "in",
    "is",
    "it",
    "its",
    "just",
    "last",
    "let",
    "like",
    "me",
    "middle",
    "miss",
    "mom",
    "monday",
    "mother",
    "mr",
    "mrs",
    "ms",
    "my",
    "no",
    "not",
    "now",
    "of",
    "on",
    "one",
    "or",
    "our",
    "please",
    "portal",
    "regards",
    "saturday",
    "school",
    "she",
    "since",
    "so",
    "son",
    "student",
    "sunday",
    "support",
    "team",
    "thanks",
    "thank",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "they",
    "this",
    "thursday",
    "to",
    "today",
    "tuesday",
    "unified",
    "up",
    "us",
    "usd",
    "was",
    "we",
    "wednesday",
    "week",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "yes",
    "yesterday",
    "you",
    "your",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "sis",
    "oneroster",
    "classlink",
    "hubspot",
    "ticket",
    "issue",
    "problem",
    "parent",
    "parents",
    "guardian",
    "teacher",
    "principal",
    "office",
    "secretary",
    "admin",
    "it",
    "hey",
    "ok",
    "okay",
    "sorry",
    "urgent",
    "re",
    "fw",
    "fwd",
    "subject",
    "sent",
    "cc",
    "date",
    "demo",
    "transfer",
    "transferred",
    "missing",
    "moved",
    "new",
    "old",
    "help",
    "question",
    "account",
    "login",
    "app",
    "duplicate",
    "shared",
    "wrong",
    "hola",
    "bonjour",
    "merci",
    "gracias",
];

/// Words after which a name is likely a student's or a child's.
const PERSON_CUES: &[&str] = &[
    "son",
    "daughter",
    "child",
    "kid",
    "student",
    "grandson",
    "granddaughter",
    "nephew",
    "niece",
    "stepson",
    "stepdaughter",
    "named",
    "called",
    "pupil",
    "ward",
    "for",
    "about",
    "boy",
    "girl",
    "hijo",
    "hija",
];

/// Words that follow a class's title.
const CLASS_CUES: &[&str] = &[
    "class", "club", "course", "section", "elective", "period", "workshop", "lab", "team", "seminar", "studio",
];

fn is_common(w: &str) -> bool {
    COMMON.contains(&w)
}

/// Where a name word may be: not in a header or signature.
fn nameable(w: &Word) -> bool {
    matches!(w.region, Region::Body | Region::Quoted)
}

/// Short forms of given names, as people write them on tickets: `(short, name)`.
const NICKNAMES: &[(&str, &str)] = &[
    ("abby", "abigail"),
    ("alex", "alexander"),
    ("alex", "alexandra"),
    ("andy", "andrew"),
    ("ben", "benjamin"),
    ("benji", "benjamin"),
    ("bella", "isabella"),
    ("bill", "william"),
    ("bob", "robert"),
    ("charlie", "charles"),
    ("charlie", "charlotte"),
    ("chris", "christopher"),
    ("dan", "daniel"),
    ("danny", "daniel"),
    ("dave", "david"),
    ("ellie", "eleanor"),
    ("gabe", "gabriel"),
    ("izzy", "isabella"),
    ("jake", "jacob"),
    ("jim", "james"),
    ("jimmy", "james"),
    ("joe", "joseph"),
    ("josh", "joshua"),
    ("kate", "katherine"),
    ("katie", "katherine"),
    ("lexi", "alexis"),
    ("liz", "elizabeth"),
    ("lupe", "guadalupe"),
    ("maddie", "madison"),
    ("manny", "manuel"),
    ("matt", "matthew"),
    ("mike", "michael"),
    ("nacho", "ignacio"),
    ("nate", "nathan"),
    ("nick", "nicholas"),
    ("paco", "francisco"),
    ("pepe", "jose"),
    ("rob", "robert"),
    ("sam", "samuel"),
    ("sam", "samantha"),
    ("tom", "thomas"),
    ("tommy", "thomas"),
    ("tony", "anthony"),
    ("will", "william"),
    ("zach", "zachary"),
    ("teddy", "theodore"),
    ("ted", "theodore"),
    ("theo", "theodore"),
    ("ted", "edward"),
    ("eddie", "edward"),
    ("maddie", "madeline"),
    ("maddie", "madelyn"),
    ("mandy", "amanda"),
    ("jen", "jennifer"),
    ("jenny", "jennifer"),
    ("becca", "rebecca"),
    ("becky", "rebecca"),
    ("tori", "victoria"),
    ("vicky", "victoria"),
    ("sasha", "alexander"),
    ("sasha", "alexandra"),
    ("kasia", "katarzyna"),
    ("kuba", "jakub"),
    ("ola", "aleksandra"),
    ("gosia", "malgorzata"),
    ("lucy", "lucia"),
    ("sofi", "sofia"),
    ("livvy", "olivia"),
    ("liv", "olivia"),
    ("addy", "addison"),
    ("gabby", "gabriela"),
    ("gabby", "gabriella"),
    ("mia", "amelia"),
    ("millie", "amelia"),
    ("ella", "isabella"),
    ("ellie", "elena"),
    ("nico", "nicolas"),
    ("santi", "santiago"),
    ("alejo", "alejandro"),
    ("lupita", "guadalupe"),
    ("chucho", "jesus"),
    ("xime", "ximena"),
];

/// Whether `word` is `name`, one letter off, or its short form; `Some(true)` when not
/// the same.
fn token_match(word: &str, name: &str) -> Option<bool> {
    if word == name {
        Some(false)
    } else if NICKNAMES.iter().any(|&(short, full)| short == word && full == name)
        || word.chars().count() >= 4 && name.chars().count() >= 4 && within_one_edit(word, name)
    {
        Some(true)
    } else {
        None
    }
}

/// Matches `seq` (name tokens) at word `at`; the words between must be joined by the
/// gaps `joins` allows. Returns the end and the typos.
fn match_seq(words: &[Word], at: usize, seq: &[String], joins: &[Gap]) -> Option<(usize, usize)> {
    let mut typos = 0;
    for (k, name) in seq.iter().enumerate() {
        let w = words.get(at + k)?;
        if k > 0 && !joins.contains(&w.gap) {
            return None;
        }
        if token_match(&w.norm, name)? {
            typos += 1;
        }
    }
    Some((at + seq.len(), typos))
}

/// The best way person `p`'s name is written at word `at`: `(end, score, typos)`.
fn match_person_at(words: &[Word], at: usize, dir: &Directory, p: usize) -> Option<(usize, f64, usize)> {
    let person = &dir.people[p];
    let inner = [Gap::Space, Gap::Hyphen];
    let mut best: Option<(usize, f64, usize)> = None;
    let mut consider = |found: Option<(usize, usize)>, base: f64, extra_typos: usize| {
        if let Some((end, typos)) = found {
            let typos = typos + extra_typos;
            let score = base - 0.12 * f64::from(u32::try_from(typos).unwrap_or(u32::MAX));
            if best.is_none_or(|(e, s, _)| score.total_cmp(&s).then(end.cmp(&e)).is_gt()) {
                best = Some((end, score, typos));
            }
        }
    };
    let family = &person.family;
    for first in [&person.given, &person.preferred] {
        if first.is_empty() || family.is_empty() {
            continue;
        }
        // Given Family, Given Middle Family, Given Family-part.
        if let Some((g_end, g_typos)) = match_seq(words, at, first, &inner) {
            let after = |k: usize| words.get(k).is_some_and(|w| w.gap == Gap::Space);
            if after(g_end) {
                consider(match_seq(words, g_end, family, &inner), 1.0, g_typos);
                if !person.middle.is_empty()
                    && let Some((m_end, m_typos)) = match_seq(words, g_end, &person.middle, &inner)
                    && after(m_end)
                {
                    consider(match_seq(words, m_end, family, &inner), 1.0, g_typos + m_typos);
                }
                if family.len() > 1 {
                    for part in family {
                        consider(
                            match_seq(words, g_end, std::slice::from_ref(part), &inner),
                            0.8,
                            g_typos,
                        );
                    }
                }
            }
        }
        // Family, Given (and Family Given, less sure).
        if let Some((f_end, f_typos)) = match_seq(words, at, family, &inner)
            && let Some(next) = words.get(f_end)
        {
            match next.gap {
                Gap::Comma => consider(match_seq(words, f_end, first, &inner), 0.95, f_typos),
                Gap::Space => consider(match_seq(words, f_end, first, &inner), 0.7, f_typos),
                _ => {}
            }
        }
    }
    // A name of the wrong order or partial must be capitalised somewhere to count when
    // a letter is off: lower-case ordinary words one letter from a name are common.
    best.filter(|&(end, score, typos)| typos == 0 || score >= 0.8 && words[at..end].iter().any(|w| w.capital))
}

/// The district's people named in the text, best first per place.
#[must_use]
pub(super) fn people(text: &Text, dir: &Directory) -> Vec<PersonMention> {
    let words = &text.words;
    let mut found = Vec::new();
    for at in 0..words.len() {
        let w = &words[at];
        if !nameable(w) {
            continue;
        }
        let mut candidates: Vec<usize> = dir.with_token(&w.norm).to_vec();
        for &(_, full) in NICKNAMES.iter().filter(|(short, _)| *short == w.norm) {
            candidates.extend_from_slice(dir.with_token(full));
        }
        if w.norm.chars().count() >= 4 && !is_common(&w.norm) {
            for near in dir.near_tokens(&w.norm) {
                candidates.extend_from_slice(dir.with_token(&near));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut here: Vec<PersonMention> = candidates
            .into_iter()
            .filter_map(|p| {
                let (to, score, typos) = match_person_at(words, at, dir, p)?;
                words[at..to].iter().all(nameable).then_some(PersonMention {
                    person: p,
                    from: at,
                    to,
                    score,
                    typos,
                })
            })
            .collect();
        // Only the best-written people at one place: an exact name beats the names a
        // letter off.
        if let Some(top) = here.iter().map(|m| m.score).reduce(f64::max) {
            here.retain(|m| m.score >= top - 1e-9);
        }
        found.extend(here);
    }
    // A mention inside a longer one of another person (`Mateo Quispe` inside
    // `Mateo Quispe-Huamán`) is dropped.
    let spans: Vec<(usize, usize, f64)> = found.iter().map(|m| (m.from, m.to, m.score)).collect();
    found.retain(|m| {
        !spans
            .iter()
            .any(|&(f, t, s)| f <= m.from && t >= m.to && (t - f) > (m.to - m.from) && s >= m.score - 0.2)
    });
    found
}

/// Schools named in the text.
#[must_use]
pub(super) fn schools(text: &Text, dir: &Directory) -> Vec<SchoolMention> {
    let words = &text.words;
    let mut found: Vec<SchoolMention> = Vec::new();
    for at in 0..words.len() {
        if words[at].region == Region::Signature {
            continue;
        }
        let mut best: Option<SchoolMention> = None;
        for (i, school) in dir.schools.iter().enumerate() {
            for form in &school.forms {
                let hit = form.iter().enumerate().all(|(k, t)| {
                    words
                        .get(at + k)
                        .is_some_and(|w| w.norm == *t && (k == 0 || matches!(w.gap, Gap::Space | Gap::Hyphen)))
                });
                if hit && best.as_ref().is_none_or(|b| b.to - b.from < form.len()) {
                    best = Some(SchoolMention {
                        school: i,
                        from: at,
                        to: at + form.len(),
                    });
                }
            }
        }
        if let Some(b) = best
            && found.last().is_none_or(|l| l.to <= b.from)
        {
            found.push(b);
        }
    }
    found
}

/// Classes named in the text (by their whole title).
#[must_use]
pub(super) fn classes(text: &Text, dir: &Directory) -> Vec<ClassMention> {
    let words = &text.words;
    // Each title, and its short form (`Band` for `Band - Period 7`), by first word.
    let mut forms: BTreeMap<Vec<String>, (Vec<usize>, bool)> = BTreeMap::new();
    for (i, c) in dir.classes.iter().enumerate() {
        forms.entry(c.tokens.clone()).or_default().0.push(i);
        let short = short_title(&c.title);
        if !short.is_empty() && short != c.tokens {
            let e = forms.entry(short).or_default();
            e.0.push(i);
            e.1 = true;
        }
    }
    let mut by_first: HashMap<&str, Vec<TitleForm<'_>>> = HashMap::new();
    for (title, (ids, short)) in &forms {
        by_first
            .entry(title[0].as_str())
            .or_default()
            .push((title.as_slice(), ids, *short));
    }
    let lowercase = text.lowercase();
    let mut found: Vec<ClassMention> = Vec::new();
    for at in 0..words.len() {
        if !nameable(&words[at]) {
            continue;
        }
        let Some(titles) = by_first.get(words[at].norm.as_str()) else {
            continue;
        };
        let mut best: Option<(ClassMention, bool)> = None;
        for &(title, ids, short) in titles {
            // A one-word title is a class only when written with a capital or followed
            // by a class word.
            let cue = words
                .get(at + title.len())
                .is_some_and(|w| CLASS_CUES.contains(&w.norm.as_str()));
            if title.len() == 1 && !(words[at].capital || lowercase || cue) {
                continue;
            }
            let hit = title.iter().enumerate().all(|(k, t)| {
                words
                    .get(at + k)
                    .is_some_and(|w| w.norm == *t && (k == 0 || matches!(w.gap, Gap::Space | Gap::Hyphen | Gap::Dash)))
            });
            let better = best
                .as_ref()
                .is_none_or(|(b, b_short)| (b.to - b.from, !*b_short) < (title.len(), !short));
            if hit && better {
                best = Some((
                    ClassMention {
                        classes: ids.clone(),
                        from: at,
                        to: at + title.len(),
                    },
                    short,
                ));
            }
        }
        if let Some((mut b, short)) = best
            && found.last().is_none_or(|l| l.to <= b.from)
        {
            if short {
                b.classes = by_number(text, dir, &b);
            }
            found.push(b);
        }
    }
    found
}

/// A title's tokens, its classes, and whether it is a short form.
type TitleForm<'a> = (&'a [String], &'a Vec<usize>, bool);

/// A class title without its period or section (`Band` for `Band - Period 7`,
/// `Algebra I` for `Algebra I (Section 2)`), as tokens; empty when there is none.
fn short_title(title: &str) -> Vec<String> {
    let cut = title
        .find(" - ")
        .or_else(|| title.find(" \u{2013} "))
        .or_else(|| title.find(" ("))
        .unwrap_or(title.len());
    let mut short = tokens(&title[..cut]);
    while short
        .last()
        .is_some_and(|t| matches!(t.as_str(), "period" | "section" | "p"))
    {
        short.pop();
    }
    if cut == title.len() { Vec::new() } else { short }
}

/// Of the classes sharing a short title, those whose number (`Period 5`) the ticket
/// writes near the mention (`5th period`, `period 5`, `p5`); all of them when it
/// writes none.
fn by_number(text: &Text, dir: &Directory, m: &ClassMention) -> Vec<usize> {
    let words = &text.words;
    let from = m.from.saturating_sub(6);
    let to = (m.to + 6).min(words.len());
    let near: Vec<String> = words[from..to]
        .iter()
        .map(|w| {
            w.norm
                .trim_start_matches('p')
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .to_owned()
        })
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let numbered: Vec<usize> = m
        .classes
        .iter()
        .copied()
        .filter(|&i| {
            let t = &dir.classes[i].tokens;
            t.last()
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()) && near.contains(n))
        })
        .collect();
    if !numbered.is_empty() {
        return numbered;
    }
    // A period or section number written anywhere (`7th period`, `period 7`).
    let periods: Vec<String> = words
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let near_period = |j: usize| {
                words
                    .get(j)
                    .is_some_and(|w| matches!(w.norm.as_str(), "period" | "section" | "per" | "hour"))
            };
            near_period(k + 1) || k.checked_sub(1).is_some_and(near_period)
        })
        .map(|(_, w)| w.norm.trim_end_matches(|c: char| c.is_ascii_alphabetic()).to_owned())
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let by_period: Vec<usize> = m
        .classes
        .iter()
        .copied()
        .filter(|&i| dir.classes[i].tokens.last().is_some_and(|n| periods.contains(n)))
        .collect();
    if by_period.is_empty() {
        m.classes.clone()
    } else {
        by_period
    }
}

/// A run of capitalised, uncommon words from `at`: its end.
fn capital_run(words: &[Word], at: usize, max: usize) -> usize {
    let mut end = at;
    while end < words.len() && end - at < max {
        let w = &words[end];
        let joined = end == at || matches!(w.gap, Gap::Space | Gap::Hyphen);
        if !(joined && w.capital && nameable(w) && !is_common(&w.norm) && w.norm.chars().count() > 1) {
            break;
        }
        end += 1;
    }
    end
}

/// Names that look like a child's but are not the district's: two or three capitalised
/// words after a word like `son` or `student`, or written `Family, Given`, and not
/// inside a mention of anything the district has.
#[must_use]
pub(super) fn unknown_people(text: &Text, taken: &[(usize, usize)]) -> Vec<Unknown> {
    let words = &text.words;
    let overlaps = |f: usize, t: usize| taken.iter().any(|&(a, b)| f < b && a < t);
    let mut found = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let end = capital_run(words, at, 4);
        let cued = (at.saturating_sub(4)..at).any(|k| {
            PERSON_CUES.contains(&words[k].norm.as_str()) && words[k + 1..=at].iter().all(|w| w.gap != Gap::Break)
        });
        if end - at >= 2 && !overlaps(at, end) {
            // `Family, Given`: a comma inside the run.
            let comma = (at + 1..end).find(|&k| words[k].gap == Gap::Comma);
            let name = match comma {
                Some(k) => format!("{} {}", text.span(k, end), text.span(at, k).trim_end_matches(',')),
                None => text.span(at, end).to_owned(),
            };
            let sentence = words[at].sentence_start && end - at < 2;
            if !sentence {
                found.push(Unknown {
                    cued: cued || comma.is_some(),
                    name,
                    from: at,
                    to: end,
                });
            }
            at = end;
        } else if end - at >= 1 && words.get(end).is_some_and(|w| w.gap == Gap::Comma) {
            // `Family, Given` with one word each side.
            let end2 = capital_run(words, end, 2);
            if end2 > end && !overlaps(at, end2) && (cued || words[at].gap == Gap::Break || words[at].gap == Gap::Space)
            {
                let name = format!("{} {}", text.span(end, end2), text.span(at, end));
                if cued {
                    found.push(Unknown {
                        cued,
                        name,
                        from: at,
                        to: end2,
                    });
                }
            }
            at = end2.max(at + 1);
        } else {
            at = end.max(at + 1);
        }
    }
    // Cued names first, each group in the order written.
    found.sort_by_key(|u| !u.cued);
    found
}

/// School names the district does not have: capitalised words ending in `School`,
/// `Elementary` or `Academy` (`Oak Ridge Elementary`, `Pine Hill Middle School`).
#[must_use]
pub(super) fn unknown_schools(text: &Text) -> Vec<Unknown> {
    let words = &text.words;
    let kinds = ["school", "elementary", "academy"];
    let mut found: Vec<Unknown> = Vec::new();
    for (k, w) in words.iter().enumerate() {
        if !(w.capital && kinds.contains(&w.norm.as_str())) || w.region == Region::Signature {
            continue;
        }
        let mut from = k;
        while from > 0 && k - from < 5 {
            let prev = &words[from - 1];
            let ok = prev.capital
                && words[from].gap == Gap::Space
                && (!is_common(&prev.norm) || matches!(prev.norm.as_str(), "middle" | "high" | "elementary"));
            if !ok {
                break;
            }
            from -= 1;
        }
        if from < k && found.last().is_none_or(|l| l.to <= from) {
            found.push(Unknown {
                cued: true,
                name: text.span(from, k + 1).to_owned(),
                from,
                to: k + 1,
            });
        }
    }
    found
}

/// Class titles the district does not have: capitalised words before a class word
/// (`the Underwater Basket Weaving class`).
#[must_use]
pub(super) fn unknown_classes(text: &Text, taken: &[(usize, usize)]) -> Vec<Unknown> {
    let words = &text.words;
    let overlaps = |f: usize, t: usize| taken.iter().any(|&(a, b)| f < b && a < t);
    let mut found = Vec::new();
    for (k, w) in words.iter().enumerate() {
        if !CLASS_CUES.contains(&w.norm.as_str()) || !nameable(w) || w.gap == Gap::Break {
            continue;
        }
        // Back over capitalised words.
        let mut from = k;
        while from > 0 && k - from < 5 {
            let prev = &words[from - 1];
            let joined = words[from].gap != Gap::Break;
            if !(joined && prev.capital && nameable(prev) && !matches!(prev.norm.as_str(), "the" | "a" | "my" | "our"))
            {
                break;
            }
            from -= 1;
        }
        let plain = words[from..k].iter().all(|w| !is_common(&w.norm));
        let possessive = from < k && text.span(from, k).ends_with(['s', 'S']) && {
            let span = text.span(from, k);
            span.ends_with("'s") || span.ends_with("\u{2019}s")
        };
        if from < k && plain && !possessive && !overlaps(from, k + 1) {
            // The class word is part of the title when capitalised (`Chess Club`).
            let to = if w.capital { k + 1 } else { k };
            found.push(Unknown {
                cued: true,
                name: text.span(from, to).to_owned(),
                from,
                to,
            });
        }
    }
    found
}
