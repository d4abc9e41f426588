//! A simulated log in memory ([`GeneratedLog`]): who called, which APIs,
//! every call in time order, and the truth; the counts a loader should
//! find in it, for checks.
//!
//! # Why a file of its own
//!
//! The simulation (`simulate`, `people`, `jobs`) builds this and the
//! writers (`write`) read it; this file is the contract between them.

use super::params::CloudTrailGenerator;
use super::truth::CloudTrailTruth;
use crate::cloudtrail::load::Bucket;
use crate::cloudtrail::record::PrincipalKey;
use threatstat_core::time::NS_PER_S;

/// Who makes calls: the parts of `userIdentity` and the request context.
#[derive(Debug, Clone)]
pub(super) struct Actor {
    pub(super) identity_type: &'static str,
    pub(super) arn: String,
    pub(super) principal_id: String,
    pub(super) user_name: Option<String>,
    /// Role of an assumed-role session: (ARN, principal id, name).
    pub(super) issuer: Option<(String, String, String)>,
    pub(super) access_key: String,
    pub(super) user_agent: &'static str,
    pub(super) ip: String,
}

/// One simulated call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Call {
    /// Seconds since the Unix epoch.
    pub(super) second: i64,
    pub(super) actor: u32,
    pub(super) api: u32,
    /// Start of the credentials' session (for `sessionContext`), seconds.
    pub(super) session: i64,
}

/// A simulated log: write it as JSON files and CSV, read its truth.
#[derive(Debug, Clone)]
pub struct GeneratedLog {
    pub(super) params: CloudTrailGenerator,
    pub(super) actors: Vec<Actor>,
    pub(super) apis: Vec<(&'static str, &'static str)>,
    /// Sorted by time.
    pub(super) calls: Vec<Call>,
    pub(super) truth: CloudTrailTruth,
}

impl GeneratedLog {
    /// The ground truth.
    pub fn truth(&self) -> &CloudTrailTruth {
        &self.truth
    }

    /// The first day (days since 1970-01-01).
    pub fn first_day(&self) -> i64 {
        self.params.start_day
    }

    /// The last day.
    pub fn last_day(&self) -> i64 {
        self.params.start_day + i64::from(self.params.days) - 1
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The bucket-independent count of records per (principal, API) under
    /// `key`, for checks: `(principal, api, records)` sorted.
    pub fn pair_totals(&self, key: PrincipalKey) -> Vec<(String, String, u64)> {
        let mut m: std::collections::BTreeMap<(String, String), u64> = Default::default();
        for c in &self.calls {
            let a = &self.actors[c.actor as usize];
            let p = match (key, &a.issuer) {
                (PrincipalKey::Role, Some(i)) => i.0.clone(),
                _ => a.arn.clone(),
            };
            *m.entry((p, self.apis[c.api as usize].1.to_string()))
                .or_default() += 1;
        }
        m.into_iter().map(|((p, a), n)| (p, a, n)).collect()
    }

    /// Per-bucket counts of one pair (as the loader builds them), for checks.
    pub fn counts(
        &self,
        principal: &str,
        api: &str,
        key: PrincipalKey,
        bucket: Bucket,
    ) -> Vec<u32> {
        let per = bucket.per_day();
        let n = (i64::from(self.params.days) * per) as usize;
        let first = self.first_day() * per;
        let mut v = vec![0u32; n];
        for c in &self.calls {
            let a = &self.actors[c.actor as usize];
            let p = match (key, &a.issuer) {
                (PrincipalKey::Role, Some(i)) => &i.0,
                _ => &a.arn,
            };
            if p == principal && self.apis[c.api as usize].1 == api {
                v[(bucket.of(c.second * NS_PER_S) - first) as usize] += 1;
            }
        }
        v
    }
}
