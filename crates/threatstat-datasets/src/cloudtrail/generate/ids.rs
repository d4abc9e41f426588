//! Identifiers: event and request ids (UUID v4 look-alikes), access-key and
//! principal-id characters, hex strings.
//!
//! # Why a file of its own
//!
//! Two kinds of randomness meet here and must not be confused: the ids of
//! records hash the seed and the record's index ([`mix`], [`uuid`]), so
//! they do not depend on the order of writing, while key and hex strings
//! are drawn from the simulation's generator ([`key_chars`], [`hex`]) and
//! so are part of its sequence of draws.

use rand::RngExt;
use threatstat_core::rng::SeededRng;

/// splitmix64: the ids and file names hash the seed and an index, so they
/// do not depend on the order of writing.
pub(super) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A UUID-v4-looking id hashed from two numbers.
pub(super) fn uuid(a: u64, b: u64) -> String {
    let (a, b) = (mix(a), mix(b ^ 0xA5A5));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        0x8000 | ((b >> 48) & 0x3FFF),
        b & 0xFFFF_FFFF_FFFF
    )
}

/// `n` characters of `[A-Z0-9]` from `rng`.
pub(super) fn key_chars(rng: &mut SeededRng, n: usize) -> String {
    const A: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| char::from(A[rng.random_range(0..36)]))
        .collect()
}

/// `n` lowercase hex digits from `rng`.
pub(super) fn hex(rng: &mut SeededRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_look_like_v4() {
        let u = uuid(1, 2);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}
