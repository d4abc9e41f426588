//! `flag_low_density_large` gives the exact method's flags and threshold,
//! with exact densities wherever it says so, on samples that take the grid
//! path (the size limit lowered so the tests stay quick).

use ndarray::Array2;
use threatstat_kde::Fit;
use threatstat_kde::{GaussianKde, GaussianKdeParams, LargeOptions, Threshold};

/// `values` as points of dimension `d` (rows are points).
fn as_points(d: usize, values: Vec<f64>) -> Array2<f64> {
    Array2::from_shape_vec((values.len() / d, d), values).unwrap()
}

/// Deterministic normal draws (xorshift + Box-Muller).
struct Draws(u64);
impl Draws {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Two correlated clusters, a sparse halo and a few far outliers.
fn sample(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut r = Draws(seed);
    let mut v = Vec::with_capacity(n * d);
    for i in 0..n {
        let (cx, scale) = match i % 10 {
            0..=5 => (0.0, 1.0),
            6..=8 => (4.0, 0.5),
            _ => (2.0, 4.0),
        };
        let a = r.normal();
        let b = r.normal();
        let far = if i % 997 == 0 { 25.0 } else { 0.0 };
        v.push(cx + scale * a + far);
        if d == 2 {
            v.push(0.5 * cx + scale * (0.6 * a + 0.8 * b));
        }
    }
    v
}

fn opts() -> LargeOptions {
    LargeOptions {
        min_points: 1_000,
        sample: 300,
        ..LargeOptions::default()
    }
}

fn check(kde: &GaussianKde, threshold: Threshold) -> f64 {
    let exact = kde.loo_density();
    let large = kde.flag_low_density_large_with(threshold, &opts());
    assert!(large.grid_cells > 0, "the grid path was taken");
    assert!(
        large.refined < exact.len() / 2,
        "most densities are estimated: {}",
        large.refined
    );
    assert_eq!(
        large.flags,
        kde.flag_low_density(threshold),
        "flags and threshold equal the exact ones"
    );
    let mut worst = 0.0f64;
    for (i, (&e, (&got, &is_exact))) in exact
        .iter()
        .zip(large.densities.iter().zip(&large.exact))
        .enumerate()
    {
        if is_exact {
            assert_eq!(got, e, "point {i} is marked exact");
        } else {
            worst = worst.max((got - e).abs() / e);
            assert!(got > large.flags.threshold);
        }
    }
    eprintln!(
        "{threshold:?}: n {}, exact {}, grid {} cells at {:.3} sd, worst estimate error {worst:.2e}, sampled {:.2e}",
        exact.len(),
        large.refined,
        large.grid_cells,
        large.grid_spacing,
        large.sampled_max_rel_error
    );
    assert!(
        worst <= 2.0 * large.sampled_max_rel_error + 1e-12,
        "an unsampled estimate erred by {worst:e}, more than twice the sampled {:e}",
        large.sampled_max_rel_error
    );
    worst
}

#[test]
fn two_dimensions_match_the_exact_flags() {
    let kde = GaussianKde::params()
        .fit(&as_points(2, sample(4_000, 2, 7)))
        .unwrap();
    for t in [
        Threshold::Contamination(0.01),
        Threshold::Contamination(0.1),
    ] {
        let worst = check(&kde, t);
        assert!(worst < 0.01, "grid error {worst:e}");
    }
    let median = {
        let mut d = kde.loo_density();
        d.sort_by(f64::total_cmp);
        d[d.len() / 2]
    };
    check(&kde, Threshold::Value(median / 3.0));
}

#[test]
fn one_dimension_and_weights_match_the_exact_flags() {
    let kde = GaussianKde::params()
        .fit(&as_points(1, sample(5_000, 1, 11)))
        .unwrap();
    check(&kde, Threshold::Contamination(0.02));
    let x = sample(3_000, 2, 3);
    let w: Vec<f64> = (0..3_000).map(|i| 1.0 + (i % 5) as f64).collect();
    let kde = GaussianKdeParams::default()
        .weights(w)
        .fit(&as_points(2, x))
        .unwrap();
    check(&kde, Threshold::Contamination(0.05));
}

#[test]
fn small_samples_and_many_dimensions_are_exact() {
    let kde = GaussianKde::params()
        .fit(&as_points(3, sample(1_500, 1, 5)))
        .unwrap();
    let large = kde.flag_low_density_large_with(Threshold::Contamination(0.05), &opts());
    assert_eq!((large.grid_cells, large.refined), (0, 500));
    assert_eq!(large.densities, kde.loo_density());
}
