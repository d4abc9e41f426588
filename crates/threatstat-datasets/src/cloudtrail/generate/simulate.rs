//! The simulation: [`CloudTrailGenerator::generate`] and the state its steps
//! share.
//!
//! # Why a file of its own
//!
//! A log is simulated in three steps, in this order: the people
//! (`people`), the automated jobs (`jobs`), then the cut to the period and
//! the truth ([`Simulation::finish`]). All draws come from one seeded
//! generator in a fixed order, so the same parameters give the same log
//! byte for byte; the steps are methods on one [`Simulation`] so that this
//! order is visible here and nowhere else.

use super::DAY_S;
use super::log::{Actor, Call, GeneratedLog};
use super::params::{CheckedCloudTrailGenerator, CloudTrailGenerator};
use super::truth::{AutomatedPair, CloudTrailTruth, HumanPrincipal, TRUTH_FORMAT, TRUTH_VERSION};
use crate::DatasetError;
use crate::cert::format_day;
use std::collections::BTreeSet;
use threatstat_core::ParamGuard;
use threatstat_core::rng::SeededRng;

/// What the steps of a simulation share: the parameters, the one seeded
/// generator, the period, and what has been simulated so far.
pub(super) struct Simulation<'a> {
    /// The (validated) parameters.
    pub(super) g: &'a CloudTrailGenerator,
    /// Every random draw of the log comes from here, in a fixed order.
    pub(super) rng: SeededRng,
    /// First day (days since 1970-01-01).
    pub(super) start: i64,
    /// The day after the last.
    pub(super) end: i64,
    /// The holidays in the period.
    pub(super) holidays: BTreeSet<i64>,
    /// People first, then jobs; a [`Call`]'s `actor` indexes this.
    pub(super) actors: Vec<Actor>,
    /// `(eventSource, eventName)` in order of first use; a [`Call`]'s `api`
    /// indexes this (ties in time sort by it).
    pub(super) apis: Vec<(&'static str, &'static str)>,
    /// Every call so far, in simulation order.
    pub(super) calls: Vec<Call>,
}

impl CloudTrailGenerator {
    /// Simulates the log.
    ///
    /// ```
    /// # use threatstat_datasets::cloudtrail::CloudTrailGenerator;
    /// let g = CloudTrailGenerator::new().days(7).humans(2).automated(2).seed(3);
    /// let (a, b) = (g.generate().unwrap(), g.generate().unwrap());
    /// assert_eq!(a.truth(), b.truth());
    /// assert_eq!(a.json_day(a.first_day()), b.json_day(b.first_day()));
    /// ```
    pub fn generate(&self) -> Result<GeneratedLog, DatasetError> {
        self.check()?.generate()
    }
}

impl CheckedCloudTrailGenerator {
    /// [`CloudTrailGenerator::generate`] of checked parameters.
    ///
    /// ```
    /// use threatstat_core::ParamGuard;
    /// use threatstat_datasets::cloudtrail::CloudTrailGenerator;
    /// let g = CloudTrailGenerator::new().days(7).humans(2).automated(2).check().unwrap();
    /// assert_eq!(g.generate().unwrap().truth().params, *g.params());
    /// ```
    pub fn generate(&self) -> Result<GeneratedLog, DatasetError> {
        let mut sim = Simulation::new(self.params());
        let humans = sim.people()?;
        let automated = sim.jobs();
        Ok(sim.finish(humans, automated))
    }
}

impl<'a> Simulation<'a> {
    fn new(g: &'a CloudTrailGenerator) -> Self {
        Simulation {
            g,
            rng: threatstat_core::rng::seeded(g.seed),
            start: g.start_day,
            end: g.start_day + i64::from(g.days),
            holidays: g.holiday_days(),
            actors: Vec::new(),
            apis: Vec::new(),
            calls: Vec::new(),
        }
    }

    /// The index of an API in [`Simulation::apis`], added if new.
    pub(super) fn api_id(&mut self, a: (&'static str, &'static str)) -> u32 {
        match self.apis.iter().position(|&b| b == a) {
            Some(i) => i as u32,
            None => {
                self.apis.push(a);
                (self.apis.len() - 1) as u32
            }
        }
    }

    /// Records a call.
    pub(super) fn push(&mut self, second: i64, actor: u32, api: u32, session: i64) {
        self.calls.push(Call {
            second,
            actor,
            api,
            session,
        });
    }

    /// Keeps the calls inside the period (a person's evening in UTC-8 can
    /// spill into the next UTC day; the last day's spill is dropped), sorts
    /// them, recounts the truth's events after the cut and builds the log.
    fn finish(
        mut self,
        mut humans: Vec<HumanPrincipal>,
        mut automated: Vec<AutomatedPair>,
    ) -> GeneratedLog {
        let (start, end) = (self.start, self.end);
        self.calls
            .retain(|c| (start * DAY_S..end * DAY_S).contains(&c.second));
        self.calls.sort();
        self.recount(&mut humans, &mut automated);
        automated.sort_by(|a, b| (&a.principal, &a.api).cmp(&(&b.principal, &b.api)));
        let truth = CloudTrailTruth {
            format: TRUTH_FORMAT.into(),
            version: TRUTH_VERSION,
            params: self.g.clone(),
            first_date: format_day(start),
            last_date: format_day(end - 1),
            holidays: self.holidays.iter().map(|&d| format_day(d)).collect(),
            records: self.calls.len() as u64,
            automated,
            humans,
        };
        GeneratedLog {
            params: self.g.clone(),
            actors: self.actors,
            apis: self.apis,
            calls: self.calls,
            truth,
        }
    }

    /// Sets the truth's event counts to the calls kept.
    fn recount(&self, humans: &mut [HumanPrincipal], automated: &mut [AutomatedPair]) {
        for h in humans.iter_mut() {
            h.events = 0;
        }
        for a in automated.iter_mut() {
            a.events = 0;
        }
        for c in &self.calls {
            let actor = &self.actors[c.actor as usize];
            let (_, api) = self.apis[c.api as usize];
            if let Some(h) = humans.iter_mut().find(|h| h.arn == actor.arn) {
                h.events += 1;
            } else if let Some(a) = automated
                .iter_mut()
                .find(|a| a.arn == actor.arn && a.api == api)
            {
                a.events += 1;
            }
        }
    }
}
