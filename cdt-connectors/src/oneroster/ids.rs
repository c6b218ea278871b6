//! Sets of sourcedIds held as 128-bit hashes: 24 bytes an id whatever its length,
//! which keeps a million ids in a few tens of megabytes.

/// A 128-bit hash of a sourcedId: two ids share one with odds of about 1 in 10^38
/// per pair. Two `u64`s rather than a `u128`, for 8-byte alignment.
pub(crate) type IdHash = [u64; 2];

#[allow(clippy::cast_possible_truncation)]
pub(crate) fn id_hash(v: &str) -> IdHash {
    let h = xxhash_rust::xxh3::xxh3_128(v.as_bytes());
    [h as u64, (h >> 64) as u64]
}

/// A hasher for keys that are already hashes: it takes the first word.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = self.0.rotate_left(23) ^ v;
    }
}

type Map<V> = std::collections::HashMap<IdHash, V, std::hash::BuildHasherDefault<PassThrough>>;

/// A map from id hashes to small values (a `HashMap` that does not hash again).
#[derive(Debug)]
pub(crate) struct IdTable<V>(Map<V>);

impl<V> Default for IdTable<V> {
    fn default() -> Self {
        Self(Map::default())
    }
}

impl<V: Copy + Default> IdTable<V> {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Makes room for `n` more ids without growing.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }

    /// The value of `k`, inserted with `V::default()` if it is new; and whether it was.
    pub(crate) fn entry(&mut self, k: IdHash) -> (&mut V, bool) {
        match self.0.entry(k) {
            std::collections::hash_map::Entry::Occupied(e) => (e.into_mut(), false),
            std::collections::hash_map::Entry::Vacant(e) => (e.insert(V::default()), true),
        }
    }

    pub(crate) fn get(&self, k: &IdHash) -> Option<&V> {
        self.0.get(k)
    }

    pub(crate) fn contains(&self, k: &IdHash) -> bool {
        self.0.contains_key(k)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&IdHash, &V)> {
        self.0.iter()
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.0.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_find_and_grow() {
        let mut t: IdTable<u32> = IdTable::default();
        assert!(t.get(&id_hash("a")).is_none());
        for i in 0..10_000u32 {
            let (v, new) = t.entry(id_hash(&format!("id-{i}")));
            assert!(new);
            *v = i;
        }
        assert_eq!(t.len(), 10_000);
        for i in 0..10_000u32 {
            assert_eq!(t.get(&id_hash(&format!("id-{i}"))), Some(&i));
            assert!(!t.entry(id_hash(&format!("id-{i}"))).1);
        }
        assert!(!t.contains(&id_hash("id-10000")));
        assert_eq!(t.iter().count(), 10_000);
        t.reserve(100_000);
        assert_eq!(t.values().count(), 10_000);
    }
}
