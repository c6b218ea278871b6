//! Comparing emails and names as people write them.

/// An email for comparison: trimmed and lower-cased.
#[must_use]
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Whether two emails are the same address.
#[must_use]
pub fn same_email(a: &str, b: &str) -> bool {
    let a = normalize_email(a);
    !a.is_empty() && a == normalize_email(b)
}

/// The words of a name: lower-cased, common Latin accents folded, split on anything
/// that is not a letter or a digit (so `Quispe-Huamán` gives `quispe`, `huaman`).
#[must_use]
pub fn name_words(name: &str) -> Vec<String> {
    let folded: String = name.chars().flat_map(char::to_lowercase).map(fold).collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Whether a query (`Given Family`, `Family, Given`, any case, accents or hyphens)
/// names the person with these given and family names: the query's words are the
/// person's words, in any order.
#[must_use]
pub fn same_person(query: &str, given: &str, family: &str) -> bool {
    let mut q = name_words(query);
    let mut p = name_words(given);
    p.extend(name_words(family));
    if q.is_empty() {
        return false;
    }
    q.sort();
    p.sort();
    q == p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_either_order_without_accents_or_hyphens() {
        assert!(same_person("mateo quispe huaman", "Mateo", "Quispe-Huamán"));
        assert!(same_person("Quispe-Huamán, Mateo", "Mateo", "Quispe-Huamán"));
        assert!(!same_person("Mateo Quispe", "Mateo", "Quispe-Huamán"));
        assert!(!same_person("", "", ""));
        assert!(same_email(" A@B.org", "a@b.ORG"));
        assert!(!same_email("", ""));
    }
}
