//! A seeded generator of CERT-format `logon.csv` files with planted insiders.
//!
//! The CERT Insider Threat data may not be redistributed, so tests,
//! examples and benchmarks use files generated here instead: same format,
//! realistic shape (per-user base rates, quiet weekends, a little background
//! after-hours work), and known ground truth. A planted user behaves like
//! CERT insider scenario 1: from a change date on, the user *also* logs on
//! after hours, a few extra times every day.
//!
//! # The files, one idea each
//!
//! * `params`: the [`LogonGenerator`] builder (whose doc is the model),
//!   defaults, validation;
//! * `plant`: what is planted ([`PlantKind`], [`OrgEvent`], shift workers);
//! * `population`: the users, their rates and roles;
//! * `simulate`: [`generate`](LogonGenerator::generate), the day-by-day
//!   loop that fixes the order of the draws, in named steps;
//! * `rows`: CERT's row layout and ids;
//! * `truth`: the [`GroundTruth`] and its versioned file.
//!
//! The split is a pure move: the same parameters give the same files, byte
//! for byte, as before it.

mod params;
mod plant;
mod population;
mod rows;
mod simulate;
mod truth;

pub use params::{CheckedLogonGenerator, LogonGenerator};
pub use plant::{OrgEvent, PlantKind, SHIFT_AFTER_HOURS_PROB};
pub use truth::{GroundTruth, Leaver, PlantedUser, TRUTH_FORMAT, TRUTH_VERSION};
