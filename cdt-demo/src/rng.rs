//! A small seeded pseudo-random generator, identical on every machine and version.
//!
//! [`SplitMix64`] is Steele, Lea and Flood's `SplitMix64`: a 64-bit state advanced by a
//! fixed odd constant and passed through an invertible mixer. It is fast, has no
//! dependencies and, unlike a crate's default generator, can never change its output
//! between releases, so a seed names the same district forever.

/// The golden-ratio increment of `SplitMix64`.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// `SplitMix64`'s output function: a bijection of `u64` that mixes every bit.
///
/// Being invertible, distinct inputs always give distinct outputs; the generator
/// relies on that to derive ids that look random but never collide.
#[must_use]
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic `SplitMix64` generator.
///
/// ```
/// use cdt_demo::rng::SplitMix64;
///
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent generator for a named purpose, derived from this one's seed
    /// without advancing it, so adding a draw in one phase never shifts another.
    #[must_use]
    pub fn fork(&self, stream: u64) -> Self {
        Self::new(mix64(self.state ^ mix64(stream.wrapping_add(GAMMA))))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix64(self.state)
    }

    /// A number in `0..n` (`0` when `n` is `0`), without modulo bias worth noticing
    /// (Lemire's multiply-shift).
    pub fn below(&mut self, n: usize) -> usize {
        let wide = u128::from(self.next_u64()) * n as u128;
        // The high 64 bits of a 64×64 product are below `n`, so they fit a usize.
        usize::try_from(wide >> 64).unwrap_or(0)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// `true` with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // 53 random bits, exactly representable.
        #[allow(clippy::cast_precision_loss)]
        let bits = (self.next_u64() >> 11) as f64;
        bits / 9_007_199_254_740_992.0 // 2^53
    }

    /// A uniformly chosen element. Panics on an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An element chosen with a mild bias towards the front of the slice: half the
    /// time the smaller of two uniform indices, otherwise one uniform index, so the
    /// first entry is about three times as likely as the last. Early entries of a name
    /// list are common and late ones rarer, as in real populations. Integer
    /// arithmetic only, so identical everywhere. Panics on an empty slice.
    pub fn pick_skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.skewed_index(items.len())]
    }

    /// An index in `0..n` biased towards `0` as [`SplitMix64::pick_skewed`] is.
    /// Panics if `n` is `0`.
    pub fn skewed_index(&mut self, n: usize) -> usize {
        assert!(n > 0, "no index below 0");
        if self.next_u64() & 1 == 0 {
            self.below(n).min(self.below(n))
        } else {
            self.below(n)
        }
    }

    /// An index chosen with the given integer weights. Panics if all weights are zero.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        assert!(total > 0, "weights must not all be zero");
        let mut x = self.next_u64() % total;
        for (i, &w) in weights.iter().enumerate() {
            let w = u64::from(w);
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// Shuffles a slice in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_first_outputs() {
        // Reference values of SplitMix64 seeded with 0 (as in Vigna's C code).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SplitMix64::new(42);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let x = r.below(7);
            seen[x] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn forks_are_independent_and_stable() {
        let r = SplitMix64::new(1);
        assert_eq!(r.fork(3), r.fork(3));
        assert_ne!(r.fork(3).clone().next_u64(), r.fork(4).clone().next_u64());
    }
}
