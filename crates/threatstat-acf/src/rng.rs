//! SplitMix64: the seeded stream behind the permutations and simulations.
//!
//! Its whole state is one `u64`, so a pair's stream can be parked between
//! rounds of the sequential test at no cost; streams of different pairs
//! come from different seeds (see [`stream_seed`]).

/// Steele, Lea and Flood's SplitMix64 (the generator Java's
/// `SplittableRandom` and the xoshiro family's seeding use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform on `0..k` (`k ≥ 1`) by Lemire's multiply-shift; the bias is
    /// below `k / 2^64`, under 10^-15 for any series length used here.
    #[inline]
    pub(crate) fn below(&mut self, k: usize) -> usize {
        ((u128::from(self.next_u64()) * k as u128) >> 64) as usize
    }

    /// Uniform on (0, 1).
    #[inline]
    pub(crate) fn open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// SplitMix64's output function (a bijection of `u64`).
#[inline]
pub(crate) fn mix(z: u64) -> u64 {
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The starting state of the stream of item `key` under `seed`.
pub(crate) fn stream_seed(seed: u64, key: u64) -> SplitMix64 {
    SplitMix64(mix(seed ^ mix(key.wrapping_add(0x6A09_E667_F3BC_C909))))
}

/// FNV-1a over bytes: a platform-independent key of a pair's contents.
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>, mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// FNV-1a's offset basis.
pub(crate) const FNV_START: u64 = 0xCBF2_9CE4_8422_2325;
