//! Summation kernels shared by the estimators.
//!
//! Where parity hinges on the exact value of a sum (the mean of a constant
//! series decides whether pandas and statsmodels see a zero variance), the
//! sum is NumPy's: [`pairwise_sum`] reproduces `np.add.reduce` of a
//! contiguous float64 array bit for bit. Dot products are BLAS calls in
//! NumPy, whose summation order depends on the CPU kernel, so they are only
//! reproduced to rounding: [`dot`] uses eight independent accumulators
//! (vectorisable, and more accurate than a single running sum).

// NumPy's pairwise summation and mean live in `threatstat_core::numerics`
// (shared with the KDE); the names here are the ones this crate's code uses.
pub(crate) use threatstat_core::numerics::{np_mean as numpy_mean, np_sum as pairwise_sum};

/// Σ a[i]·b[i] over the common length, with eight accumulators.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// The smallest even 5-smooth number (2^a·3^b·5^c, a ≥ 1) that is ≥ `target`:
/// a length rustfft transforms fast, and even so that a real signal can be
/// transformed as a complex one of half the length.
pub(crate) fn next_fast_even_len(target: usize) -> usize {
    let target = target.max(2);
    let mut best = usize::MAX;
    let mut p5 = 1usize;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            // Smallest power of two times p35 that reaches the target, at least 2·p35.
            let mut m = p35 * 2;
            while m < target {
                m *= 2;
            }
            best = best.min(m);
            match p35.checked_mul(3) {
                Some(v) => p35 = v,
                None => break,
            }
        }
        match p5.checked_mul(5) {
            Some(v) => p5 = v,
            None => break,
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_of_a_constant_is_not_always_exact() {
        // np.full(90, 0.1).mean() == 0.1 is False in NumPy.
        let x = vec![0.1; 90];
        assert_ne!(numpy_mean(&x), 0.1);
        let x = vec![3.0; 90];
        assert_eq!(numpy_mean(&x), 3.0);
    }

    /// The module's promise: `np.add.reduce` bit for bit. Reference bits
    /// from `tools/reference/numpy_pairwise_sum.py` (block edges 8 and 128
    /// included; most sizes differ from a naive running sum, so the test
    /// tells the two apart).
    #[test]
    fn pairwise_sum_equals_numpy_bit_for_bit() {
        let want: [(usize, u64); 16] = [
            (1, 0xc02b59f22983759f),  // -13.675675675675675, naive sum equal; numpy 2.4.6
            (2, 0xc022a60dd67c8a60),  // -9.324324324324323, naive sum equal; numpy 2.4.6
            (7, 0xc02edc7b9e366dc8),  // -15.430630630630631, naive sum equal; numpy 2.4.6
            (8, 0xc02acea521ac0ce8),  // -13.4036036036036, naive sum differs; numpy 2.4.6
            (9, 0xc02a444444444442),  // -13.13333333333333, naive sum differs; numpy 2.4.6
            (15, 0xc029759f22983759), // -12.729729729729728, naive sum equal; numpy 2.4.6
            (16, 0xc03345306eb3e452), // -19.270270270270267, naive sum equal; numpy 2.4.6
            (17, 0xc0390a60dd67c8a5), // -25.040540540540537, naive sum equal; numpy 2.4.6
            (127, 0xbfe75da2d341f5c8), // -0.7301801801801782, naive sum differs; numpy 2.4.6
            (128, 0x400092ae5b546930), // 2.071621621621624, naive sum differs; numpy 2.4.6
            (129, 0x4007623fa770162e), // 2.9229729729729774, naive sum differs; numpy 2.4.6
            (255, 0x40179324708c3936), // 5.893693693693697, naive sum differs; numpy 2.4.6
            (256, 0x401001d854df401e), // 4.001801801801802, naive sum differs; numpy 2.4.6
            (257, 0x3fe1c99238461cf0), // 0.5558558558558655, naive sum differs; numpy 2.4.6
            (1000, 0x4040fcf1b36e3dce), // 33.97612612612612, naive sum differs; numpy 2.4.6
            (4097, 0x404468c39324708a), // 40.81846846846845, naive sum differs; numpy 2.4.6
        ];
        for (n, bits) in want {
            let x: Vec<f64> = (0..n)
                .map(|i| ((i * 7919) % 1013) as f64 - 506.0)
                .zip((0..n).map(|i| (37 * (1 + i % 5)) as f64))
                .map(|(a, b)| a / b)
                .collect();
            let got = pairwise_sum(&x);
            assert_eq!(
                got.to_bits(),
                bits,
                "n = {n}: {got} vs {}",
                f64::from_bits(bits)
            );
        }
    }

    #[test]
    fn pairwise_sum_matches_a_naive_sum_of_integers() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&x), 499_500.0);
        assert_eq!(pairwise_sum(&[]), 0.0);
    }

    #[test]
    fn fast_lengths_are_even_and_5_smooth() {
        for t in 1..2000 {
            let m = next_fast_even_len(t);
            assert!(m >= t && m.is_multiple_of(2));
            let mut r = m;
            for p in [2, 3, 5] {
                while r.is_multiple_of(p) {
                    r /= p;
                }
            }
            assert_eq!(r, 1, "{m}");
            // No smaller even 5-smooth number reaches t.
            for c in (t.max(2)..m).filter(|c| c.is_multiple_of(2)) {
                let mut r = c;
                for p in [2, 3, 5] {
                    while r.is_multiple_of(p) {
                        r /= p;
                    }
                }
                assert_ne!(r, 1, "{c} < {m} for {t}");
            }
        }
    }

    #[test]
    fn dot_is_a_dot_product() {
        let a: Vec<f64> = (0..37).map(f64::from).collect();
        let want: f64 = a.iter().map(|v| v * v).sum();
        assert_eq!(dot(&a, &a), want);
    }
}
