//! The library's Parquet / Arrow IPC count reader (`columnar` feature):
//! the CSV reader's series, and errors naming the file, column and row.
//! `cargo test -p threatstat-changepoint --features columnar --test columnar`
#![cfg(feature = "columnar")]

use threatstat_changepoint::io::read_count_series;
use threatstat_table::{Column, Table};

fn write(name: &str, days: Vec<Option<i32>>, counts: Vec<Option<i64>>) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("threatstat-cp-columnar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let mut t = Table::new();
    t.push("date", Column::Date(days)).unwrap();
    t.push("logons", Column::I64(counts)).unwrap();
    threatstat_table::write(&t, &p).unwrap();
    p
}

#[test]
fn parquet_and_ipc_read_as_the_csv() {
    let csv =
        std::env::temp_dir().join(format!("threatstat-cp-columnar-{}.csv", std::process::id()));
    std::fs::write(
        &csv,
        "date,logons\n1970-01-11,3\n1970-01-12,0\n1970-01-13,5\n",
    )
    .unwrap();
    let want = read_count_series(&csv, None).unwrap();
    for ext in ["parquet", "arrow"] {
        let p = write(
            &format!("ok.{ext}"),
            vec![Some(10), Some(11), Some(12)],
            vec![Some(3), Some(0), Some(5)],
        );
        assert_eq!(read_count_series(&p, None).unwrap(), want, "{ext}");
    }
}

#[test]
fn bad_rows_are_named() {
    for (name, days, counts, says) in [
        (
            "gap.parquet",
            vec![Some(10), Some(12)],
            vec![Some(1), Some(2)],
            "logons` row 2: dates must be consecutive days in calendar order: 1970-01-13 follows 1970-01-11",
        ),
        (
            "neg.parquet",
            vec![Some(10), Some(11)],
            vec![Some(1), Some(-2)],
            "row 2: expected a non-negative integer count, found -2",
        ),
        (
            "null.arrow",
            vec![Some(10), None],
            vec![Some(1), Some(2)],
            "row 2: a null date",
        ),
    ] {
        let p = write(name, days, counts);
        let e = read_count_series(&p, None).unwrap_err().to_string();
        assert!(
            e.contains(name) && e.contains(says.split('`').next_back().unwrap()),
            "{e}"
        );
    }
}
