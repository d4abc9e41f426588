//! `threatstat_session_split(ts, max_session_ns) OVER (PARTITION BY .. ORDER BY ts ..)`:
//! the sequential part of sessionizing as a DataFusion window function.
//!
//! Within one run of events (one user, no gap above the maximum), a session
//! starts at the run's first event and a new one at the first event more
//! than `max_session_ns` after the current session's first event. The value
//! is the session's index within the run. Which event starts a session
//! depends on where the previous one started, so no combination of
//! standard window functions computes it.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};
use std::sync::Arc;

use crate::sql::SESSION_SPLIT_UDWF;

/// The window function, ready to register with a DataFusion context (the
/// engine's contexts, schedulers and executors have it already).
pub fn session_split_udwf() -> Arc<WindowUDF> {
    Arc::new(WindowUDF::from(SessionSplit {
        signature: Signature::exact(
            vec![DataType::Int64, DataType::Int64],
            Volatility::Immutable,
        ),
    }))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SessionSplit {
    signature: Signature,
}

impl WindowUDFImpl for SessionSplit {
    fn name(&self) -> &str {
        SESSION_SPLIT_UDWF
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(
        &self,
        _args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(SplitEvaluator))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Int64,
            false,
        )))
    }
}

#[derive(Debug)]
struct SplitEvaluator;

impl PartitionEvaluator for SplitEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let [ts, max] = values else {
            return exec_err!("{SESSION_SPLIT_UDWF} takes (ts, max_session_ns)");
        };
        let ts = ts.as_primitive::<Int64Type>();
        let max = max.as_primitive::<Int64Type>();
        if ts.null_count() > 0 || max.null_count() > 0 {
            return exec_err!("{SESSION_SPLIT_UDWF}: a time or the limit is missing");
        }
        Ok(Arc::new(split(ts.values(), max.values(), num_rows)))
    }
}

/// Session index of each row: rows are in time order within one run.
fn split(ts: &[i64], max: &[i64], n: usize) -> Int64Array {
    let mut out = Vec::with_capacity(n);
    let (mut session, mut start) = (0i64, ts.first().copied().unwrap_or(0));
    for i in 0..n {
        if ts[i] - start > max[i] {
            session += 1;
            start = ts[i];
        }
        out.push(session);
    }
    Int64Array::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_length_from_each_sessions_start() {
        // Limit 10: 0..=10 is one session, 11 starts the next (which runs to 21).
        let ts = [0, 5, 10, 11, 20, 21, 22, 40];
        let s = split(&ts, &[10; 8], ts.len());
        assert_eq!(s.values().as_ref(), [0, 0, 0, 1, 1, 1, 2, 3]);
        assert_eq!(split(&[], &[], 0).len(), 0);
    }
}
