//! MCMC against the exact posterior, reproducibility, and simulation-based
//! calibration.

use rand_distr::{Distribution, Poisson};
use std::path::Path;
use threatstat_changepoint::io::read_count_series;
use threatstat_changepoint::sbc::{SbcParams, simulation_based_calibration};
use threatstat_changepoint::{ChangepointError, McmcParams, Sampler, Switchpoint};
use threatstat_core::Error;

fn book() -> Vec<u32> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/txtdata.csv");
    read_count_series(&p, None).unwrap().counts
}

fn step_series() -> Vec<u32> {
    let mut rng = threatstat_core::rng::seeded(5);
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

/// Simulation-based calibration (Talts et al. 2018), in
/// [`threatstat_changepoint::sbc`]: the rank of the true value among the
/// posterior draws is uniform for a correct sampler. Returns the χ²
/// statistics of λ1, λ2, τ against uniform ranks (10 bins).
fn sbc(sampler: Sampler) -> [f64; 3] {
    simulation_based_calibration(&SbcParams::new(sampler))
        .unwrap()
        .chi2
}

#[test]
fn simulation_based_calibration_gibbs() {
    // 9 df: P(chi2 > 27.88) = 0.001. Seeded, so deterministic.
    let chi2 = sbc(Sampler::Gibbs);
    assert!(chi2.iter().all(|&c| c < 27.88), "{chi2:?}");
}

#[test]
fn simulation_based_calibration_metropolis() {
    let chi2 = sbc(Sampler::Metropolis);
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
    let e = Switchpoint::params().fit(&[0, 0, 0]).unwrap_err();
    assert!(
        matches!(&e, ChangepointError::Core(Error::Data { what, .. }) if what == "counts"),
        "{e}"
    );
    assert!(e.to_string().contains("all counts are zero"), "{e}");
    assert!(Switchpoint::params().alpha(1.0).fit(&[0, 0, 0]).is_ok());
    assert!("hmc".parse::<Sampler>().is_err());
}
