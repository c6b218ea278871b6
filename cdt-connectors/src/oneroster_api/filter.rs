//! OneRoster `filter=` expressions, built so that outside text can never break or
//! widen one.
//!
//! The grammar (OneRoster 1.1 §3.4.2, 1.2 §3.4.2) is `field op 'value'`, at most two
//! predicates joined by ` AND ` or ` OR `, with no way to escape a quote inside a
//! value. So a value is never allowed to hold one: an `=` value with a quote, a
//! backslash or a space becomes a `~` (contains) on its longest safe piece, and every
//! `~` value is such a piece, free of quotes, backslashes, spaces and SQL wildcards
//! (`%`, `_`, `*`). A piece matches a superset of the rows the whole value would; the
//! core then keeps exact matches only (see `cdt_core::slice`).
//!
//! A filter can also be checked on a record here ([`Filter::may_match`]), as loosely
//! as a server compares: for servers that ignore filters, and for reading a
//! collection whole when a server refuses them.

use cdt_core::matching::search_key;
use serde_json::Value;

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `=`
    Eq,
    /// `~` (contains; servers compare without case)
    Contains,
}

/// One predicate: `field op 'value'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pred {
    pub field: &'static str,
    pub op: Op,
    pub value: String,
}

/// Characters a filter value never holds.
fn unsafe_in_value(c: char) -> bool {
    matches!(c, '\'' | '"' | '\\' | '`' | '%' | '_' | '*' | '\u{2018}' | '\u{2019}')
        || c.is_whitespace()
        || c.is_control()
}

/// The longest run of `value` free of the characters a filter value never holds
/// (the first of the longest, by characters), or `None` when nothing is left.
pub(crate) fn longest_safe_piece(value: &str) -> Option<String> {
    value
        .split(unsafe_in_value)
        .filter(|p| !p.is_empty())
        .fold(None::<&str>, |best, p| match best {
            Some(b) if b.chars().count() >= p.chars().count() => Some(b),
            _ => Some(p),
        })
        .map(str::to_owned)
}

impl Pred {
    /// `field = 'value'`, or `field ~ 'piece'` when the value holds a character that
    /// cannot be sent; `None` when no piece of it can be.
    pub(crate) fn eq(field: &'static str, value: &str) -> Option<Self> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        // `=` values may hold `_` and `%` (no wildcards in `=`), never a quote,
        // backslash or space.
        if value.chars().all(|c| {
            !(matches!(c, '\'' | '"' | '\\' | '`' | '\u{2018}' | '\u{2019}') || c.is_whitespace() || c.is_control())
        }) {
            return Some(Self {
                field,
                op: Op::Eq,
                value: value.to_owned(),
            });
        }
        Self::contains(field, value)
    }

    /// `field ~ 'piece'`, the longest safe piece of `value`.
    pub(crate) fn contains(field: &'static str, value: &str) -> Option<Self> {
        longest_safe_piece(value).map(|value| Self {
            field,
            op: Op::Contains,
            value,
        })
    }

    /// What a record says of this predicate, compared as loosely as a server may
    /// (`=` without case; `~` on [`cdt_core::matching::search_key`]s, so without
    /// case, accents or punctuation): `Some(true)` when it may match, `Some(false)`
    /// when it surely does not, `None` when the record does not hold the field (a
    /// `fields=` selection may leave it out).
    pub(crate) fn check(&self, record: &Value) -> Option<bool> {
        let mut values = Vec::new();
        if !values_at(record, &self.field.split('.').collect::<Vec<_>>(), &mut values) {
            return None;
        }
        Some(values.iter().any(|v| match self.op {
            // A collation may also ignore accents: never stricter than a server.
            Op::Eq => v.trim().to_lowercase() == self.value.to_lowercase() || search_key(v) == search_key(&self.value),
            Op::Contains => search_key(v).contains(&search_key(&self.value)),
        }))
    }

    fn render(&self) -> String {
        let op = match self.op {
            Op::Eq => "=",
            Op::Contains => "~",
        };
        format!("{}{op}'{}'", self.field, self.value)
    }
}

/// The scalar texts at a dotted path of a JSON record (arrays fan out); `false` when
/// the record does not hold the path's first field.
fn values_at(v: &Value, path: &[&str], out: &mut Vec<String>) -> bool {
    let Some((first, rest)) = path.split_first() else {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Bool(b) => out.push(b.to_string()),
            Value::Array(items) => {
                for i in items {
                    values_at(i, path, out);
                }
            }
            _ => {}
        }
        return true;
    };
    match v {
        Value::Array(items) => {
            let mut any = items.is_empty();
            for i in items {
                any |= values_at(i, path, out);
            }
            any
        }
        Value::Object(m) => m.get(*first).is_some_and(|next| {
            values_at(next, rest, out);
            true
        }),
        _ => false,
    }
}

/// A filter: one predicate, or two joined by ` OR ` (the spec's most).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Filter(pub Vec<Pred>);

impl Filter {
    /// Whether `record` may match: [`Pred::check`] of any predicate, a predicate
    /// whose field the record lacks counting as a match.
    pub(crate) fn may_match(&self, record: &Value) -> bool {
        self.0.iter().any(|p| p.check(record) != Some(false))
    }

    /// Whether `record` surely does not match (it holds every field filtered on,
    /// and none matches): the answer of a server that ignored the filter.
    pub(crate) fn surely_not(&self, record: &Value) -> bool {
        self.0.iter().all(|p| p.check(record) == Some(false))
    }

    /// The `filter` parameter's value (before URL encoding).
    pub(crate) fn render(&self) -> String {
        self.0.iter().map(Pred::render).collect::<Vec<_>>().join(" OR ")
    }

    /// The fields filtered on, for request labels (values may be personal data).
    pub(crate) fn fields(&self) -> String {
        let mut f: Vec<&str> = self.0.iter().map(|p| p.field).collect();
        f.dedup();
        f.join(",")
    }
}

/// Filters matching any of `preds`, two predicates a filter.
pub(crate) fn any_of(preds: Vec<Pred>) -> Vec<Filter> {
    let mut preds = preds;
    preds.dedup();
    preds.chunks(2).map(|c| Filter(c.to_vec())).collect()
}

/// Filters matching `field = id` for any of `ids`, two a filter.
pub(crate) fn ids(field: &'static str, ids: &[String]) -> Vec<Filter> {
    any_of(ids.iter().filter_map(|id| Pred::eq(field, id)).collect())
}

/// The words of a name as typed that a server can seek with `~`: split on spaces and
/// punctuation as [`cdt_core::matching::tokens`] splits (apostrophes join words
/// there, so here they split them and the longest piece stays), accents and case
/// kept as typed, duplicates (ignoring case) dropped.
pub(crate) fn name_words(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in query.split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '\u{2019}' | '`'))) {
        if let Some(piece) = longest_safe_piece(word)
            && !cdt_core::matching::tokens(&piece).is_empty()
            && !out.iter().any(|w| w.to_lowercase() == piece.to_lowercase())
        {
            out.push(piece);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_never_hold_a_quote() {
        let p = Pred::eq("email", "o'neil@example.org").unwrap();
        assert_eq!(
            p,
            Pred {
                field: "email",
                op: Op::Contains,
                value: "neil@example.org".into()
            }
        );
        let p = Pred::eq("email", "ana_lopez@example.org").unwrap();
        assert_eq!(p.op, Op::Eq);
        let hostile = "x' OR sourcedId~'";
        let f = Filter(vec![Pred::eq("familyName", hostile).unwrap()]).render();
        assert_eq!(f, "familyName~'sourcedId~'");
        assert_eq!(f.matches('\'').count(), 2, "{f}");
        assert!(Pred::eq("email", "' '").is_none());
        assert!(Pred::contains("title", "%%__").is_none());
    }

    #[test]
    fn two_predicates_a_filter() {
        let f = ids("sourcedId", &["a".into(), "b".into(), "c".into()]);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].render(), "sourcedId='a' OR sourcedId='b'");
        assert_eq!(f[1].render(), "sourcedId='c'");
        assert_eq!(f[0].fields(), "sourcedId");
    }

    #[test]
    fn records_are_checked_as_loosely_as_a_server_compares() {
        let record = serde_json::json!({
            "sourcedId": "u1", "familyName": "O'Brien-Núñez", "email": "Ana.Lopez@Example.org",
            "agents": [{"sourcedId": "p1", "type": "user"}], "user": {"sourcedId": "s1"}
        });
        let f = |p: Option<Pred>| Filter(vec![p.unwrap()]);
        assert!(f(Pred::eq("email", "ana.lopez@example.org")).may_match(&record));
        assert!(f(Pred::contains("familyName", "nunez")).may_match(&record));
        assert!(f(Pred::contains("familyName", "Brien")).may_match(&record));
        assert!(f(Pred::eq("agents.sourcedId", "p1")).may_match(&record));
        assert!(f(Pred::eq("user.sourcedId", "s1")).may_match(&record));
        assert!(f(Pred::eq("agents.sourcedId", "p2")).surely_not(&record));
        assert!(f(Pred::eq("email", "someone@example.org")).surely_not(&record));
        // One predicate of two may match; a field the record lacks is no evidence.
        let two = Filter(vec![
            Pred::eq("sourcedId", "u9").unwrap(),
            Pred::eq("sourcedId", "u1").unwrap(),
        ]);
        assert!(two.may_match(&record) && !two.surely_not(&record));
        let absent = f(Pred::eq("classCode", "MATH-1"));
        assert!(absent.may_match(&record) && !absent.surely_not(&record));
        let no_agents = serde_json::json!({"sourcedId": "u2", "agents": []});
        assert!(f(Pred::eq("agents.sourcedId", "p1")).surely_not(&no_agents));
    }

    #[test]
    fn name_words_are_safe_pieces_as_typed() {
        assert_eq!(name_words("  O'BRIEN-Núñez, Zoë "), ["BRIEN", "Núñez", "Zoë"]);
        assert_eq!(name_words("mateo quispe huaman Mateo"), ["mateo", "quispe", "huaman"]);
        assert!(name_words("李 小龍").len() == 2);
        assert!(name_words("' -- '").is_empty());
    }
}
