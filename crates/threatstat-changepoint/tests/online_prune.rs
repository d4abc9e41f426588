//! What pruning the online detector costs: its run-length posterior and
//! evidence against the exact ones (no pruning), on seeded series.

use threatstat_changepoint::OnlineDetector;

/// Poisson(λ) draws by inversion from a 64-bit LCG (seeded, no dependency).
fn poisson_series(rates: &[(usize, f64)], seed: u64) -> Vec<u32> {
    let mut s = seed;
    let mut u = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut y = Vec::new();
    for &(len, lam) in rates {
        for _ in 0..len {
            let (mut k, mut p) = (0u32, (-lam).exp());
            let mut c = p;
            let x = u();
            while x > c {
                k += 1;
                p *= lam / f64::from(k);
                c += p;
            }
            y.push(k);
        }
    }
    y
}

/// (|Δ ln evidence|, max over days of the total-variation distance between
/// the pruned and the exact run-length posteriors).
fn error(y: &[u32], hazard: f64, prune: f64) -> (f64, f64) {
    let p = OnlineDetector::params().alpha(0.3).hazard(hazard);
    let mut exact = p.prune(0.0).start().unwrap();
    let mut pruned = p.prune(prune).start().unwrap();
    let mut tv: f64 = 0.0;
    for &c in y {
        exact.update(c).unwrap();
        pruned.update(c).unwrap();
        let mut full = vec![0.0; exact.days_seen()];
        for (start, q) in exact.run_length_posterior() {
            full[start] += q;
        }
        for (start, q) in pruned.run_length_posterior() {
            full[start] -= q;
        }
        tv = tv.max(full.iter().map(|d| d.abs()).sum::<f64>() / 2.0);
    }
    ((exact.log_evidence() - pruned.log_evidence()).abs(), tv)
}

/// The cost documented in `OnlineParams::prune`: run-length posterior
/// within 100·prune in total variation (measured: up to 30·prune) and
/// ln p(y) within 100·prune (measured: up to 60·prune) for every accepted
/// prune; the exact detector is prune = 0.
#[test]
fn pruning_error_is_at_most_100_times_prune() {
    let series = [
        (
            "stationary λ=3, hazard 0.1",
            poisson_series(&[(300, 3.0)], 1),
            0.1,
        ),
        (
            "sparse λ=0.2, hazard 0.01",
            poisson_series(&[(300, 0.2)], 2),
            0.01,
        ),
        (
            "changes 2/12/4/20, hazard 0.01",
            poisson_series(&[(100, 2.0), (80, 12.0), (120, 4.0), (100, 20.0)], 3),
            0.01,
        ),
    ];
    for (name, y, hazard) in &series {
        for prune in [1e-12, 1e-9, 1e-6] {
            let (de, tv) = error(y, *hazard, prune);
            assert!(
                de <= 100.0 * prune && tv <= 100.0 * prune,
                "{name}: prune {prune:e}: |Δ ln p(y)| {de:e}, max TV {tv:e}"
            );
        }
    }
    // Beyond the accepted range (where the error reaches 1e-2) it is refused.
    assert!(OnlineDetector::params().prune(1e-4).start().is_err());
    let max = threatstat_changepoint::MAX_PRUNE;
    assert!(OnlineDetector::params().prune(max).start().is_ok());
}
