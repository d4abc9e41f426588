//! Scoring: session likelihoods, geometric means, sliding-window
//! likelihoods and the rarest window, in probability and log space.

use crate::MarkovError;
use crate::model::{MarkovModel, Scratch, Translation};
use crate::session::SessionSet;
use rayon::prelude::*;
use serde::Serialize;
use threatstat_core::Error;

/// Options of the sliding-window score (msticpy `compute_rarest_windows`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowOptions {
    /// Window length W (at least 1).
    pub window: usize,
    /// Prepend the start token to the first window and append the end token
    /// to the session (msticpy's `use_start_end_tokens`, default true).
    pub start_end_tokens: bool,
    /// Report each window's likelihood to the power 1/W (default false).
    pub geo_mean: bool,
    /// Keep every window's likelihood in [`RarestWindow::window_likelihoods`]
    /// (default false: only the minimum is kept, which is faster).
    pub keep_window_likelihoods: bool,
}

impl WindowOptions {
    /// Window length `window` with msticpy's defaults (tokens on, no geo-mean).
    pub fn new(window: usize) -> Self {
        WindowOptions {
            window,
            start_end_tokens: true,
            geo_mean: false,
            keep_window_likelihoods: false,
        }
    }
    /// Sets [`WindowOptions::start_end_tokens`].
    pub fn start_end_tokens(mut self, yes: bool) -> Self {
        self.start_end_tokens = yes;
        self
    }
    /// Sets [`WindowOptions::geo_mean`].
    pub fn geo_mean(mut self, yes: bool) -> Self {
        self.geo_mean = yes;
        self
    }
    /// Sets [`WindowOptions::keep_window_likelihoods`].
    pub fn keep_window_likelihoods(mut self, yes: bool) -> Self {
        self.keep_window_likelihoods = yes;
        self
    }
    fn check(&self) -> Result<(), MarkovError> {
        if self.window == 0 {
            return Err(Error::param("window", self.window, "at least 1").into());
        }
        Ok(())
    }
}

/// The rarest window of one session. Equality treats NaN likelihoods as
/// equal (both sessions have no full window).
#[derive(Debug, Clone, Serialize)]
pub struct RarestWindow {
    /// Likelihood of the rarest window (NaN when the session has no full
    /// window); a log-likelihood from the `_log` methods.
    pub likelihood: f64,
    /// Index of the first window with the minimal likelihood.
    pub start: Option<usize>,
    /// Number of session events in the returned window: W, or W−1 when the
    /// window holds the appended end token (msticpy returns it without it).
    pub len: usize,
    /// Every window's likelihood, when asked for.
    pub window_likelihoods: Vec<f64>,
}

impl PartialEq for RarestWindow {
    fn eq(&self, o: &Self) -> bool {
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        same(self.likelihood, o.likelihood)
            && self.start == o.start
            && self.len == o.len
            && self.window_likelihoods.len() == o.window_likelihoods.len()
            && self
                .window_likelihoods
                .iter()
                .zip(&o.window_likelihoods)
                .all(|(a, b)| same(*a, *b))
    }
}

impl RarestWindow {
    /// The commands of the rarest window of session `i` of `set` (the same
    /// session that was scored).
    pub fn commands<'a>(&self, set: &'a SessionSet, i: usize) -> Vec<&'a str> {
        match self.start {
            Some(s) => set.session_cmds(i)[s..s + self.len]
                .iter()
                .map(|&c| set.cmd_name(c))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// One step of an explained window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Position of the step's target event in the session (the session
    /// length for the end token).
    pub position: usize,
    /// The previous command (`##START##` for the first step with tokens;
    /// `None` when the window starts mid-session and the prior is used).
    pub from: Option<String>,
    /// The command (`##END##` for the end token).
    pub to: String,
    /// P(to | from), or the prior P(to) when `from` is `None`.
    pub transition: f64,
    /// The event's parameter factor (1 for commands-only models).
    pub param_factor: f64,
}

/// Why a session scored as it did: its rarest window, step by step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The rarest window.
    pub rarest: RarestWindow,
    /// The factors of the rarest window in multiplication order.
    pub steps: Vec<Step>,
    /// Index into `steps` of the least likely step (smallest transition ×
    /// parameter factor).
    pub least_likely_step: Option<usize>,
}

/// Per-session factors: model command ids (END appended), parameter
/// factors, and `tp[j]` = P(cmds[j] | cmds[j-1]) looked up once per session
/// (`tp[0]` is unused) since overlapping windows share transitions.
#[derive(Default)]
struct Factors {
    cmds: Vec<u32>,
    pf: Vec<f64>,
    tp: Vec<f64>,
}

impl MarkovModel {
    fn factors(
        &self,
        tr: &Translation,
        set: &SessionSet,
        i: usize,
        end: bool,
        sc: &mut Scratch,
        f: &mut Factors,
    ) {
        f.cmds.clear();
        f.pf.clear();
        f.tp.clear();
        let (lo, hi) = (set.session_offsets[i], set.session_offsets[i + 1]);
        f.cmds
            .extend(set.event_cmd[lo..hi].iter().map(|&c| tr.cmd[c as usize]));
        if self.session_type() == crate::SessionType::Cmds {
            f.pf.resize(hi - lo, 1.0);
        } else {
            for (e, &c) in (lo..hi).zip(&f.cmds) {
                f.pf.push(self.param_factor(tr, set, e, c, sc));
            }
        }
        if end {
            f.cmds.push(self.tables.end());
            f.pf.push(1.0);
        }
        let t = &self.tables;
        f.tp.push(0.0);
        f.tp.extend(f.cmds.windows(2).map(|w| t.trans(w[0], w[1])));
    }

    /// msticpy `compute_likelihood_window` over `f[lo..hi]`, same product order.
    #[inline]
    fn window_lik(&self, f: &Factors, lo: usize, hi: usize, start: bool, end: bool) -> f64 {
        let t = &self.tables;
        let c0 = f.cmds[lo];
        let first = if start {
            t.trans(t.start(), c0)
        } else {
            t.prior[c0 as usize]
        };
        let mut prob = first * f.pf[lo];
        for j in lo + 1..hi {
            prob *= f.tp[j];
            prob *= f.pf[j];
        }
        if end {
            prob *= t.trans(f.cmds[hi - 1], t.end());
        }
        prob
    }

    /// The same window as a sum of log factors (no underflow).
    #[inline]
    fn window_log_lik(&self, f: &Factors, lo: usize, hi: usize, start: bool, end: bool) -> f64 {
        let t = &self.tables;
        let c0 = f.cmds[lo];
        let first = if start {
            t.trans(t.start(), c0)
        } else {
            t.prior[c0 as usize]
        };
        let mut ll = first.ln() + f.pf[lo].ln();
        for j in lo + 1..hi {
            ll += f.tp[j].ln() + f.pf[j].ln();
        }
        if end {
            ll += t.trans(f.cmds[hi - 1], t.end()).ln();
        }
        ll
    }

    fn map_sessions<T: Send>(
        &self,
        set: &SessionSet,
        end: bool,
        per: impl Fn(&Factors, usize) -> T + Sync,
    ) -> Vec<T> {
        let tr = self.translate(set);
        let run = |st: &mut (Scratch, Factors), i: usize| {
            self.factors(&tr, set, i, end, &mut st.0, &mut st.1);
            per(&st.1, set.session_len(i))
        };
        let init = || (Scratch::default(), Factors::default());
        if set.len() < 4096 {
            let mut st = init();
            (0..set.len()).map(|i| run(&mut st, i)).collect()
        } else {
            (0..set.len())
                .into_par_iter()
                .with_min_len(1024)
                .map_init(init, run)
                .collect()
        }
    }

    /// Likelihood of each whole session (msticpy
    /// `compute_likelihoods_of_sessions`): with tokens, start and end
    /// transitions are included; without, the first command uses its prior.
    /// Output is in input order (computed in parallel).
    pub fn session_likelihoods(
        &self,
        set: &SessionSet,
        start_end_tokens: bool,
    ) -> Result<Vec<f64>, MarkovError> {
        Ok(self.map_sessions(set, false, |f, l| {
            self.window_lik(f, 0, l, start_end_tokens, start_end_tokens)
        }))
    }

    /// Session log-likelihoods: the logarithm of
    /// [`MarkovModel::session_likelihoods`], computed as a sum so that long
    /// sessions do not underflow to zero.
    pub fn session_log_likelihoods(
        &self,
        set: &SessionSet,
        start_end_tokens: bool,
    ) -> Result<Vec<f64>, MarkovError> {
        Ok(self.map_sessions(set, false, |f, l| {
            self.window_log_lik(f, 0, l, start_end_tokens, start_end_tokens)
        }))
    }

    /// msticpy `compute_geomean_lik_of_sessions`: likelihood^(1/number of
    /// commands) (msticpy's exponent, although tokens add a factor).
    pub fn geomean_likelihoods(
        &self,
        set: &SessionSet,
        start_end_tokens: bool,
    ) -> Result<Vec<f64>, MarkovError> {
        let lik = self.session_likelihoods(set, start_end_tokens)?;
        Ok(lik
            .into_iter()
            .enumerate()
            .map(|(i, x)| x.powf(1.0 / set.session_len(i) as f64))
            .collect())
    }

    fn rarest(
        &self,
        set: &SessionSet,
        o: &WindowOptions,
        log: bool,
    ) -> Result<Vec<RarestWindow>, MarkovError> {
        o.check()?;
        let w = o.window;
        let tokens = o.start_end_tokens;
        Ok(self.map_sessions(set, tokens, |f, l| {
            let total = f.cmds.len();
            let mut best = f64::NAN;
            let mut best_i = None;
            let mut all = Vec::new();
            if total >= w {
                if o.keep_window_likelihoods {
                    all.reserve(total + 1 - w);
                }
                for i in 0..=total - w {
                    let start = tokens && i == 0;
                    let mut x = if log {
                        self.window_log_lik(f, i, i + w, start, false)
                    } else {
                        self.window_lik(f, i, i + w, start, false)
                    };
                    if o.geo_mean {
                        x = if log {
                            x / w as f64
                        } else {
                            x.powf(1.0 / w as f64)
                        };
                    }
                    if o.keep_window_likelihoods {
                        all.push(x);
                    }
                    // First minimum wins (Python's list.index(min(...))).
                    if best_i.is_none() || x < best {
                        best = x;
                        best_i = Some(i);
                    }
                }
            }
            RarestWindow {
                likelihood: best,
                start: best_i,
                len: best_i.map_or(0, |s| (s + w).min(l) - s),
                window_likelihoods: all,
            }
        }))
    }

    /// The rarest window of every session (msticpy `compute_rarest_windows`):
    /// the minimum over sliding windows of length W of the window likelihood,
    /// the first window to reach it, and optionally all window likelihoods.
    /// Sessions without a full window get NaN (with tokens: fewer than W−1
    /// commands; without: fewer than W).
    pub fn rarest_windows(
        &self,
        set: &SessionSet,
        o: &WindowOptions,
    ) -> Result<Vec<RarestWindow>, MarkovError> {
        self.rarest(set, o, false)
    }

    /// [`MarkovModel::rarest_windows`] with log-likelihoods (sums of log
    /// factors; the geo-mean option divides by W). Windows whose likelihoods
    /// tie to the last bit in probability space may be ordered differently.
    pub fn rarest_windows_log(
        &self,
        set: &SessionSet,
        o: &WindowOptions,
    ) -> Result<Vec<RarestWindow>, MarkovError> {
        self.rarest(set, o, true)
    }

    /// Explains the rarest window of session `i` of `set`: each factor of
    /// its likelihood and the least likely step.
    ///
    /// ```
    /// use threatstat_markov::prelude::*;
    /// let s = SessionSet::from_cmds(&[vec!["A", "B", "A"], vec!["A"]]).unwrap();
    /// let m = MarkovModel::params().fit(&s).unwrap();
    /// let e = m.explain(&s, 0, &WindowOptions::new(2)).unwrap();
    /// assert_eq!(e.rarest.start, Some(1)); // ["B", "A"], msticpy spec §13
    /// let product: f64 = e.steps.iter().map(|s| s.transition * s.param_factor).product();
    /// assert!((product - e.rarest.likelihood).abs() < 1e-15);
    /// ```
    pub fn explain(
        &self,
        set: &SessionSet,
        i: usize,
        o: &WindowOptions,
    ) -> Result<Explanation, MarkovError> {
        o.check()?;
        if i >= set.len() {
            return Err(Error::param(
                "session",
                i,
                format!(
                    "a session index below {} (the number of sessions)",
                    set.len()
                ),
            )
            .into());
        }
        let one = set.slice(i..i + 1);
        let rarest = self
            .rarest_windows(&one, &o.keep_window_likelihoods(true))?
            .pop()
            .expect("one session");
        let mut steps = Vec::new();
        if let Some(s) = rarest.start {
            let tr = self.translate(&one);
            let mut f = Factors::default();
            self.factors(
                &tr,
                &one,
                0,
                o.start_end_tokens,
                &mut Scratch::default(),
                &mut f,
            );
            let t = &self.tables;
            let l = one.session_len(0);
            let name = |j: usize| {
                if j < l {
                    one.cmd_name(one.session_cmds(0)[j]).to_string()
                } else {
                    crate::END_TOKEN.to_string()
                }
            };
            for j in s..s + o.window {
                let (from, p) = if j == s {
                    if o.start_end_tokens && s == 0 {
                        (
                            Some(crate::START_TOKEN.to_string()),
                            t.trans(t.start(), f.cmds[j]),
                        )
                    } else {
                        (None, t.prior[f.cmds[j] as usize])
                    }
                } else {
                    (Some(name(j - 1)), t.trans(f.cmds[j - 1], f.cmds[j]))
                };
                steps.push(Step {
                    position: j,
                    from,
                    to: name(j),
                    transition: p,
                    param_factor: f.pf[j],
                });
            }
        }
        let least_likely_step = steps
            .iter()
            .enumerate()
            .min_by(|a, b| {
                (a.1.transition * a.1.param_factor).total_cmp(&(b.1.transition * b.1.param_factor))
            })
            .map(|(k, _)| k);
        Ok(Explanation {
            rarest,
            steps,
            least_likely_step,
        })
    }
}
