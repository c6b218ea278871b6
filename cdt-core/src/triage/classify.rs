//! Which diagnostic a ticket asks for: phrases that describe each of the four issues,
//! weighed, with the words that decided it. The phrase table is the one place the
//! built-in tools' wording lives.

use super::text::{Region, Text};
use crate::matching::tokens;
use crate::tool::ToolSpec;

/// The phrases that describe one tool's issue, with their weight.
pub struct ToolCues {
    /// The tool's id.
    pub tool: &'static str,
    /// `(phrase, weight)`; a phrase is matched on normalised words (`can't` is `cant`).
    pub phrases: &'static [(&'static str, f64)],
}

/// The built-in tools' phrases.
pub const CUES: &[ToolCues] = &[
    ToolCues {
        tool: "student-mismatch",
        phrases: &[
            ("cant see", 2.0),
            ("cannot see", 2.0),
            ("can not see", 2.0),
            ("unable to see", 2.0),
            ("doesnt see", 2.0),
            ("dont see", 1.5),
            ("no longer see", 2.0),
            ("not able to see", 2.0),
            ("cant view", 2.0),
            ("cannot view", 2.0),
            ("can only see", 1.5),
            ("only see", 1.0),
            ("not linked", 2.0),
            ("isnt linked", 2.0),
            ("not connected", 1.5),
            ("link my", 1.5),
            ("linked to my", 1.5),
            ("linked to her", 1.5),
            ("linked to his", 1.5),
            ("link to", 1.0),
            ("lost access", 2.0),
            ("no access", 1.5),
            ("access to my", 1.5),
            ("access to her", 1.5),
            ("access to his", 1.5),
            ("add my", 1.0),
            ("parent account", 1.0),
            ("parent portal", 1.0),
            ("my account", 0.8),
            ("her account", 0.8),
            ("his account", 0.8),
            ("not on my", 1.0),
            ("missing from my", 1.5),
            ("disappeared from my", 1.5),
            ("my son", 0.6),
            ("my daughter", 0.6),
            ("my child", 0.6),
            ("my kids", 0.6),
            ("my children", 0.6),
            ("her son", 0.6),
            ("her daughter", 0.6),
            ("his son", 0.6),
            ("his daughter", 0.6),
            ("grandson", 0.6),
            ("granddaughter", 0.6),
            ("no ve a", 2.0),
            ("no puedo ver", 2.0),
            ("can see", 0.8),
            ("see him", 0.8),
            ("see her", 0.8),
            ("see them", 0.8),
            ("but not", 2.0),
            ("except", 1.0),
            ("how do i see", 2.5),
            ("nothing shows", 1.5),
            ("no child on my", 2.0),
            ("no children on my", 2.0),
            ("on my account", 1.0),
            ("to my account", 1.0),
            ("my email", 0.5),
            ("this email", 0.8),
            ("signed up", 0.8),
            ("grandpa", 1.0),
            ("grandma", 1.0),
            ("grandmother", 1.0),
            ("grandfather", 1.0),
            ("guardian access", 2.0),
            ("legal guardian", 1.0),
            ("add a child", 1.5),
            ("add her to my account", 2.0),
            ("add him to my account", 2.0),
            ("i am the mother", 1.0),
            ("i am the father", 1.0),
            ("parent app", 1.5),
            ("my login", 1.0),
            ("when i sign in", 1.5),
            ("when i log in", 1.5),
            ("sees her", 1.0),
            ("sees him", 1.0),
            ("does not show", 1.0),
        ],
    },
    ToolCues {
        tool: "missing-data",
        phrases: &[
            ("missing", 1.0),
            ("is missing", 0.5),
            ("not in bookmarked", 2.0),
            ("isnt in bookmarked", 2.0),
            ("not showing up", 0.8),
            ("doesnt show up", 0.8),
            ("not show up", 0.8),
            ("does not appear", 1.0),
            ("doesnt appear", 1.0),
            ("dont appear", 1.0),
            ("not appearing", 1.0),
            ("cant find", 1.0),
            ("cannot find", 1.0),
            ("not listed", 1.0),
            ("class roster", 1.5),
            ("roster", 0.5),
            ("empty", 1.0),
            ("no students", 1.5),
            ("not in the class", 1.5),
            ("not in my class", 1.5),
            ("not in class", 1.5),
            ("new student", 0.8),
            ("never showed up", 1.0),
            ("isnt there", 1.0),
            ("not there", 1.0),
            ("nowhere", 1.0),
            ("not in the system", 1.5),
            ("no record", 1.0),
            ("class list", 1.0),
            ("falta", 1.0),
            ("disappeared", 1.5),
            ("gone from", 1.5),
            ("is gone", 1.5),
            ("vanished", 1.5),
            ("not there anymore", 1.5),
            ("isnt showing", 1.5),
            ("not showing", 1.0),
            ("doesnt show", 1.0),
            ("not appear", 1.5),
            ("no aparece", 1.5),
            ("doesnt come up", 1.5),
            ("come up in search", 1.5),
            ("trying to find", 1.0),
            ("one of my students", 1.5),
            ("my students", 1.0),
            ("his teachers", 1.0),
            ("her teachers", 1.0),
            ("their teachers", 1.0),
            ("my class", 0.8),
            ("my lists", 1.0),
            ("my roster", 1.0),
            ("whole class", 1.5),
            ("class missing", 1.5),
            ("missing students", 1.5),
            ("not syncing", 1.0),
            ("didnt sync", 1.0),
            ("new enrollment", 1.0),
            ("reading group", 1.0),
            ("searchable", 1.5),
            ("not searchable", 1.0),
        ],
    },
    ToolCues {
        tool: "parent-conflicts",
        phrases: &[
            ("same email", 3.0),
            ("same e mail", 3.0),
            ("share an email", 3.0),
            ("share one email", 3.0),
            ("share the same", 2.5),
            ("shared email", 3.0),
            ("sharing an email", 3.0),
            ("sharing one email", 3.0),
            ("share email", 3.0),
            ("shared address", 2.5),
            ("same address", 2.0),
            ("same login", 2.0),
            ("one email", 2.0),
            ("both parents", 1.5),
            ("two parents", 1.5),
            ("both of us", 1.0),
            ("duplicate", 1.5),
            ("wrong family", 2.5),
            ("another family", 2.5),
            ("other family", 2.0),
            ("different family", 2.0),
            ("someone elses", 2.0),
            ("not my child", 2.5),
            ("not my kid", 2.5),
            ("not my son", 2.5),
            ("not my daughter", 2.5),
            ("wrong child", 2.5),
            ("wrong student", 2.0),
            ("strange child", 2.0),
            ("merged", 1.5),
            ("overwritten", 1.5),
            ("husband", 0.8),
            ("wife", 0.8),
            ("co parent", 0.8),
            ("ex husband", 1.0),
            ("ex wife", 1.0),
            ("email for both", 2.5),
            ("mismo correo", 3.0),
            ("using my email", 2.5),
            ("use my email", 2.0),
            ("no one else", 1.5),
            ("someone else", 1.5),
            ("someone signed in", 2.0),
            ("old email", 2.5),
            ("family email", 2.5),
            ("our email", 2.0),
            ("both registered", 2.0),
            ("only one of us", 2.5),
            ("only one of them", 2.5),
            ("one of us", 1.0),
            ("share the email", 3.0),
            ("share an account", 2.5),
            ("same account", 2.0),
            ("same parent", 2.5),
            ("her messages", 1.5),
            ("his messages", 1.5),
            ("two parent", 2.5),
            ("duplicate parent", 2.5),
            ("parent profiles", 1.5),
            ("two accounts", 2.0),
            ("two profiles", 2.0),
            ("merge", 2.0),
            ("not my kids", 2.5),
            ("not my children", 2.5),
            ("has my account", 2.0),
            ("other children", 2.5),
            ("other kids", 2.5),
            ("my partner", 0.8),
            ("isnt mine", 3.0),
            ("not mine", 2.5),
            ("isnt ours", 3.0),
            ("not ours", 2.5),
            ("dont know", 1.5),
            ("mixed up", 2.5),
            ("mixed", 1.5),
            ("instead of my", 2.5),
            ("another child", 2.0),
            ("another kid", 2.0),
            ("another student", 1.5),
            ("not related", 2.0),
            ("never heard of", 2.0),
            ("stranger", 2.0),
            ("who is not my", 2.5),
        ],
    },
    ToolCues {
        tool: "campus-transfer",
        phrases: &[
            ("transferred", 2.0),
            ("transfer", 2.0),
            ("moved", 1.5),
            ("moving", 1.0),
            ("switched schools", 2.5),
            ("changed schools", 2.5),
            ("change of school", 2.5),
            ("new school", 2.0),
            ("old school", 2.5),
            ("previous school", 2.5),
            ("former school", 2.5),
            ("still shows", 1.5),
            ("still showing", 1.5),
            ("still listed", 1.5),
            ("still appears", 1.5),
            ("still at", 1.5),
            ("still under", 1.5),
            ("still enrolled", 1.5),
            ("still has", 0.5),
            ("withdrew", 1.5),
            ("withdrawn", 1.5),
            ("no longer at", 2.0),
            ("now at", 1.5),
            ("now attends", 2.0),
            ("started at", 1.5),
            ("enrolled at", 1.0),
            ("se cambio de escuela", 2.5),
            ("school change", 2.5),
            ("school changed", 2.5),
            ("changed school", 2.5),
            ("school still", 1.5),
            ("now goes to", 2.0),
            ("now go to", 2.0),
            ("new teacher", 1.0),
        ],
    },
];

/// Phrases of tickets about none of the tools.
pub const ELSEWHERE: &[(&str, f64)] = &[
    ("password", 2.5),
    ("reset", 1.5),
    ("log in", 0.5),
    ("login", 0.5),
    ("locked out", 2.0),
    ("sign in", 0.5),
    ("billing", 3.0),
    ("invoice", 3.0),
    ("pricing", 3.0),
    ("renewal", 2.5),
    ("quote", 1.5),
    ("report", 1.5),
    ("export", 1.5),
    ("feature", 2.0),
    ("feature request", 2.0),
    ("would be great", 1.5),
    ("is it possible", 1.0),
    ("how do i", 1.5),
    ("how can i", 1.0),
    ("training", 2.0),
    ("webinar", 2.0),
    ("fixed", 1.5),
    ("resolved", 1.5),
    ("works now", 2.5),
    ("all good", 1.5),
    ("reading minutes", 1.5),
    ("dashboard", 1.0),
    ("sso", 1.5),
    ("single sign on", 1.5),
    ("two factor", 2.0),
    ("app crashes", 2.0),
    ("crash", 1.5),
    ("slow", 1.0),
    ("error message", 1.0),
    ("spanish version", 1.5),
    ("language", 0.8),
    ("close this ticket", 2.5),
    ("is fixed", 2.5),
    ("can see her now", 2.5),
    ("can see him now", 2.5),
    ("can see them now", 2.5),
    ("great support", 1.5),
    ("reading goal", 2.5),
    ("how do i change", 2.5),
    ("thanks for fixing", 2.5),
    ("can be closed", 2.5),
];

/// One matched phrase.
#[derive(Clone, Debug)]
pub(super) struct Hit {
    /// Its weight, after the place it was found.
    pub(super) weight: f64,
    /// The first word's index.
    pub(super) at: usize,
    /// How many words.
    pub(super) len: usize,
}

/// A tool's score.
#[derive(Clone, Debug)]
pub(super) struct ToolScore<'a> {
    /// The tool's id; `None` for "none of the tools".
    pub(super) tool: Option<&'a str>,
    /// The summed weight.
    pub(super) score: f64,
    /// The phrases found, in the order of the text.
    pub(super) hits: Vec<Hit>,
}

impl ToolScore<'_> {
    /// Where the issue is first described: the first hit's word index.
    #[must_use]
    pub(super) fn first(&self) -> usize {
        self.hits.iter().map(|h| h.at).min().unwrap_or(usize::MAX)
    }
}

fn find_phrases<'p>(text: &Text, phrases: impl IntoIterator<Item = (&'p str, f64)>) -> Vec<Hit> {
    let words = &text.words;
    let mut hits = Vec::new();
    for (phrase, weight) in phrases {
        let seq = tokens(phrase);
        if seq.is_empty() {
            continue;
        }
        let mut count = 0;
        for at in 0..words.len() {
            let hit = seq
                .iter()
                .enumerate()
                .all(|(k, t)| words.get(at + k).is_some_and(|w| w.norm == *t));
            if !hit {
                continue;
            }
            // A phrase in a header or signature says nothing; in quoted history a
            // little less than in the writer's words; said again, a little more.
            let place = match words[at].region {
                Region::Body => 1.0,
                Region::Quoted => 0.5,
                Region::Header | Region::Signature => continue,
            };
            let again = if count == 0 { 1.0 } else { 0.3 };
            count += 1;
            hits.push(Hit {
                weight: weight * place * again,
                at,
                len: seq.len(),
            });
        }
    }
    // Phrases that overlap (`not showing` in `not showing up`) count once: the
    // heavier.
    hits.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.at.cmp(&b.at)));
    let mut kept: Vec<Hit> = Vec::new();
    for h in hits {
        if !kept.iter().any(|k| h.at < k.at + k.len && k.at < h.at + h.len) {
            kept.push(h);
        }
    }
    kept.sort_by_key(|h| h.at);
    kept
}

/// How much a phrase a plugin declares weighs (`triage.phrases`).
pub const PLUGIN_PHRASE_WEIGHT: f64 = 2.5;

/// Scores the tools on the text, and "none of them": the built-in tools among `tools`
/// (all of them when `tools` is empty) by their phrases here, the other tools by the
/// phrases their spec declares.
#[must_use]
pub(super) fn score<'a>(text: &Text, tools: &'a [ToolSpec]) -> Vec<ToolScore<'a>> {
    let scored = |tool: &'a str, hits: Vec<Hit>| ToolScore {
        tool: Some(tool),
        score: hits.iter().map(|h| h.weight).sum(),
        hits,
    };
    let mut out: Vec<ToolScore<'a>> = CUES
        .iter()
        .filter(|c| tools.is_empty() || tools.iter().any(|t| t.id == c.tool))
        .map(|c| scored(c.tool, find_phrases(text, c.phrases.iter().copied())))
        .collect();
    for spec in tools {
        if spec.triage_phrases.is_empty() || CUES.iter().any(|c| c.tool == spec.id) {
            continue;
        }
        let phrases = spec.triage_phrases.iter().map(|p| (p.as_str(), PLUGIN_PHRASE_WEIGHT));
        out.push(scored(&spec.id, find_phrases(text, phrases)));
    }
    let hits = find_phrases(text, ELSEWHERE.iter().copied());
    out.push(ToolScore {
        tool: None,
        score: hits.iter().map(|h| h.weight).sum(),
        hits,
    });
    out
}
