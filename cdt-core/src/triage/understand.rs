//! From the ticket's text and the district's directory to the tool and its inputs.

use std::collections::{BTreeMap, BTreeSet};

use super::classify::{self, ToolScore};
use super::directory::{Directory, Kind, within_one_edit};
use super::find::{self, ClassMention, PersonMention, SchoolMention, Unknown};
use super::text::{Region, Text};
use super::{Choice, Confidence, InputChoice, TicketText, Understanding};
use crate::matching::normalize_email;
use crate::tool::ToolSpec;

/// A person (or namesakes) the text names, gathered over its mentions.
#[derive(Clone, Debug)]
struct Named {
    people: Vec<usize>,
    count: usize,
    spans: Vec<(usize, usize)>,
    score: f64,
    at: usize,
    to: usize,
    start: usize,
    region: Region,
    typos: usize,
}

/// An email the text (or the ticket's contact) gives.
#[derive(Clone, Debug)]
struct Mail {
    address: String,
    guardians: Vec<usize>,
    staff: bool,
    /// Byte offset in the text; `None` for the ticket's contact.
    start: Option<usize>,
    region: Region,
}

/// Each tool's score on the ticket (`none` for "none of them"), the phrases and
/// what the ticket names weighed: to explain a choice.
#[must_use]
pub fn tool_scores(ticket: &TicketText, dir: &Directory, tools: &[ToolSpec]) -> Vec<(String, f64)> {
    let text = Text::new(&format!("{}\n\n{}", ticket.subject, ticket.content));
    let reader = Reader::new(&text, ticket, dir);
    reader
        .score(tools)
        .into_iter()
        .map(|s| (s.tool.unwrap_or("none").to_owned(), s.score))
        .collect()
}

/// Reads the ticket against the district's directory, choosing among the built-in
/// tools.
#[must_use]
pub fn understand(ticket: &TicketText, dir: &Directory) -> Understanding {
    understand_for(ticket, dir, &[])
}

/// Reads the ticket against the district's directory, choosing among `tools` (the
/// built-in ones by their phrases, plugins by their `triage_phrases`; every built-in
/// tool when `tools` is empty).
#[must_use]
pub fn understand_for(ticket: &TicketText, dir: &Directory, tools: &[ToolSpec]) -> Understanding {
    let text = Text::new(&format!("{}\n\n{}", ticket.subject, ticket.content));
    let mut u = Reader::new(&text, ticket, dir);
    let scores = u.score(tools);
    let (tool, also) = choose_tool(&text, &scores);
    let mut inputs = match tool.as_ref().map(|t| t.value.as_str()) {
        Some("student-mismatch") => u.student_mismatch(),
        Some("missing-data") => u.missing_data(),
        Some("parent-conflicts") => u.parent_conflicts(),
        Some("campus-transfer") => u.campus_transfer(),
        Some(other) => match tools.iter().find(|t| t.id == other) {
            Some(spec) => u.by_input_names(spec),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut doubts = u.doubts;
    if let Some(t) = &tool
        && t.confidence < Confidence::High
    {
        doubts.insert(0, format!("the ticket could be about: {}", options_line(t)));
    }
    Understanding {
        tool,
        also,
        inputs,
        doubts,
    }
}

fn options_line(t: &Choice) -> String {
    std::iter::once(t.value.as_str())
        .chain(t.options.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Gathers the mentions of people of one kind into names: namesakes named at one place
/// stay together (an ambiguous name), repeated mentions of the same people count once.
fn gather(text: &Text, dir: &Directory, mentions: &[PersonMention], kind: Kind) -> Vec<Named> {
    let mut by_span: BTreeMap<(usize, usize), Vec<&PersonMention>> = BTreeMap::new();
    for m in mentions.iter().filter(|m| dir.people[m.person].kind == kind) {
        by_span.entry((m.from, m.to)).or_default().push(m);
    }
    let mut named: Vec<Named> = Vec::new();
    for ((from, to), ms) in by_span {
        let mut people: Vec<usize> = ms.iter().map(|m| m.person).collect();
        people.sort_unstable();
        people.dedup();
        let score = ms.iter().map(|m| m.score).fold(0.0, f64::max);
        let typos = ms.iter().map(|m| m.typos).min().unwrap_or(0);
        let w = &text.words[from];
        if let Some(n) = named.iter_mut().find(|n| n.people == people) {
            n.score = n.score.max(score);
            n.count += 1;
            n.spans.push((from, to));
            if w.region == Region::Body && n.region != Region::Body {
                n.region = Region::Body;
            }
            continue;
        }
        named.push(Named {
            people,
            count: 1,
            spans: vec![(from, to)],
            score,
            at: from,
            to,
            start: w.start,
            region: w.region,
            typos,
        });
    }
    named
}

fn mails(text: &Text, ticket: &TicketText, dir: &Directory) -> Vec<Mail> {
    let staff_domains: BTreeSet<&str> = dir
        .people
        .iter()
        .filter(|p| p.kind == Kind::Staff)
        .filter_map(|p| p.email.as_deref().and_then(|e| e.rsplit_once('@')).map(|(_, d)| d))
        .collect();
    let describe = |address: &str, start: Option<usize>, region: Region| {
        let norm = normalize_email(address);
        let found = dir.with_email(&norm);
        let guardians: Vec<usize> = found
            .iter()
            .copied()
            .filter(|&p| dir.people[p].kind == Kind::Guardian)
            .collect();
        let domain = norm.rsplit_once('@').map_or("", |(_, d)| d);
        let local = norm.split('@').next().unwrap_or("");
        let staff = found.iter().any(|&p| dir.people[p].kind == Kind::Staff)
            || guardians.is_empty() && staff_domains.contains(domain)
            || ["noreply", "no-reply", "support", "office", "admin", "help", "info"].contains(&local);
        Mail {
            address: address.to_owned(),
            guardians,
            staff,
            start,
            region,
        }
    };
    let mut out: Vec<Mail> = Vec::new();
    for e in &text.emails {
        if !out.iter().any(|m| m.address.eq_ignore_ascii_case(&e.address)) {
            out.push(describe(&e.address, Some(e.start), e.region));
        }
    }
    if let Some(c) = ticket
        .contact_email
        .as_deref()
        .map(str::trim)
        .filter(|c| c.contains('@'))
        && !out.iter().any(|m| m.address.eq_ignore_ascii_case(c))
    {
        out.push(describe(c, None, Region::Body));
    }
    out
}

/// A school the ticket names: one of the district's, or a name it does not have.
#[derive(Clone, Debug)]
struct Place {
    name: String,
    known: Option<usize>,
    /// The first word of each mention.
    mentions: Vec<usize>,
}

/// The distinct schools named, in order; names the district does not have only when
/// none of its own is named.
fn places(dir: &Directory, mentions: &[SchoolMention], unknown: &[Unknown]) -> Vec<Place> {
    let mut out: Vec<Place> = Vec::new();
    for m in mentions {
        match out.iter_mut().find(|p| p.known == Some(m.school)) {
            Some(p) => p.mentions.push(m.from),
            None => out.push(Place {
                name: dir.schools[m.school].name.clone(),
                known: Some(m.school),
                mentions: vec![m.from],
            }),
        }
    }
    if out.is_empty() {
        for u in unknown {
            match out.iter_mut().find(|p| crate::matching::same_text(&p.name, &u.name)) {
                Some(p) => p.mentions.push(u.from),
                None => out.push(Place {
                    name: u.name.clone(),
                    known: None,
                    mentions: vec![u.from],
                }),
            }
        }
    }
    out
}

/// Chooses the tool: the best scored, unless "none of them" weighs as much; of two
/// issues clearly described, the one described first.
fn choose_tool(text: &Text, scores: &[ToolScore]) -> (Option<Choice>, Vec<String>) {
    // A ticket that says it holds several issues: a second one counts without having
    // to weigh as much as the first.
    const SEVERAL: &[&str] = &[
        "two things",
        "two problems",
        "two issues",
        "two questions",
        "second",
        "secondly",
        "unrelated",
        "another issue",
        "another problem",
        "separate issue",
        "separately",
    ];
    let several = SEVERAL.iter().any(|p| {
        let seq = crate::matching::tokens(p);
        (0..text.words.len()).any(|at| {
            seq.iter()
                .enumerate()
                .all(|(k, t)| text.words.get(at + k).is_some_and(|w| w.norm == *t))
        })
    });
    let none = scores.iter().find(|s| s.tool.is_none()).map_or(0.0, |s| s.score);
    let mut tools: Vec<&ToolScore> = scores.iter().filter(|s| s.tool.is_some()).collect();
    tools.sort_by(|a, b| b.score.total_cmp(&a.score));
    let Some(top) = tools.first().copied() else {
        return (None, Vec::new());
    };
    // Names alone choose nothing: the ticket must describe an issue.
    if top.score < 1.5 || none >= top.score || top.hits.is_empty() {
        return (None, Vec::new());
    }
    // Two issues, both plainly there: the first described.
    let strong: Vec<&ToolScore> = tools
        .iter()
        .copied()
        .filter(|s| s.score >= 3.0 && (several || s.score >= 0.6 * top.score))
        .collect();
    let chosen = strong.iter().copied().min_by_key(|s| s.first()).unwrap_or(top);
    let second = tools
        .iter()
        .filter(|s| s.tool != chosen.tool)
        .map(|s| s.score)
        .fold(0.0, f64::max);
    let also: Vec<String> = strong
        .iter()
        .filter(|s| s.tool != chosen.tool)
        .filter_map(|s| s.tool.map(str::to_owned))
        .collect();
    let confidence =
        if chosen.score >= 3.0 && (chosen.score >= 1.6 * second || several && !also.is_empty()) && none < 1.5 {
            Confidence::High
        } else if chosen.score >= 2.0 && none < chosen.score / 2.0 {
            Confidence::Medium
        } else {
            Confidence::Low
        };
    let phrases: Vec<String> = chosen
        .hits
        .iter()
        .take(3)
        .map(|h| format!("\"{}\"", text.context(text.words[h.at].start, 3)))
        .collect();
    let options = if confidence == Confidence::High {
        Vec::new()
    } else {
        tools
            .iter()
            .filter(|s| s.tool != chosen.tool && s.score >= 1.0)
            .filter_map(|s| s.tool.map(str::to_owned))
            .collect()
    };
    let choice = Choice {
        value: chosen.tool.unwrap_or_default().to_owned(),
        confidence,
        because: if phrases.is_empty() {
            "what the ticket names".into()
        } else {
            phrases.join(", ")
        },
        options,
    };
    (Some(choice), also)
}

struct Reader<'a> {
    text: &'a Text,
    /// Where the subject line ends in the text.
    subject_end: usize,
    dir: &'a Directory,
    students: Vec<Named>,
    unknown_people: Vec<Unknown>,
    mails: Vec<Mail>,
    /// Distinct schools in the order named.
    schools: Vec<Place>,
    classes: Vec<ClassMention>,
    unknown_classes: Vec<Unknown>,
    doubts: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a Text, ticket: &TicketText, dir: &'a Directory) -> Self {
        let people = find::people(text, dir);
        let schools = find::schools(text, dir);
        let classes = find::classes(text, dir);
        let mut taken: Vec<(usize, usize)> = people.iter().map(|m| (m.from, m.to)).collect();
        taken.extend(schools.iter().map(|m| (m.from, m.to)));
        let school_spans: Vec<(usize, usize)> = schools.iter().map(|m| (m.from, m.to)).collect();
        let mut class_taken = taken.clone();
        taken.extend(classes.iter().map(|m| (m.from, m.to)));
        let unknown_people = find::unknown_people(text, &taken);
        class_taken.extend(classes.iter().map(|m| (m.from, m.to)));
        let unknown_classes: Vec<Unknown> = find::unknown_classes(text, &class_taken)
            .into_iter()
            .filter(|u| !school_spans.iter().any(|&(a, b)| u.from < b && a < u.to))
            .collect();

        let students = gather(text, dir, &people, Kind::Student);
        let mails = mails(text, ticket, dir);
        let school_order = places(dir, &schools, &find::unknown_schools(text));

        Reader {
            subject_end: ticket.subject.len(),
            text,
            dir,
            students,
            unknown_people,
            mails,
            schools: school_order,
            classes,
            unknown_classes,
            doubts: Vec::new(),
        }
    }

    /// The phrase scores, with what the ticket names added: a guardian's email and a
    /// child, two schools and a child, a class.
    fn score<'t>(&self, tools: &'t [ToolSpec]) -> Vec<ToolScore<'t>> {
        let mut scores = classify::score(self.text, tools);
        let has_student = !self.students.is_empty() || !self.unknown_people.is_empty();
        let has_guardian_mail = self.mails.iter().any(|m| !m.guardians.is_empty());
        let shared_mail = self.mails.iter().any(|m| m.guardians.len() >= 2);
        let has_class = !self.classes.is_empty() || !self.unknown_classes.is_empty();
        let has_family_mail = self.mails.iter().any(|m| !m.staff);
        // A guardian writing about their own child (linked, or of their family name).
        let own_child = self.mails.iter().flat_map(|m| &m.guardians).any(|&g| {
            let guardian = &self.dir.people[g];
            self.students.iter().flat_map(|n| &n.people).any(|&p| {
                guardian.links.contains(&p) || self.dir.people[p].family.iter().any(|t| guardian.family.contains(t))
            })
        }) || self.child_by_given_name(&self.guardians()).is_some();
        let conflict_words = scores
            .iter()
            .find(|s| s.tool == Some("parent-conflicts"))
            .is_some_and(|s| s.score >= 2.0);
        for s in &mut scores {
            let boost = match s.tool {
                // Unless the ticket says the children are not theirs.
                Some("student-mismatch") if own_child && !conflict_words => 1.5,
                Some("student-mismatch") if has_student && has_guardian_mail => 0.5,
                Some("campus-transfer") if has_student && self.schools.len() >= 2 => 1.5,
                Some("missing-data") if has_class => 1.0,
                Some("parent-conflicts") if shared_mail => 1.0,
                // A family's complaint comes with a family's email.
                Some("student-mismatch" | "parent-conflicts") if !has_family_mail => -1.5,
                _ => 0.0,
            };
            s.score += boost;
        }
        scores
    }

    /// How much a name is talked about: each mention counts one, two in the subject;
    /// the given name alone counts too.
    fn weight_of_mentions(&self, n: &Named) -> usize {
        let words = &self.text.words;
        let in_subject = |k: usize| usize::from(words[k].start < self.subject_end) + 1;
        let mut weight: usize = n.spans.iter().map(|&(f, _)| in_subject(f)).sum();
        let givens: BTreeSet<&String> = n
            .people
            .iter()
            .filter_map(|&p| self.dir.people[p].given.first())
            .collect();
        for (k, w) in words.iter().enumerate() {
            let inside = n.spans.iter().any(|&(f, t)| f <= k && k < t);
            if !inside && w.capital && matches!(w.region, Region::Body | Region::Quoted) && givens.contains(&w.norm) {
                weight += in_subject(k);
            }
        }
        weight
    }

    /// The guardians whose emails the ticket gives.
    fn guardians(&self) -> Vec<usize> {
        self.mails.iter().flat_map(|m| m.guardians.iter().copied()).collect()
    }

    fn quote(&self, start: usize) -> String {
        format!("\"{}\"", self.text.context(start, 3))
    }

    /// How much the words around a mention make it the one the ticket is about: a
    /// negation before it (`but not`, `except`), or `is missing` after it, count for;
    /// `I can see` before it counts against.
    fn focus(&self, from: usize, to: usize) -> i32 {
        let words = &self.text.words;
        let norm = |k: usize| words.get(k).map_or("", |w| w.norm.as_str());
        let negation = |w: &str| {
            matches!(
                w,
                "not" | "cant" | "cannot" | "dont" | "doesnt" | "unable" | "no" | "except" | "missing" | "without"
            )
        };
        let mut focus = 0;
        // Back to the sentence's start, at most six words.
        let mut start = from;
        while start > 0 && from - start < 6 && words[start].gap != super::text::Gap::Break {
            start -= 1;
        }
        let before: Vec<&str> = (start..from).map(norm).collect();
        let near = &before[before.len().saturating_sub(3)..];
        let sees = before
            .iter()
            .rposition(|w| matches!(*w, "see" | "sees" | "seeing" | "view" | "find"));
        let negated = near.iter().any(|w| matches!(*w, "not" | "except" | "without"))
            || sees.is_some_and(|k| k > 0 && negation(before[k - 1]) || k > 1 && negation(before[k - 2]));
        if negated || before.last().is_some_and(|w| *w == "add") {
            focus += 2;
        } else if sees.is_some() || before.last().is_some_and(|w| *w == "and") {
            focus -= 1;
        }
        // Forward to the sentence's end, at most eight words.
        let mut end = to;
        while end < words.len() && end - to < 8 && (end == to || words[end].gap != super::text::Gap::Break) {
            end += 1;
        }
        if (to..end).map(norm).any(|w| {
            negation(w)
                || matches!(
                    w,
                    "isnt" | "disappeared" | "gone" | "wasnt" | "hasnt" | "never" | "still"
                )
        }) {
            focus += 2;
        }
        focus
    }

    /// The student the ticket is about: the best-written name, in the writer's own
    /// words before quoted history, where the words around it point at it; a child of
    /// the guardian whose email is given (linked, or of the family) named by given
    /// name only; failing both, a name the district does not have.
    fn student(&mut self, near_guardians: &[usize]) -> Option<InputChoice> {
        // (the name, focus, mentions, in the writer's words, score, first word)
        let mut best: Option<(&Named, Rank)> = None;
        for n in &self.students {
            let linked = n
                .people
                .iter()
                .any(|&p| near_guardians.iter().any(|g| self.dir.people[*g].links.contains(&p)));
            let focus = n.spans.iter().map(|&(f, t)| self.focus(f, t)).max().unwrap_or(0);
            let rank = (
                attention(focus, self.weight_of_mentions(n)),
                n.region == Region::Body,
                hundredths(n.score) + if linked { 10 } else { 0 },
                std::cmp::Reverse(n.at),
            );
            if best.as_ref().is_none_or(|(_, b)| rank > *b) {
                best = Some((n, rank));
            }
        }
        let sibling = self.child_by_given_name(near_guardians);
        // A name the district does not have, pointed at by the words around it, beats
        // the district's names the ticket only mentions in passing.
        let unknown = self.unknown_people.iter().find(|u| u.cued).map(|u| {
            let a = attention(self.focus(u.from, u.to), 1);
            (u.clone(), a)
        });
        let known_best = best
            .as_ref()
            .map(|(_, r)| r.0)
            .into_iter()
            .chain(sibling.as_ref().map(|(_, f, w)| attention(*f, *w)))
            .max();
        if let Some((u, a)) = &unknown
            && known_best.is_some_and(|k| *a > k)
        {
            let u = u.clone();
            return Some(self.unknown_student(u));
        }
        match (best, sibling) {
            (Some((n, rank)), sib)
                if sib
                    .as_ref()
                    .is_none_or(|(c, f, w)| attention(*f, *w) <= rank.0 || self.same_given(n, &c.choice.value)) =>
            {
                let n = n.clone();
                return Some(self.named_student(&n));
            }
            (_, Some((choice, _, _))) => return Some(choice),
            _ => {}
        }
        let u = self.unknown_people.first()?.clone();
        Some(self.unknown_student(u))
    }

    /// A name the district does not have, as the student: used as written, with a
    /// doubt saying the diagnosis will not find it.
    fn unknown_student(&mut self, u: Unknown) -> InputChoice {
        self.doubts.push(format!(
            "no student of the district is named {} (or a letter off): the diagnosis will say not found",
            u.name
        ));
        InputChoice {
            name: "student_name".into(),
            choice: Choice {
                value: u.name,
                confidence: Confidence::Low,
                because: self.quote(self.text.words[u.from].start),
                options: Vec::new(),
            },
            in_roster: false,
        }
    }

    /// Whether a child found by given name has the given name of the named student:
    /// the same words, read twice.
    fn same_given(&self, n: &Named, display: &str) -> bool {
        let first = crate::matching::tokens(display).into_iter().next();
        n.people
            .iter()
            .any(|&p| self.dir.people[p].given.first() == first.as_ref())
    }

    fn named_student(&mut self, n: &Named) -> InputChoice {
        let mut people = n.people.clone();
        // A school named in the ticket settles namesakes.
        if people.len() > 1 {
            let named_schools: Vec<&str> = self
                .schools
                .iter()
                .filter_map(|p| p.known)
                .map(|s| self.dir.schools[s].sourced_id.as_str())
                .collect();
            let at_named: Vec<usize> = people
                .iter()
                .copied()
                .filter(|&p| {
                    self.dir.people[p]
                        .orgs
                        .iter()
                        .any(|o| named_schools.contains(&o.as_str()))
                })
                .collect();
            if at_named.len() == 1 {
                people = at_named;
            }
        }
        let displays: BTreeSet<&str> = people.iter().map(|&p| self.dir.people[p].display.as_str()).collect();
        let value = displays.iter().next().copied().unwrap_or_default().to_owned();
        let mut options = Vec::new();
        let mut confidence = if n.score >= 0.95 && n.typos == 0 {
            Confidence::High
        } else {
            Confidence::Medium
        };
        if people.len() > 1 {
            confidence = Confidence::Medium;
            options = people.iter().map(|&p| self.describe_person(p)).collect();
            self.doubts.push(format!(
                "{} students match \"{}\": {}",
                people.len(),
                self.text.span(n.at, n.to).trim(),
                options.join("; ")
            ));
        }
        let written = self.text.context(n.start, 3);
        let because = if n.typos > 0 {
            format!("\"{written}\", a letter off from the district's {value}")
        } else {
            format!("\"{written}\"")
        };
        if n.typos > 0 {
            self.doubts.push(format!(
                "the ticket's spelling differs from the district's: read as {value}"
            ));
        }
        InputChoice {
            name: "student_name".into(),
            choice: Choice {
                value,
                confidence,
                because,
                options,
            },
            in_roster: true,
        }
    }

    /// A child of the guardians, named by given name only (`I see Emma but not
    /// Scarlet`): children linked to them, and students of their family name (the link
    /// may be what is missing). The best by [`Self::focus`].
    fn child_by_given_name(&self, guardians: &[usize]) -> Option<(InputChoice, i32, usize)> {
        if guardians.is_empty() {
            return None;
        }
        let dir = self.dir;
        let mut family: BTreeSet<usize> = BTreeSet::new();
        for &g in guardians {
            family.extend(dir.people[g].links.iter().copied());
            for t in &dir.people[g].family {
                family.extend(
                    dir.with_token(t)
                        .iter()
                        .copied()
                        .filter(|&p| dir.people[p].family.contains(t)),
                );
            }
        }
        let linked: BTreeSet<usize> = family.clone();
        for &c in &linked {
            for t in &dir.people[c].family {
                family.extend(
                    dir.with_token(t)
                        .iter()
                        .copied()
                        .filter(|&p| dir.people[p].family.contains(t)),
                );
            }
        }
        let lowercase = self.text.lowercase();
        let mut best: Option<(usize, usize, i32, usize)> = None;
        for &child in &family {
            let person = &dir.people[child];
            if person.kind != Kind::Student {
                continue;
            }
            let Some(first) = person.preferred.first().or(person.given.first()) else {
                continue;
            };
            let mut mine: Option<(usize, i32)> = None;
            let mut count = 0;
            for (k, w) in self.text.words.iter().enumerate() {
                let named = (w.capital || lowercase)
                    && matches!(w.region, Region::Body | Region::Quoted)
                    && (w.norm == *first
                        || person.given.first() == Some(&w.norm)
                        || w.norm.chars().count() >= 4 && within_one_edit(&w.norm, first));
                if !named {
                    continue;
                }
                count += usize::from(w.start < self.subject_end) + 1;
                let focus = self.focus(k, k + 1).clamp(-1, 2);
                if mine.is_none_or(|(_, f)| focus > f) {
                    mine = Some((k, focus));
                }
            }
            if let Some((k, focus)) = mine
                && best.is_none_or(|(_, _, f, c)| attention(focus, count) > attention(f, c))
            {
                best = Some((child, k, focus, count));
            }
        }
        let (child, k, focus, count) = best?;
        let person = &dir.people[child];
        let linked = guardians.iter().any(|g| dir.people[*g].links.contains(&child));
        Some((
            InputChoice {
                name: "student_name".into(),
                choice: Choice {
                    value: person.display.clone(),
                    confidence: Confidence::Medium,
                    because: format!(
                        "{}: the given name of {} the guardian",
                        self.quote(self.text.words[k].start),
                        if linked {
                            "a child linked to"
                        } else {
                            "a student of the family of"
                        }
                    ),
                    options: Vec::new(),
                },
                in_roster: true,
            },
            focus,
            count,
        ))
    }

    fn describe_person(&self, p: usize) -> String {
        let person = &self.dir.people[p];
        let schools: Vec<&str> = person
            .orgs
            .iter()
            .filter_map(|o| self.dir.school(o))
            .map(|s| s.name.as_str())
            .collect();
        if schools.is_empty() {
            format!("{} ({})", person.display, person.sourced_id)
        } else {
            format!("{} at {} ({})", person.display, schools.join(", "), person.sourced_id)
        }
    }

    /// The guardian email: one the district has as a guardian's, in the writer's
    /// words first, else the ticket contact's; else an email the district does not
    /// know that is not staff's.
    fn guardian_email(&mut self, prefer_shared: bool) -> Option<InputChoice> {
        let rank = |m: &Mail| {
            (
                prefer_shared && m.start.is_some() && m.region == Region::Body,
                !m.guardians.is_empty(),
                prefer_shared && m.guardians.len() >= 2,
                !m.staff,
                m.region == Region::Body,
                m.start.is_some(),
                std::cmp::Reverse(m.start.unwrap_or(usize::MAX)),
            )
        };
        let best = self
            .mails
            .iter()
            .filter(|m| !m.staff || !m.guardians.is_empty())
            .max_by_key(|m| rank(m))?;
        let known = !best.guardians.is_empty();
        let because = match best.start {
            Some(s) => self.quote(s),
            None => "the ticket's contact".into(),
        };
        let mut confidence = if known { Confidence::High } else { Confidence::Low };
        let others: Vec<String> = self
            .mails
            .iter()
            .filter(|m| !m.guardians.is_empty() && m.address != best.address)
            .map(|m| m.address.clone())
            .collect();
        if known && !others.is_empty() && !prefer_shared {
            confidence = Confidence::Medium;
        }
        if !known {
            self.doubts.push(format!(
                "{} is not a guardian's email in the district's data",
                best.address
            ));
        }
        Some(InputChoice {
            name: "parent_email".into(),
            choice: Choice {
                value: best.address.clone(),
                confidence,
                because,
                options: others,
            },
            in_roster: known,
        })
    }

    fn student_mismatch(&mut self) -> Vec<InputChoice> {
        let mut out = Vec::new();
        let email = self.guardian_email(false);
        let guardians: Vec<usize> = email
            .as_ref()
            .and_then(|e| self.mails.iter().find(|m| m.address == e.choice.value))
            .map(|m| m.guardians.clone())
            .unwrap_or_default();
        out.extend(email);
        out.extend(self.student(&guardians));
        self.require(&out, &["parent_email", "student_name"]);
        out
    }

    fn parent_conflicts(&mut self) -> Vec<InputChoice> {
        let out: Vec<InputChoice> = self.guardian_email(true).into_iter().collect();
        self.require(&out, &["parent_email"]);
        out
    }

    fn school_input(&self, name: &str, index: usize, because: &str) -> InputChoice {
        let place = &self.schools[index];
        let at = place.mentions[0];
        InputChoice {
            name: name.into(),
            choice: Choice {
                value: place.name.clone(),
                confidence: if place.known.is_some() {
                    Confidence::High
                } else {
                    Confidence::Low
                },
                because: format!("{because}{}", self.quote(self.text.words[at].start)),
                options: Vec::new(),
            },
            in_roster: place.known.is_some(),
        }
    }

    fn missing_data(&mut self) -> Vec<InputChoice> {
        let mut out = Vec::new();
        let about_class = self
            .classes
            .first()
            .map(|c| c.from)
            .or(self.unknown_classes.first().map(|c| c.from));
        let about_student = self
            .students
            .iter()
            .filter(|n| n.region == Region::Body)
            .map(|n| n.at)
            .min();
        let class_first = match (about_class, about_student) {
            (Some(_), None) => true,
            (Some(_), Some(_)) => self.class_is_the_subject(),
            _ => false,
        };
        if class_first {
            if let Some(c) = self.classes.first().cloned() {
                let titles: BTreeSet<&str> = c.classes.iter().map(|&i| self.dir.classes[i].title.as_str()).collect();
                let options: Vec<String> = titles.iter().skip(1).map(|t| (*t).to_owned()).collect();
                if !options.is_empty() {
                    self.doubts.push(format!(
                        "\"{}\" is {} classes: {}",
                        self.text.span(c.from, c.to),
                        titles.len(),
                        titles.iter().copied().collect::<Vec<_>>().join("; ")
                    ));
                }
                out.push(InputChoice {
                    name: "class_name".into(),
                    choice: Choice {
                        value: titles.iter().next().copied().unwrap_or_default().to_owned(),
                        confidence: if options.is_empty() {
                            Confidence::High
                        } else {
                            Confidence::Low
                        },
                        because: self.quote(self.text.words[c.from].start),
                        options,
                    },
                    in_roster: true,
                });
            } else if let Some(u) = self.unknown_classes.first().cloned() {
                self.doubts.push(format!("the district has no class titled {}", u.name));
                out.push(InputChoice {
                    name: "class_name".into(),
                    choice: Choice {
                        value: u.name,
                        confidence: Confidence::Low,
                        because: self.quote(self.text.words[u.from].start),
                        options: Vec::new(),
                    },
                    in_roster: false,
                });
            }
        } else {
            let guardians = self.guardians();
            out.extend(self.student(&guardians));
        }
        if !self.schools.is_empty() {
            out.push(self.school_input("school", 0, ""));
        }
        if !out.iter().any(|i| i.name == "student_name" || i.name == "class_name") {
            self.doubts
                .push("the ticket names neither a student nor a class of the district".into());
        }
        out
    }

    /// Whether the class, not a student, is what is missing: no student is named, or
    /// the ticket says the class itself is missing, empty or short of students.
    fn class_is_the_subject(&self) -> bool {
        const CLASS_CUES: &[&str] = &[
            "missing students",
            "no students",
            "whole class",
            "class is",
            "class was",
            "class doesnt",
            "class isnt",
            "class missing",
            "class roster",
            "section is",
            "roster not",
            "is empty",
            "students are missing",
            "kids are missing",
            "half the class",
            "half of the class",
        ];
        self.students.is_empty() && !self.unknown_people.iter().any(|u| u.cued)
            || CLASS_CUES.iter().any(|c| self.has_phrase(c))
    }

    fn has_phrase(&self, phrase: &str) -> bool {
        let seq = crate::matching::tokens(phrase);
        let words = &self.text.words;
        (0..words.len()).any(|at| {
            seq.iter().enumerate().all(|(k, t)| {
                words
                    .get(at + k)
                    .is_some_and(|w| w.norm == *t && w.region != Region::Signature)
            })
        })
    }

    fn campus_transfer(&mut self) -> Vec<InputChoice> {
        let mut out = Vec::new();
        let guardians = self.guardians();
        let student = self.student(&guardians);
        let student_people: Vec<usize> = student
            .as_ref()
            .filter(|s| s.in_roster)
            .map(|s| {
                self.students
                    .iter()
                    .filter(|n| n.people.iter().any(|&p| self.dir.people[p].display == s.choice.value))
                    .flat_map(|n| n.people.clone())
                    .collect()
            })
            .unwrap_or_default();
        out.extend(student);
        match self.schools.len() {
            0 => self.doubts.push("the ticket names neither school".into()),
            1 => {
                self.doubts.push("the ticket names only one school".into());
                let role = self.school_role(0, &student_people).unwrap_or(Side::New);
                let name = if role == Side::Old { "old_campus" } else { "new_campus" };
                out.push(self.school_input(name, 0, ""));
            }
            _ => {
                let a = self.school_role(0, &student_people);
                let b = self.school_role(1, &student_people);
                let (old, new, why) = match (a, b) {
                    (Some(Side::New), _) | (_, Some(Side::Old)) => (1, 0, "what the ticket says: "),
                    (Some(Side::Old), _) | (_, Some(Side::New)) => (0, 1, "what the ticket says: "),
                    _ => (0, 1, "the order the ticket names them: "),
                };
                out.push(self.school_input("old_campus", old, why));
                out.push(self.school_input("new_campus", new, why));
                if self.schools.len() > 2 {
                    self.doubts
                        .push(format!("the ticket names {} schools", self.schools.len()));
                }
            }
        }
        self.require(&out, &["student_name", "old_campus", "new_campus"]);
        out
    }

    /// Whether the ticket's words make the `index`th school named the old or the new
    /// one: `from`, `left`, `still at` before a mention make it old; `to`, `now at`,
    /// `new` make it new.
    fn school_role(&self, index: usize, _student: &[usize]) -> Option<Side> {
        let words = &self.text.words;
        let mut votes = 0i32;
        for &at in &self.schools[index].mentions {
            let from = at.saturating_sub(4);
            for k in from..at {
                let w = words[k].norm.as_str();
                let next = words.get(k + 1).map_or("", |n| n.norm.as_str());
                let weight = if at - k <= 2 { 2 } else { 1 };
                match w {
                    "from" | "left" | "leaving" | "old" | "previous" | "former" | "was" | "still" | "de" => {
                        votes -= weight;
                    }
                    "to" | "new" | "now" | "joined" | "started" | "attends" | "attending" | "into" | "a" => {
                        votes += weight;
                    }
                    "at" if next != "the" => {}
                    _ => {}
                }
            }
        }
        match votes.cmp(&0) {
            std::cmp::Ordering::Less => Some(Side::Old),
            std::cmp::Ordering::Greater => Some(Side::New),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// A plugin's inputs, by the names the built-in tools use: a guardian's email
    /// (`parent_email`, or any input of kind email), `student_name`, `class_name`,
    /// `school`, `old_campus` and `new_campus`. Other inputs are left for a person.
    fn by_input_names(&mut self, spec: &ToolSpec) -> Vec<InputChoice> {
        let mut out: Vec<InputChoice> = Vec::new();
        let wants = |n: &str| spec.inputs.iter().any(|i| i.name == n);
        for input in &spec.inputs {
            let name = input.name.as_str();
            let found = if input.kind == crate::tool::InputKind::Email || name == "parent_email" {
                self.guardian_email(false).map(|mut c| {
                    name.clone_into(&mut c.name);
                    c
                })
            } else if name == "student_name" {
                let guardians = self.guardians();
                self.student(&guardians)
            } else if name == "class_name" {
                self.classes.first().map(|c| InputChoice {
                    name: name.to_owned(),
                    choice: Choice {
                        value: self.dir.classes[c.classes[0]].title.clone(),
                        confidence: Confidence::Medium,
                        because: self.quote(self.text.words[c.from].start),
                        options: Vec::new(),
                    },
                    in_roster: true,
                })
            } else if name == "school" && !self.schools.is_empty() {
                Some(self.school_input(name, 0, ""))
            } else if (name == "old_campus" || name == "new_campus") && wants("old_campus") && wants("new_campus") {
                if name == "old_campus" {
                    let campus = self.campus_transfer();
                    out.extend(
                        campus
                            .into_iter()
                            .filter(|c| c.name != "student_name" || !wants("student_name")),
                    );
                }
                None
            } else {
                None
            };
            match found {
                Some(c) => out.push(c),
                None if input.required && !out.iter().any(|c| c.name == name) => {
                    self.doubts.push(format!("the ticket does not give `{name}`"));
                }
                None => {}
            }
        }
        out.dedup_by(|a, b| a.name == b.name);
        out
    }

    fn require(&mut self, inputs: &[InputChoice], names: &[&str]) {
        for name in names {
            if !inputs.iter().any(|i| i.name == *name) {
                self.doubts.push(format!("the ticket does not give `{name}`"));
            }
        }
    }
}

/// How a name ranks as the ticket's student: attention, in the writer's own words,
/// how well written (in hundredths), earliest.
type Rank = (i32, bool, i64, std::cmp::Reverse<usize>);

/// A score (0 to about 1) in hundredths, to rank with integers.
#[allow(clippy::cast_possible_truncation)]
fn hundredths(score: f64) -> i64 {
    (score * 100.0).round().clamp(-1e6, 1e6) as i64
}

/// How much the ticket is about a name: the words around its mentions
/// ([`Reader::focus`], −1 to 2) and how often it is named (capped at six), in halves.
fn attention(focus: i32, mentions: usize) -> i32 {
    3 * focus.clamp(-1, 2) + 2 * i32::try_from(mentions.min(6)).unwrap_or(6)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Old,
    New,
}
