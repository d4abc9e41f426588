//! The tidy scores table of `markov score` as Parquet or Arrow IPC: the
//! columns of the CSV ([`crate::score_table`]), typed.
//!
//! | column | type |
//! |---|---|
//! | `session_id` | int64 |
//! | each user column | string (null when missing) |
//! | `time_min`, `time_max` | timestamp\[ns, UTC\] |
//! | `n_cmds` | int64 |
//! | `rarest_window_likelihood` (`rarest_window_log_likelihood` with `--log`) | double (null without a full window) |
//! | `rarest_window_start` | int64 (null without a full window) |
//! | `window_1` … `window_W` | string (null beyond the window's length) |
//!
//! The values are those of the CSV: the likelihoods bit for bit (the CSV
//! writes shortest round-trip decimals), the empty cells as nulls.

use crate::io::SessionFile;
use crate::score_table::{check_user_columns, user_columns, window_cmds};
use crate::{MarkovError, RarestWindow};
use std::path::Path;
use std::sync::Arc;
use threatstat_core::Error;
use threatstat_table::arrow_array::builder::StringBuilder;
use threatstat_table::arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampNanosecondArray,
};
use threatstat_table::arrow_schema::{Field, Schema};

/// Writes the scores table of `scores` (one per session of `file`, in
/// order) to `path` as Parquet or Arrow IPC (by its extension); `window`
/// columns of commands, `log` naming the likelihood column
/// `rarest_window_log_likelihood`.
pub fn write(
    path: &Path,
    file: &SessionFile,
    scores: &[RarestWindow],
    window: usize,
    log: bool,
) -> Result<(), MarkovError> {
    let users = user_columns(file);
    check_user_columns(path, &users)?;
    let lik = if log {
        "rarest_window_log_likelihood"
    } else {
        "rarest_window_likelihood"
    };
    let n = file.meta.len().min(scores.len());
    let meta = &file.meta[..n];
    let time = |f: &dyn Fn(usize) -> Option<i64>| -> ArrayRef {
        Arc::new(TimestampNanosecondArray::from_iter((0..n).map(f)).with_timezone("UTC"))
    };
    let ids = meta
        .iter()
        .map(|m| i64::try_from(m.session_id))
        .collect::<Result<Vec<i64>, _>>()
        .map_err(|_| Error::data(path.display().to_string(), "a session_id exceeds int64"))?;
    let mut cols: Vec<(String, ArrayRef)> =
        vec![("session_id".into(), Arc::new(Int64Array::from(ids)))];
    for (j, u) in users.iter().enumerate() {
        let v: StringArray = meta
            .iter()
            .map(|m| m.users.get(j).and_then(|(_, v)| v.as_deref()))
            .collect();
        cols.push((u.to_string(), Arc::new(v)));
    }
    cols.push(("time_min".into(), time(&|i| meta[i].time_min)));
    cols.push(("time_max".into(), time(&|i| meta[i].time_max)));
    cols.push((
        "n_cmds".into(),
        Arc::new(Int64Array::from_iter_values(
            (0..n).map(|i| file.sessions.session_len(i) as i64),
        )),
    ));
    cols.push((
        lik.into(),
        Arc::new(Float64Array::from_iter(
            scores[..n]
                .iter()
                .map(|s| (!s.likelihood.is_nan()).then_some(s.likelihood)),
        )),
    ));
    cols.push((
        "rarest_window_start".into(),
        Arc::new(Int64Array::from_iter(
            scores[..n].iter().map(|s| s.start.map(|x| x as i64)),
        )),
    ));
    let mut windows: Vec<StringBuilder> = (0..window).map(|_| StringBuilder::new()).collect();
    for (i, s) in scores[..n].iter().enumerate() {
        let mut written = 0;
        for (b, c) in windows.iter_mut().zip(window_cmds(file, s, i)) {
            b.append_value(c);
            written += 1;
        }
        for b in &mut windows[written..] {
            b.append_null();
        }
    }
    for (k, mut b) in windows.into_iter().enumerate() {
        cols.push((format!("window_{}", k + 1), Arc::new(b.finish())));
    }
    let fields: Vec<Field> = cols
        .iter()
        .map(|(name, a)| Field::new(name, a.data_type().clone(), true))
        .collect();
    let arrays = cols.into_iter().map(|(_, a)| a).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| Error::data(path.display().to_string(), e.to_string()))?;
    Ok(threatstat_table::write_batch(&batch, path)?)
}
