//! The header of a file against the specification's list of columns: their order,
//! optional columns left out, `metadata.*` columns placed among the specification's,
//! and empty header cells. Checked once per file, after the header is resolved.

use super::codes::Code;
use super::report::{Finding, Sink};
use super::spec::Col;

/// Checks the order of the header's columns. `names` are the header cells (trimmed),
/// `cols` what each was resolved to, `spec` the specification's columns in order.
pub(crate) fn check(file: &str, names: &[&str], cols: &[Option<Col>], spec: &[Col], sink: &mut Sink) {
    // The specification's columns present, as (header position, position in the
    // specification).
    let present: Vec<(usize, usize)> = cols
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let c = (*c)?;
            spec.iter().position(|s| s.name == c.name).map(|at| (i, at))
        })
        .collect();
    order(file, names, &present, spec, sink);
    // `metadata.*` columns go after every column of the specification.
    for (i, name) in names.iter().enumerate() {
        if !is_metadata(name) {
            continue;
        }
        if let Some(&(_, at)) = present.iter().find(|(pos, _)| *pos > i) {
            sink.push(Finding::new(
                file,
                Some(1),
                Some(name),
                Code::HeaderMetadataBeforeSpecColumn,
                format!(
                    "extension column `{name}` comes before `{}`, a column of the specification; extension columns go after all of them",
                    spec[at].name
                ),
            ));
        }
    }
    // Optional columns left out.
    for c in spec {
        if !c.required && !cols.iter().flatten().any(|x| x.name == c.name) {
            sink.push(Finding::new(
                file,
                Some(1),
                Some(c.name),
                Code::HeaderMissingOptionalColumn,
                format!(
                    "optional column `{}` is missing from the header; the specification lists every column, even when its values are blank",
                    c.name
                ),
            ));
        }
    }
}

/// Whether a header names an extension column.
pub(crate) fn is_metadata(name: &str) -> bool {
    name.get(..9).is_some_and(|p| p.eq_ignore_ascii_case("metadata."))
}

/// Reports the columns out of the specification's order: those outside the longest
/// run of columns that are in order, each with where it belongs.
fn order(file: &str, names: &[&str], present: &[(usize, usize)], spec: &[Col], sink: &mut Sink) {
    let n = present.len();
    if present.windows(2).all(|w| w[0].1 < w[1].1) {
        return;
    }
    // Longest increasing subsequence of specification positions (headers are short).
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if present[j].1 < present[i].1 && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let mut in_order = vec![false; n];
    let mut at = (0..n).max_by_key(|&i| (len[i], std::cmp::Reverse(i))).unwrap_or(0);
    while at != usize::MAX && at < n {
        in_order[at] = true;
        at = prev[at];
    }
    for (k, &(pos, spec_at)) in present.iter().enumerate() {
        if in_order[k] {
            continue;
        }
        // Its neighbours in the specification's order among the columns present.
        let before = present
            .iter()
            .filter(|(_, s)| *s < spec_at)
            .max_by_key(|(_, s)| *s)
            .map(|&(_, s)| spec[s].name);
        let after = present
            .iter()
            .filter(|(_, s)| *s > spec_at)
            .min_by_key(|(_, s)| *s)
            .map(|&(_, s)| spec[s].name);
        let place = match (before, after) {
            (Some(b), Some(a)) => format!("after `{b}` and before `{a}`"),
            (Some(b), None) => format!("after `{b}`"),
            (None, Some(a)) => format!("before `{a}`"),
            (None, None) => "elsewhere".into(),
        };
        let name = names.get(pos).copied().unwrap_or(spec[spec_at].name);
        sink.push(Finding::new(
            file,
            Some(1),
            Some(name),
            Code::HeaderColumnOrder,
            format!(
                "column `{name}` is out of the specification's order: it belongs {place}; consumers that read columns by position misread the file"
            ),
        ));
    }
}
