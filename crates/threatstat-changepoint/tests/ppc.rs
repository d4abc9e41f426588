//! The posterior predictive dispersion check at its promised rates, by
//! seeded simulation: Poisson series with a change have roughly uniform
//! p-values and are flagged at about 4 · LEVEL (4%); negative-binomial
//! series whose variance is three times their mean are flagged almost
//! always.

use rand::RngExt;
use rand_distr::{Distribution, Gamma, Poisson};
use threatstat_changepoint::Switchpoint;
use threatstat_changepoint::ppc::{LEVEL, PpcParams, check};
use threatstat_core::rng::{SeededRng, seeded};

const DAYS: usize = 100;

/// A series of 100 days, rate 5 then 9 from a random day; `k` the
/// negative-binomial shape (None: Poisson).
fn series(rng: &mut SeededRng, k: Option<f64>) -> Vec<u32> {
    let tau = rng.random_range(20..80);
    (0..DAYS)
        .map(|t| {
            let mu: f64 = if t < tau { 5.0 } else { 9.0 };
            let lambda = match k {
                None => mu,
                Some(k) => Gamma::new(k, mu / k).unwrap().sample(rng),
            };
            if lambda > 0.0 {
                Poisson::new(lambda).unwrap().sample(rng) as u32
            } else {
                0
            }
        })
        .collect()
}

/// (share flagged, mean of the p-values, share of p-values below 1/4)
/// over `reps` series.
fn flag_rate(seed: u64, reps: usize, k: Option<f64>, replicates: usize) -> (f64, f64, f64) {
    let mut rng = seeded(seed);
    let (mut flagged, mut p_sum, mut p_n, mut low) = (0, 0.0, 0, 0);
    for r in 0..reps {
        let y = series(&mut rng, k);
        let post = Switchpoint::params().fit(&y).unwrap();
        let draws = post.draws(2, replicates / 2, r as u64).unwrap();
        let ppc = check(
            &y,
            &draws,
            &PpcParams {
                replicates,
                kept: 0,
                seed: r as u64,
            },
        )
        .unwrap();
        flagged += usize::from(ppc.flagged);
        for reg in &ppc.regimes {
            p_sum += reg.p_value;
            p_n += 1;
            low += usize::from(reg.p_value < 0.25);
        }
    }
    let (rate, mean_p, low) = (
        flagged as f64 / reps as f64,
        p_sum / p_n as f64,
        low as f64 / p_n as f64,
    );
    eprintln!(
        "{reps} series, shape {k:?}: flagged {rate}, mean p-value {mean_p:.3}, p < 1/4: {low:.3}"
    );
    (rate, mean_p, low)
}

#[test]
fn poisson_counts_are_not_flagged_beyond_the_level() {
    let (rate, mean_p, low) = flag_rate(11, 100, None, 100);
    // Two regimes, two sides: 4 · LEVEL for uniform p-values (variance /
    // mean hardly depends on the rate, so they nearly are); 100 series:
    // binomial sd 2%.
    assert!(rate <= 4.0 * LEVEL + 0.05, "Poisson series flagged {rate}");
    assert!((0.4..0.6).contains(&mean_p), "mean p-value {mean_p}");
    assert!((0.15..0.35).contains(&low), "share of p < 1/4: {low}");
}

#[test]
fn overdispersed_counts_are_flagged() {
    // Negative binomial, variance = 3 × mean: shape k = mean / 2 per
    // regime; take the shape of the lower rate (the higher is then
    // overdispersed even more).
    let (rate, mean_p, _) = flag_rate(12, 50, Some(2.5), 100);
    assert!(rate >= 0.9, "overdispersed series flagged only {rate}");
    assert!(mean_p < 0.05, "mean p-value {mean_p}");
}

/// The same at 1,000 series and 400 replicates each (about a minute
/// optimised): `cargo test -p threatstat-changepoint --test ppc -- --ignored`.
#[test]
#[ignore]
fn rates_at_a_thousand_series() {
    let (rate, _, low) = flag_rate(21, 1000, None, 400);
    assert!(rate <= 4.0 * LEVEL + 0.02, "Poisson series flagged {rate}");
    assert!((0.2..0.3).contains(&low), "share of p < 1/4: {low}");
    let (rate, _, _) = flag_rate(22, 1000, Some(2.5), 400);
    assert!(rate >= 0.9, "overdispersed series flagged only {rate}");
}
