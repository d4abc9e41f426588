//! SplitMix64: the seeded stream behind the permutations and simulations.
//!
//! Its whole state is one `u64`, so a pair's stream can be parked between
//! rounds of the sequential test at no cost; streams of different pairs
//! come from different seeds (see [`stream_seed`]).

// The generator itself is the toolkit's one SplitMix64 (`threatstat_core::rng`).
pub(crate) use threatstat_core::rng::{SplitMix64, stream as stream_seed};

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
