//! `len(np.unique(x))`, which KDEpy's ISJ uses as its sample size `N` (the
//! fixed point and the root bracket depend on it, so it is computed
//! exactly): O(n) without a sort.
//!
//! Values become order-preserving integer keys (−0.0 and 0.0 one key). From
//! [`PARTITION_MIN`] values, chunks of the data partition the keys' hashes
//! (a bijective mix, so they stand for the keys) in parallel into 256
//! parts by their top bits (equal values share a part; 256 write streams
//! stay in cache), then each part counts its distinct hashes with an
//! open-addressing table of about twice its size, which stays in the
//! L1/L2 cache, the parts in parallel. Smaller inputs
//! sort their keys.

use rayon::prelude::*;

/// From this many values [`count_unique`] partitions and hashes.
const PARTITION_MIN: usize = 1 << 15;
/// Parts (top bits of the hash).
const PART_BITS: u32 = 8;
/// Values per partitioning task.
const CHUNK: usize = 1 << 17;

/// The order-preserving key of a finite value; never 0 (0 would be the
/// bit pattern of a NaN), which the hash tables use as "empty".
fn key(v: f64) -> u64 {
    const SIGN: u64 = 1 << 63;
    let b = (v + 0.0).to_bits(); // −0.0 + 0.0 = +0.0
    if b & SIGN != 0 { !b } else { b | SIGN }
}

/// SplitMix64's finaliser: every output bit depends on every key bit (keys
/// of small integers differ only in their high bits).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The number of distinct values of the finite `x` (−0.0 and 0.0 are one).
pub(crate) fn count_unique(x: &[f64]) -> usize {
    if x.len() < PARTITION_MIN {
        let mut keys: Vec<u64> = x.iter().map(|&v| key(v)).collect();
        keys.sort_unstable();
        return keys.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!keys.is_empty());
    }
    const PARTS: usize = 1 << PART_BITS;
    // Each chunk's hashes by part. `mix` is a bijection with mix(0) = 0,
    // so equal values have equal hashes, distinct values distinct ones,
    // and no hash is 0 (keys never are): the hashes stand for the keys.
    let chunks: Vec<Vec<Vec<u64>>> = x
        .par_chunks(CHUNK)
        .map(|c| {
            let cap = c.len() / PARTS + c.len() / PARTS / 4 + 16;
            let mut parts: Vec<Vec<u64>> = (0..PARTS).map(|_| Vec::with_capacity(cap)).collect();
            for &v in c {
                let h = mix(key(v));
                parts[(h >> (64 - PART_BITS)) as usize].push(h);
            }
            parts
        })
        .collect();
    (0..PARTS)
        .into_par_iter()
        .map_init(Vec::new, |table: &mut Vec<u64>, p| {
            let m: usize = chunks.iter().map(|c| c[p].len()).sum();
            let size = (2 * m).next_power_of_two().max(16);
            table.clear();
            table.resize(size, 0);
            let mask = size - 1;
            let mut distinct = 0;
            for c in &chunks {
                for &h in &c[p] {
                    // Slot bits: the low bits, independent of the part's.
                    let mut i = h as usize & mask;
                    loop {
                        let t = table[i];
                        if t == h {
                            break;
                        }
                        if t == 0 {
                            table[i] = h;
                            distinct += 1;
                            break;
                        }
                        i = (i + 1) & mask;
                    }
                }
            }
            distinct
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_sort(v: &[f64]) -> usize {
        let mut s: Vec<f64> = v.iter().map(|x| x + 0.0).collect();
        s.sort_by(f64::total_cmp);
        s.dedup();
        s.len()
    }

    #[test]
    fn unique_count_merges_signed_zeros() {
        assert_eq!(count_unique(&[0.0, -0.0, 1.0, 1.0, 2.0]), 3);
        assert_eq!(count_unique(&[]), 0);
        assert_eq!(count_unique(&[5.0; 10]), 1);
        assert_eq!(
            count_unique(&[-1e300, 1e-300, -0.0, f64::MIN_POSITIVE, -2.5]),
            5
        );
    }

    #[test]
    fn partitioned_count_matches_a_sort() {
        // Continuous values, tie-heavy small integers (keys differing only
        // in their high bits), signed zeros and extremes, above and below
        // the partitioning size.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [100, PARTITION_MIN - 1, PARTITION_MIN, 300_001] {
            let cont: Vec<f64> = (0..n)
                .map(|_| (next() >> 11) as f64 / 2f64.powi(40) - 1.0)
                .collect();
            let ints: Vec<f64> = (0..n).map(|_| (next() % 5000) as f64 - 2500.0).collect();
            let mixed: Vec<f64> = (0..n)
                .map(|i| match i % 5 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f64::MAX * if i % 2 == 0 { 1.0 } else { -1.0 },
                    3 => f64::MIN_POSITIVE * (i % 7) as f64,
                    _ => (i % 1000) as f64 * 0.1,
                })
                .collect();
            // The earlier partitioned path's case: ties, zeros, a wide range.
            let wide: Vec<f64> = (0..n as u64)
                .map(|i| match i % 5 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => ((i * 7919) % 40_009) as f64 * 1e-3,
                    3 => -(((i * 104_729) % 70_001) as f64) * 1e250,
                    _ => (i / 5) as f64,
                })
                .collect();
            for v in [&cont, &ints, &mixed, &wide] {
                assert_eq!(count_unique(v), by_sort(v), "n = {n}");
            }
        }
    }
}
