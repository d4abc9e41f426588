//! Rank statistics at the largest sizes the API accepts (merged
//! [`RankSample`] counts of billions of values): no product or sum of counts
//! may wrap. The expected values are computed here independently, in exact
//! u128/i128 integer arithmetic and a continued fraction for erfc.

use threatstat_ranktest::{MannWhitney, Merge, Method, RankSample, RankTestError};

/// erfc(x) for x ≥ 2 by its continued fraction
/// `exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))`, evaluated
/// backwards from depth 400 (converged far below 1e-15 relative for x ≥ 2).
fn erfc_cf(x: f64) -> f64 {
    assert!(x >= 2.0);
    let mut t = x;
    for k in (1..=400).rev() {
        t = x + (k as f64 / 2.0) / t;
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / t
}

/// x: values 0, 1, 2 with counts (1e9 + d, 1e9, 1e9 − d); y: 1e9 each.
/// 3e9 against 3e9 values: n(n − 1) = 3.6e19 > 2^64.
#[test]
fn three_billion_against_three_billion_through_merged_counts() {
    const B: u64 = 1_000_000_000;
    const D: u64 = 140_000;
    let cx = [B + D, B, B - D];
    let cy = [B, B, B];
    // Each sample arrives in two partitions, merged.
    let part = |c: &[u64; 3], half: bool| {
        let mut s = RankSample::new();
        for (v, &k) in c.iter().enumerate() {
            let k = if half { k / 2 } else { k - k / 2 };
            s.push_n(v as f64, k).unwrap();
        }
        s
    };
    let (mut sx, mut sy) = (part(&cx, true), part(&cy, true));
    sx.merge(&part(&cx, false)).unwrap();
    sy.merge(&part(&cy, false)).unwrap();
    assert_eq!((sx.len(), sy.len()), (3 * B, 3 * B));

    // Exact reference in integers.
    let (n1, n2) = (3 * B as u128, 3 * B as u128);
    let n = n1 + n2;
    let mn = n1 * n2;
    let mut u1_twice = 0u128;
    let mut y_below = 0u128;
    let mut ties = 0u128;
    for i in 0..3 {
        let (a, b) = (u128::from(cx[i]), u128::from(cy[i]));
        u1_twice += a * (2 * y_below + b);
        y_below += b;
        let t = a + b;
        ties += t * t * t - t;
    }
    // σ² = mn/12 · ((n + 1) − T/(n(n − 1))) = mn·A / (12·n(n − 1)),
    // A = (n + 1)n(n − 1) − T exactly.
    let a = (n + 1) * n * (n - 1) - ties;
    let sigma = ((mn as f64) * (a as f64) / (12.0 * (n * (n - 1)) as f64)).sqrt();
    let dev_twice = u1_twice as i128 - mn as i128; // 2·(U1 − mn/2)
    let z_ref = dev_twice as f64 / 2.0 / sigma;
    // Two-sided, continuity-corrected: p = erfc(((|U1 − mn/2|) − 0.5)/σ/√2).
    let p_ref = erfc_cf((dev_twice.unsigned_abs() as f64 / 2.0 - 0.5) / sigma / 2f64.sqrt());
    assert!((-4.5..-4.3).contains(&z_ref), "{z_ref}");

    let r = MannWhitney::params()
        .method(Method::Asymptotic)
        .test_samples(&sx, &sy)
        .unwrap();
    assert_eq!(r.u, u1_twice as f64 / 2.0);
    // Tolerances: z to 1e-12 relative (a few roundings of f64 formulas),
    // p to 1e-10 relative (normal tail in the library vs the continued
    // fraction here). The wrapped u64 product gave z off by 11%, p by 11×.
    assert!(
        ((r.z - z_ref) / z_ref).abs() < 1e-12,
        "z {} vs {z_ref}",
        r.z
    );
    assert!(
        ((r.p_value - p_ref) / p_ref).abs() < 1e-10,
        "p {} vs {p_ref}",
        r.p_value
    );
    assert!(((r.ln_p_value - p_ref.ln()) / p_ref.ln()).abs() < 1e-10);
    // The Hodges–Lehmann shift and its asymptotic interval use the same σ.
    assert_eq!(r.hodges_lehmann, 0.0);
    assert!(r.ci_low <= 0.0 && r.ci_high >= 0.0);
}

/// Counts saturate instead of wrapping, and the test refuses the size.
#[test]
fn counts_saturate_and_oversized_samples_are_refused() {
    let mut s = RankSample::new();
    s.push_n(1.0, u64::MAX).unwrap();
    s.push_n(1.0, 5).unwrap();
    let mut t = s.clone();
    t.merge(&s).unwrap();
    assert_eq!((s.len(), t.len()), (u64::MAX, u64::MAX));
    let y = RankSample::from_values(&[2.0]).unwrap();
    let e = MannWhitney::params().test_samples(&t, &y).unwrap_err();
    assert!(
        matches!(&e, RankTestError::Core(threatstat_core::Error::Shape { what, .. }) if what == "samples"),
        "{e}"
    );
    assert!(e.to_string().contains("too large"), "{e}");
}
