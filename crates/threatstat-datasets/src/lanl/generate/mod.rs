//! A seeded generator of LANL-format `auth.txt`, `flows.txt` and
//! `redteam.txt` with the real red-team users planted as the compromised
//! population.
//!
//! The real `auth.txt` and `flows.txt` are not available here, so the
//! upload-bytes analysis runs on files generated in LANL's exact formats,
//! whose compromised users are the **real** red-team users of the bundled
//! `redteam.txt` and whose effect (how much more they upload after their
//! first red-team event) is a parameter: the power of a test and the
//! precision/recall of a detector can be measured against a known truth.
//!
//! # The files, one idea each
//!
//! * `params`: the [`LanlGenerator`] builder (whose doc is the model),
//!   defaults, validation;
//! * `world`: computers and users, red-team homes, the truth at the end;
//! * `events`: the authentication events and flows, as LANL lines;
//! * `simulate`: [`generate`](LanlGenerator::generate), the hour-by-hour
//!   loop that fixes the order of the draws;
//! * `lines`: line formatting and the per-hour buffers;
//! * `files`: [`LanlFiles`] and writing a directory (atomic, gzip);
//! * `truth`: the [`LanlTruth`] and its versioned file.
//!
//! The split is a pure move: the same parameters give the same files, byte
//! for byte, as before it.

mod events;
mod files;
mod lines;
mod params;
mod simulate;
mod truth;
mod world;

pub use files::LanlFiles;
pub use params::{CheckedLanlGenerator, LanlGenerator};
pub use truth::{CompromisedUser, LANL_TRUTH_FORMAT, LANL_TRUTH_VERSION, LanlTruth, UserTruth};

const DAY: u64 = 86_400;
const OK: &[u8] = b"Success";
const KERB: &[u8] = b"Kerberos";
const NEGO: &[u8] = b"Negotiate";
const NET: &[u8] = b"Network";
const INTER: &[u8] = b"Interactive";
const ON: &[u8] = b"LogOn";
const OFF: &[u8] = b"LogOff";
const Q: &[u8] = b"?";
const HOUR: u64 = 3_600;
/// Destination ports of user flows to servers and their weights.
const PORTS: [(u16, f64); 8] = [
    (443, 0.50),
    (445, 0.20),
    (80, 0.15),
    (389, 0.05),
    (88, 0.04),
    (53, 0.03),
    (135, 0.02),
    (139, 0.01),
];
