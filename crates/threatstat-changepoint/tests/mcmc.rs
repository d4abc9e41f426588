//! MCMC against the exact posterior, reproducibility, and simulation-based
//! calibration.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, Poisson};
use std::path::Path;
use threatstat_changepoint::io::read_count_series;
use threatstat_changepoint::{McmcParams, Sampler, Switchpoint};

fn book() -> Vec<u32> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/txtdata.csv");
    read_count_series(&p, None).unwrap().counts
}

fn step_series() -> Vec<u32> {
    let mut rng = StdRng::seed_from_u64(5);
    let (a, b) = (Poisson::new(4.0).unwrap(), Poisson::new(7.0).unwrap());
    (0..200).map(|t| if t < 130 { a.sample(&mut rng) } else { b.sample(&mut rng) } as u32).collect()
}

#[test]
fn mcmc_recovers_the_exact_tau_posterior() {
    for (name, counts) in [("book", book()), ("step", step_series())] {
        let exact = Switchpoint::params().fit(&counts).unwrap();
        for sampler in [Sampler::Gibbs, Sampler::Metropolis] {
            // Random-walk Metropolis mixes more slowly: give it the book's
            // longer run (the book samples 10,000 draws after 5,000 tuning).
            let p = match sampler {
                Sampler::Gibbs => McmcParams::default(),
                Sampler::Metropolis => McmcParams::default().draws(5000).tune(2000),
            };
            let m = Switchpoint::params()
                .sample(&counts, &p.sampler(sampler).seed(11))
                .unwrap();
            let tv = exact.tau_total_variation(&m.tau_posterior());
            assert!(tv < 0.02, "{name} {sampler:?}: TV {tv}");
            let l1 = (m.lambda_1.mean - exact.lambda_1_mean()).abs() / exact.lambda_1_mean();
            assert!(l1 < 0.01, "{name} {sampler:?}: E[lambda_1] off by {l1}");
            assert!(
                m.max_rhat() < 1.01,
                "{name} {sampler:?}: R-hat {}",
                m.max_rhat()
            );
        }
    }
}

#[test]
fn book_data_converges_without_warnings() {
    let m = Switchpoint::params()
        .sample(&book(), &McmcParams::default())
        .unwrap();
    assert!(m.max_rhat() < 1.01);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    assert_eq!(m.chains.len(), 4);
    assert!(m.chains.iter().all(|c| c.tau.len() == 2000));
}

#[test]
fn same_seed_same_draws_whatever_the_thread_count() {
    let counts = book();
    for sampler in [Sampler::Gibbs, Sampler::Metropolis] {
        let p = McmcParams::default()
            .sampler(sampler)
            .draws(300)
            .tune(200)
            .seed(42);
        let a = Switchpoint::params().sample(&counts, &p).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = one.install(|| Switchpoint::params().sample(&counts, &p).unwrap());
        assert_eq!(a.chains, b.chains);
        let c = Switchpoint::params().sample(&counts, &p.seed(43)).unwrap();
        assert_ne!(a.chains, c.chains);
    }
}

#[test]
fn stuck_chains_are_flagged() {
    // Too few draws of a badly tuned sampler: the diagnostics must say so.
    let p = McmcParams::default()
        .sampler(Sampler::Metropolis)
        .tau_jump_prob(0.0)
        .draws(30)
        .tune(0)
        .seed(3);
    let m = Switchpoint::params().sample(&step_series(), &p).unwrap();
    assert!(!m.warnings.is_empty());
}

/// Simulation-based calibration (Talts et al. 2018): draw (λ1, λ2, τ) from
/// the prior, simulate a series, sample the posterior, and record the rank
/// of the true value among the draws. For a correct sampler the ranks are
/// uniform. The prior's α is fixed (the default α = 1/mean(data) depends on
/// the data and would break the identity SBC relies on).
fn sbc(sampler: Sampler, thin: usize, tune: usize) -> [f64; 3] {
    let alpha = 0.2;
    let (n, reps, draws) = (30usize, 300usize, 99usize);
    let mut rng = StdRng::seed_from_u64(2026);
    let prior = Exp::new(alpha).unwrap();
    let bins = 10;
    let mut hist = [[0usize; 10]; 3];
    for r in 0..reps {
        let (l1, l2): (f64, f64) = (prior.sample(&mut rng), prior.sample(&mut rng));
        let tau = rng.random_range(0..n);
        let counts: Vec<u32> = (0..n)
            .map(|t| {
                Poisson::new(if t < tau { l1 } else { l2 }.max(1e-12))
                    .unwrap()
                    .sample(&mut rng) as u32
            })
            .collect();
        let p = McmcParams::default()
            .sampler(sampler)
            .chains(1)
            .draws(draws * thin)
            .tune(tune)
            .seed(r as u64);
        let m = Switchpoint::params()
            .alpha(alpha)
            .sample(&counts, &p)
            .unwrap();
        let c = &m.chains[0];
        let truth = [l1, l2, tau as f64];
        let series: [Vec<f64>; 3] = [
            c.lambda_1.iter().step_by(thin).copied().collect(),
            c.lambda_2.iter().step_by(thin).copied().collect(),
            c.tau.iter().step_by(thin).map(|&t| f64::from(t)).collect(),
        ];
        for v in 0..3 {
            let below = series[v].iter().filter(|&&x| x < truth[v]).count();
            let ties = series[v].iter().filter(|&&x| x == truth[v]).count();
            // Ties (discrete τ) are broken uniformly at random.
            let rank = below + rng.random_range(0..=ties);
            hist[v][rank * bins / (draws + 1)] += 1;
        }
    }
    // Chi-square statistic against uniform ranks, 9 degrees of freedom.
    hist.map(|h| {
        let e = reps as f64 / bins as f64;
        h.iter().map(|&o| (o as f64 - e).powi(2) / e).sum()
    })
}

#[test]
fn simulation_based_calibration_gibbs() {
    // 9 df: P(chi2 > 27.88) = 0.001. Seeded, so deterministic.
    let chi2 = sbc(Sampler::Gibbs, 2, 200);
    assert!(chi2.iter().all(|&c| c < 27.88), "{chi2:?}");
}

#[test]
fn simulation_based_calibration_metropolis() {
    let chi2 = sbc(Sampler::Metropolis, 10, 1000);
    assert!(chi2.iter().all(|&c| c < 27.88), "{chi2:?}");
}

#[test]
fn bad_parameters_are_errors() {
    let c = book();
    assert!(
        Switchpoint::params()
            .sample(&c, &McmcParams::default().chains(0))
            .is_err()
    );
    assert!(
        Switchpoint::params()
            .sample(&c, &McmcParams::default().draws(3))
            .is_err()
    );
    assert!(Switchpoint::params().alpha(-1.0).fit(&c).is_err());
    assert!(Switchpoint::params().alpha(f64::NAN).fit(&c).is_err());
    assert!(Switchpoint::params().fit(&[]).is_err());
    let e = Switchpoint::params()
        .fit(&[0, 0, 0])
        .unwrap_err()
        .to_string();
    assert!(e.contains("all counts are zero"), "{e}");
    assert!(Switchpoint::params().alpha(1.0).fit(&[0, 0, 0]).is_ok());
    assert!("hmc".parse::<Sampler>().is_err());
}
