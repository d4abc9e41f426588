//! The exact posterior's summary in the convention of the MCMC summaries:
//! exact means, standard deviations and 94% highest density intervals of
//! λ1, λ2 and τ (see [`crate::summary`]).
//!
//! The HDI of a rate is the narrowest interval holding `prob` of its
//! posterior (a mixture over τ of Gamma distributions, restricted to the
//! direction's order): `[Q(u), Q(u + prob)]` for the `u` in `[ε, 1 − prob − ε]`, ε = 1e-7,
//! minimising the width, found on a grid of `u` and refined by golden
//! section search, with `Q` the exact quantile
//! ([`ExactPosterior::lambda_1_interval`]'s bisection). That is the
//! definition ArviZ applies to draws (`az.hdi`, narrowest interval), here on
//! the exact distribution; for a unimodal posterior it is the highest
//! density interval. Under a direction the quantiles are quadratures, too
//! slow for that search: the HDI is then the narrowest run of cells of the
//! density tabulated on a grid of 16,384 cells (ends within 0.0015 sd). τ is discrete: its HDI is the narrowest run of days
//! whose posterior mass is at least `prob`.

use crate::ChangepointError;
use crate::exact::{ExactPosterior, Interval};
use crate::mcmc::VariableSummary;
use crate::summary::{HDI_PROB, PosteriorSummary};
use threatstat_core::Error;

/// Grid points over `u` before the golden section search.
const GRID: usize = 16;
/// The golden section stops when the bracket of `u` is below this.
const U_TOL: f64 = 1e-11;
/// The smallest tail mass an HDI leaves out on either side.
const EDGE: f64 = 1e-7;

impl ExactPosterior {
    /// The summary table of the exact posterior: exact mean, sd and 94%
    /// HDI of λ1, λ2 and τ; the Monte Carlo columns are NaN.
    ///
    /// ```
    /// use threatstat_changepoint::Switchpoint;
    /// let post = Switchpoint::params().fit(&[3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14]).unwrap();
    /// let s = post.summary();
    /// assert!((s.lambda_1.mean - post.lambda_1_mean()).abs() < 1e-12);
    /// assert_eq!((s.tau.hdi_94.low, s.tau.hdi_94.high), (6.0, 6.0));
    /// assert!(s.tau.r_hat.is_nan());
    /// ```
    pub fn summary(&self) -> PosteriorSummary {
        let rate = |which: u8, mean: f64| {
            let sd = self.rate_sd(which, mean);
            let hdi = self
                .hdi_with(which, HDI_PROB, true, Some(sd))
                .expect("HDI_PROB is in (0, 1)");
            VariableSummary::exact(mean, sd, hdi)
        };
        let (m1, m2) = (self.lambda_1_mean(), self.lambda_2_mean());
        let tau = || {
            let p = self.tau_posterior();
            let mean: f64 = p.iter().enumerate().map(|(k, w)| k as f64 * w).sum();
            let var: f64 = p
                .iter()
                .enumerate()
                .map(|(k, w)| w * (k as f64 - mean).powi(2))
                .sum();
            VariableSummary::exact(mean, var.sqrt(), self.tau_hdi(HDI_PROB))
        };
        // The three are independent: on two threads for long series (the
        // thread pool is already up from the fit there).
        let ((lambda_1, lambda_2), tau) = if self.n_days() >= crate::exact::PARALLEL_DAYS {
            rayon::join(|| rayon::join(|| rate(1, m1), || rate(2, m2)), tau)
        } else {
            ((rate(1, m1), rate(2, m2)), tau())
        };
        PosteriorSummary {
            lambda_1,
            lambda_2,
            tau,
        }
    }

    /// Checks the mass of a highest density interval: in `(0, 1 − 4e-7)`
    /// (the search leaves at least 1e-7 out on either side). What
    /// [`Self::lambda_1_hdi`] checks, for callers that compute the
    /// interval later (the Python package computes it when first read).
    ///
    /// ```
    /// use threatstat_changepoint::ExactPosterior;
    /// assert!(ExactPosterior::check_hdi_prob(0.94).is_ok());
    /// assert!(ExactPosterior::check_hdi_prob(1.0).is_err());
    /// ```
    pub fn check_hdi_prob(prob: f64) -> Result<(), ChangepointError> {
        if !(prob > 0.0 && prob < 1.0 - 4.0 * EDGE) {
            return Err(Error::param("prob", prob, "a number in (0, 1 − 4e-7)").into());
        }
        Ok(())
    }

    /// The `prob` highest density interval of λ1 (narrowest interval
    /// holding `prob` of the exact posterior).
    pub fn lambda_1_hdi(&self, prob: f64) -> Result<Interval, ChangepointError> {
        self.hdi(1, prob)
    }

    /// The `prob` highest density interval of λ2.
    pub fn lambda_2_hdi(&self, prob: f64) -> Result<Interval, ChangepointError> {
        self.hdi(2, prob)
    }

    /// The narrowest run of days `low..=high` holding at least `prob` of
    /// `P(τ | y)` (the first such run if several are as narrow).
    pub fn tau_hdi(&self, prob: f64) -> Interval {
        // A run holding prob up to rounding counts as holding it.
        let (lo, hi) = narrowest_run(self.tau_posterior(), prob - 1e-12);
        Interval {
            low: lo as f64,
            high: hi as f64,
        }
    }

    /// The standard deviation of λ1 (`which` = 1) or λ2: the mixture over
    /// τ of the conditional variances and the spread of the conditional
    /// means. Under a direction, `E[λ² 1{order}] = a(a+1)/b² · P(order
    /// with the shape raised by 2)`.
    fn rate_sd(&self, which: u8, mean: f64) -> f64 {
        let d = self.direction();
        let var: f64 = (0..self.n_days())
            .filter(|&k| self.tau_posterior()[k] > 0.0)
            .map(|k| {
                let (a1, b1, a2, b2) = self.shapes_rates(k);
                let (m1, m2) = d.means(a1, b1, a2, b2);
                let base = d.ln_factor(a1, b1, a2, b2);
                let (m, e2) = if which == 1 {
                    let raised = (d.ln_factor(a1 + 2, b1, a2, b2) - base).exp();
                    (m1, (a1 * (a1 + 1)) as f64 / (b1 * b1) * raised)
                } else {
                    let raised = (d.ln_factor(a1, b1, a2 + 2, b2) - base).exp();
                    (m2, (a2 * (a2 + 1)) as f64 / (b2 * b2) * raised)
                };
                self.tau_posterior()[k] * ((e2 - m * m).max(0.0) + (m - mean).powi(2))
            })
            .sum();
        var.sqrt()
    }

    fn hdi(&self, which: u8, prob: f64) -> Result<Interval, ChangepointError> {
        self.hdi_with(which, prob, true, None)
    }

    /// The HDI; `newton`: try [`newton_hdi`] before the search, from the
    /// rate's `sd` if the caller has it.
    fn hdi_with(
        &self,
        which: u8,
        prob: f64,
        newton: bool,
        sd: Option<f64>,
    ) -> Result<Interval, ChangepointError> {
        Self::check_hdi_prob(prob)?;
        let mix = self.mixture(which);
        if mix.iter().any(|c| c.restricted()) {
            return Ok(grid_hdi(&mix, prob));
        }
        let mean = if which == 1 {
            self.lambda_1_mean()
        } else {
            self.lambda_2_mean()
        };
        if newton {
            let sd = sd.unwrap_or_else(|| self.rate_sd(which, mean));
            if let Some(h) = newton_hdi(&mix, prob, mean, sd) {
                return Ok(h);
            }
        }
        let ends = |u: f64| {
            (
                Self::quantile(&mix, u),
                Self::quantile(&mix, (u + prob).min(1.0)),
            )
        };
        let width = |u: f64| {
            let (a, b) = ends(u);
            b - a
        };
        // u stays EDGE inside [0, 1 − prob]: the quantiles at 0 and 1 are
        // the ends of the support (the weights below 1e-14 dropped from the
        // mixture leave its CDF short of 1 by up to n·1e-14).
        let span = 1.0 - prob - 2.0 * EDGE;
        let width = |u: f64| width(EDGE + u);
        // The best grid point, then golden section in the cells around it
        // (the width is unimodal in u for a unimodal posterior).
        let grid: Vec<f64> = (0..=GRID)
            .map(|i| width(span * i as f64 / GRID as f64))
            .collect();
        let i = (0..=GRID).fold(0, |b, i| if grid[i] < grid[b] { i } else { b });
        let (mut lo, mut hi) = (
            span * i.saturating_sub(1) as f64 / GRID as f64,
            span * (i + 1).min(GRID) as f64 / GRID as f64,
        );
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let (mut x1, mut x2) = (hi - g * (hi - lo), lo + g * (hi - lo));
        let (mut f1, mut f2) = (width(x1), width(x2));
        while hi - lo > U_TOL {
            if f1 <= f2 {
                hi = x2;
                (x2, f2) = (x1, f1);
                x1 = hi - g * (hi - lo);
                f1 = width(x1);
            } else {
                lo = x1;
                (x1, f1) = (x2, f2);
                x2 = lo + g * (hi - lo);
                f2 = width(x2);
            }
        }
        // The narrowest of the grid point and the refined point.
        let u = if f1.min(f2) <= grid[i] {
            if f1 <= f2 { x1 } else { x2 }
        } else {
            span * i as f64 / GRID as f64
        };
        let (low, high) = ends(EDGE + u);
        Ok(Interval { low, high })
    }
}

/// The HDI of an unrestricted mixture by Newton's method on its two
/// conditions, equal densities at the ends and `prob` between them,
/// `(F(b) − F(a) − prob, ln f(a) − ln f(b)) = 0`, from the normal
/// approximation `mean ∓ z sd`: a few O(components) steps where the
/// search over `u` needs about 120 quantiles by bisection (1.8 s instead of
/// 20 ms at 10^5 days). None when it does not converge to an interval of
/// the support within 50 steps (the search then decides).
fn newton_hdi(mix: &[crate::exact::Component], prob: f64, mean: f64, sd: f64) -> Option<Interval> {
    use statrs::distribution::{ContinuousCDF, Normal};
    let z = Normal::new(0.0, 1.0).ok()?.inverse_cdf(0.5 + prob / 2.0);
    let (mut a, mut b) = (mean - z * sd, mean + z * sd);
    let cdf = |x: f64| mix.iter().map(|c| c.weighted_cdf(x)).sum::<f64>();
    // The mixture's density and its derivative at x, in one pass.
    let pdf_slope = |x: f64| {
        mix.iter().fold((0.0, 0.0), |(f, d), c| {
            let (cf, cd) = c.pdf_and_slope(x);
            (f + c.weight * cf, d + c.weight * cd)
        })
    };
    for _ in 0..50 {
        if !(a > 0.0 && b > a && b.is_finite()) {
            return None;
        }
        let ((fa, sa), (fb, sb)) = (pdf_slope(a), pdf_slope(b));
        if !(fa > 0.0 && fb > 0.0) {
            return None;
        }
        let r1 = cdf(b) - cdf(a) - prob;
        let r2 = fa.ln() - fb.ln();
        // Jacobian rows: ∂r1 = (−f(a), f(b)), ∂r2 = (f'(a)/f(a), −f'(b)/f(b)).
        let (j11, j12, j21, j22) = (-fa, fb, sa / fa, -sb / fb);
        let det = j11 * j22 - j12 * j21;
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        let da = (-r1 * j22 + r2 * j12) / det;
        let db = (-r2 * j11 + r1 * j21) / det;
        a += da;
        b += db;
        if da.abs() + db.abs() <= 1e-13 * b.abs() {
            return (a > 0.0 && b > a).then_some(Interval { low: a, high: b });
        }
    }
    None
}

/// Cells of the grid of [`grid_hdi`].
const CELLS: usize = 16_384;

/// The HDI of a restricted mixture on a grid: the (restricted) quantiles
/// are quadratures, too slow for the search above, so the density is
/// tabulated at `CELLS + 1` points over the mixture's range, the cell
/// masses summed by the trapezoid rule, and the narrowest run of cells
/// holding `prob` taken (ends within one cell, 24 sd / 16,384 ≈ 0.0015 sd
/// of the widest component).
fn grid_hdi(mix: &[crate::exact::Component], prob: f64) -> Interval {
    let (lo, hi) = mix.iter().fold((f64::INFINITY, 0.0f64), |(a, b), c| {
        let (l, h) = c.range();
        (a.min(l), b.max(h))
    });
    let h = (hi - lo) / CELLS as f64;
    let f: Vec<f64> = (0..=CELLS)
        .map(|i| {
            let x = lo + h * i as f64;
            mix.iter().map(|c| c.weight * c.pdf(x)).sum()
        })
        .collect();
    let cell: Vec<f64> = f.windows(2).map(|w| 0.5 * h * (w[0] + w[1])).collect();
    let total: f64 = cell.iter().sum();
    let (a, b) = narrowest_run(&cell, prob * total);
    Interval {
        low: lo + h * a as f64,
        high: lo + h * (b + 1) as f64,
    }
}

/// The narrowest run `lo..=hi` of `mass` summing to at least `need` (the
/// first if several are as narrow; the whole slice if none).
fn narrowest_run(mass: &[f64], need: f64) -> (usize, usize) {
    let (mut best, mut lo, mut sum) = ((0, mass.len() - 1), 0, 0.0);
    for (hi, &w) in mass.iter().enumerate() {
        sum += w;
        while lo < hi && sum - mass[lo] >= need {
            sum -= mass[lo];
            lo += 1;
        }
        if sum >= need && hi - lo < best.1 - best.0 {
            best = (lo, hi);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use crate::{Direction, Switchpoint};
    use statrs::distribution::{Continuous, ContinuousCDF, Gamma};

    /// Without a change in view (one τ dominates), λ1's posterior is one
    /// Gamma: its HDI has equal densities at both ends and holds prob.
    #[test]
    fn hdi_of_a_gamma_has_equal_densities_at_its_ends() {
        let counts: Vec<u32> = (0..40).map(|t| if t < 20 { 2 } else { 40 }).collect();
        let post = Switchpoint::params().fit(&counts).unwrap();
        assert!(post.map_probability() > 0.999_999);
        let (a1, b1, _, _) = post.shapes_rates(20);
        let g = Gamma::new(a1 as f64, b1).unwrap();
        let h = post.lambda_1_hdi(0.94).unwrap();
        assert!((g.cdf(h.high) - g.cdf(h.low) - 0.94).abs() < 1e-6, "{h:?}");
        let (fl, fh) = (g.pdf(h.low), g.pdf(h.high));
        assert!((fl - fh).abs() < 1e-4 * fl, "{fl} vs {fh}");
        let eti = post.lambda_1_interval(0.94).unwrap();
        assert!(h.high - h.low < eti.high - eti.low);
        assert!(
            h.low < eti.low,
            "a right-skewed Gamma's HDI is left of its ETI"
        );
    }

    /// The exact sd of λ1: unrestricted against SciPy (`quad` of
    /// `2x (1 − F(x))` over the Gamma mixture: 1.7837286095, computed
    /// once), restricted against the sd and HDI of 40,000 exact draws
    /// (rejection sampling, independent of the second-moment formula and
    /// of the grid).
    #[test]
    fn sd_matches_scipy_and_draws() {
        let counts = [3, 4, 2, 5, 3, 4, 6, 5, 7, 6, 5, 7];
        let any = Switchpoint::params().fit(&counts).unwrap().summary();
        assert!(
            (any.lambda_1.sd - 1.783_728_609_5).abs() < 1e-9,
            "{}",
            any.lambda_1.sd
        );
        for d in [Direction::Up, Direction::Down] {
            let post = Switchpoint::params().direction(d).fit(&counts).unwrap();
            let s = post.summary();
            let draws = post.draws(4, 10_000, 3).unwrap();
            for (name, got) in [("lambda_1", s.lambda_1.sd), ("lambda_2", s.lambda_2.sd)] {
                let v = crate::draws::variable(&draws, name).unwrap();
                let (_, sd) = crate::diagnostics::mean_sd(&v);
                assert!(
                    (sd - got).abs() < 0.03 * sd,
                    "{d:?} {name}: draws {sd} vs {got}"
                );
                // The grid HDI holds 94% of the draws and is as narrow as
                // the draws' (ArviZ's rule; its position is loosely
                // determined where the width is flat).
                let flat = v.concat();
                let want = crate::diagnostics::hdi(&flat, 0.94);
                let got = if name == "lambda_1" {
                    s.lambda_1
                } else {
                    s.lambda_2
                }
                .hdi_94;
                let inside = flat
                    .iter()
                    .filter(|&&x| got.low <= x && x <= got.high)
                    .count();
                let share = inside as f64 / flat.len() as f64;
                assert!(
                    (share - 0.94).abs() < 0.005,
                    "{d:?} {name}: {share} inside {got:?}"
                );
                let (wg, ww) = (got.high - got.low, want.high - want.low);
                assert!(
                    (wg - ww).abs() < 0.01 * ww,
                    "{d:?} {name}: width {wg} vs draws {ww}"
                );
            }
        }
    }

    /// Newton's interval is the search's: as narrow to 1e-9 of the width,
    /// at the same place to 1e-5 of it (the search places it less
    /// precisely: the width is flat at its minimum), on series with a
    /// clear change, a vague one, and none.
    #[test]
    fn newton_hdi_matches_the_search() {
        let series: [&[u32]; 3] = [
            &[3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14],
            &[3, 4, 2, 5, 3, 4, 6, 5, 7, 6, 5, 7],
            &[0, 1, 0, 0, 2, 0, 1, 0, 0, 1],
        ];
        for y in series {
            let post = Switchpoint::params().fit(y).unwrap();
            for which in [1, 2] {
                let fast = post.hdi_with(which, 0.94, true, None).unwrap();
                let slow = post.hdi_with(which, 0.94, false, None).unwrap();
                let w = slow.high - slow.low;
                let wf = fast.high - fast.low;
                assert!(
                    (wf - w).abs() < 1e-9 * w && (fast.low - slow.low).abs() < 1e-5 * w,
                    "{y:?} λ{which}: {fast:?} vs {slow:?}"
                );
            }
        }
    }

    /// Newton's steps converge where statrs' Gamma density overflows (a
    /// 100-day series of ~10 a day, the benchmark's shape: components of
    /// shape 140–160 at rates 14–16), and give the search's interval.
    #[test]
    fn newton_hdi_converges_where_statrs_pdf_overflows() {
        let y: Vec<u32> = (0..100u32)
            .map(|t| {
                if t < 60 {
                    8 + (t * 7) % 5
                } else {
                    11 + (t * 3) % 5
                }
            })
            .collect();
        let post = Switchpoint::params().fit(&y).unwrap();
        for which in [1, 2] {
            let mix = post.mixture(which);
            let (g, x) = (Gamma::new(146.0, 14.0).unwrap(), 10.0);
            assert!(!g.pdf(x).is_finite(), "statrs was fixed: drop gamma_pdf");
            assert!((crate::exact::gamma_pdf(&g, x) - g.ln_pdf(x).exp()).abs() < 1e-15);
            let mean = if which == 1 {
                post.lambda_1_mean()
            } else {
                post.lambda_2_mean()
            };
            let fast = super::newton_hdi(&mix, 0.94, mean, post.rate_sd(which, mean))
                .expect("Newton converges");
            let slow = post.hdi_with(which, 0.94, false, None).unwrap();
            let w = slow.high - slow.low;
            assert!(
                ((fast.high - fast.low) - w).abs() < 1e-9 * w
                    && (fast.low - slow.low).abs() < 1e-5 * w,
                "λ{which}: {fast:?} vs {slow:?}"
            );
        }
    }

    #[test]
    fn tau_hdi_is_the_narrowest_run() {
        let post = Switchpoint::params()
            .fit(&[3, 4, 2, 5, 3, 4, 8, 7, 9, 12, 10, 14])
            .unwrap();
        let h = post.tau_hdi(0.94);
        let p = post.tau_posterior();
        let (a, b) = (h.low as usize, h.high as usize);
        assert!(p[a..=b].iter().sum::<f64>() >= 0.94 - 1e-12);
        for lo in 0..p.len() {
            for hi in lo..p.len() {
                if hi - lo < b - a {
                    assert!(
                        p[lo..=hi].iter().sum::<f64>() < 0.94,
                        "{lo}..={hi} narrower"
                    );
                }
            }
        }
    }
}
