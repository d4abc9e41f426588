//! A seeded generator of multi-week CloudTrail logs with human and
//! automated principals, and the ground truth of which (principal, API)
//! pairs are automated.
//!
//! No real multi-week CloudTrail log of one account could be bundled (the
//! public flaws.cloud logs were not reachable when this was written, and
//! the Stratus Red Team detonations last minutes), so the automation
//! detector is tested
//! on logs generated here: CloudTrail's own JSON (one `{"Records": [...]}`
//! file per day, optionally gzip) and the workshop notebook's CSV, with a
//! known answer.
//!
//! See [`CloudTrailGenerator`] for the model.
//!
//! # The files, one idea each
//!
//! * `params`: the [`CloudTrailGenerator`] builder, defaults, validation;
//! * `catalogue`: what the account contains (job templates, the APIs
//!   people call, names, user agents) — data, not logic;
//! * `calendar`: US federal holidays and the holidays of a period;
//! * `simulate`: [`generate`](CloudTrailGenerator::generate) and the
//!   state its steps share, which fixes the order of the random draws;
//!   `people` and `jobs`: the two halves of the simulation, in named
//!   steps (a person's habits, day, session; a job's role, day, run);
//! * `ids`: record ids (hashed, independent of writing order) and key
//!   strings (drawn);
//! * `log`: the simulated [`GeneratedLog`] in memory, the contract between
//!   the simulation and the writers;
//! * `write`: CloudTrail JSON, the notebook's CSV, the output directory;
//! * `truth`: the [`CloudTrailTruth`] and its versioned file.
//!
//! The split is a pure move: the same parameters give the same files, byte
//! for byte, as before it.

mod calendar;
mod catalogue;
mod ids;
mod jobs;
mod log;
mod params;
mod people;
mod simulate;
mod truth;
mod write;

pub use catalogue::Schedule;
pub use log::GeneratedLog;
pub use params::{CheckedCloudTrailGenerator, CloudTrailGenerator};
pub use truth::{AutomatedPair, CloudTrailTruth, HumanPrincipal, TRUTH_FORMAT, TRUTH_VERSION};

/// Seconds in a day.
const DAY_S: i64 = 86_400;
