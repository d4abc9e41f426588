//! Write → read → equal for every column kind and format, and bad inputs
//! (missing column, wrong type, truncated file) as errors naming the file
//! and the column.

use std::path::PathBuf;
use threatstat_core::numbers::{Column as Pick, Missing, NumberOptions};
use threatstat_table::{Column, Format, Kind, Schema, Table, read, read_numbers, write};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-table-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn every_kind() -> Table {
    let mut t = Table::new();
    t.push("i", Column::I64(vec![Some(-3), None, Some(i64::MAX)]))
        .unwrap();
    t.push("f", Column::F64(vec![Some(0.1), Some(f64::NAN), None]))
        .unwrap();
    t.push("b", Column::Bool(vec![Some(true), None, Some(false)]))
        .unwrap();
    t.push(
        "s",
        Column::Utf8(vec![Some("a,\"b\"".into()), None, Some("é".into())]),
    )
    .unwrap();
    t.push("d", Column::Date(vec![Some(14_611), Some(-1), None]))
        .unwrap();
    t.push(
        "t",
        Column::Timestamp(vec![Some(1_262_304_000_123_456_789), None, Some(0)]),
    )
    .unwrap();
    t.push(
        "l",
        Column::ListUtf8(vec![Some(vec!["x".into(), "y".into()]), Some(vec![]), None]),
    )
    .unwrap();
    t.push(
        "lf",
        Column::ListF64(vec![Some(vec![0.25, -1.0]), None, Some(vec![])]),
    )
    .unwrap();
    t
}

/// NaN is not equal to itself: compare the bits.
fn same(a: &Table, b: &Table) {
    assert_eq!(a.names(), b.names());
    for ((_, x), (_, y)) in a.columns().iter().zip(b.columns()) {
        match (x, y) {
            (Column::F64(x), Column::F64(y)) => {
                let bits = |v: &Vec<Option<f64>>| -> Vec<Option<u64>> {
                    v.iter().map(|f| f.map(f64::to_bits)).collect()
                };
                assert_eq!(bits(x), bits(y));
            }
            _ => assert_eq!(x, y),
        }
    }
}

#[test]
fn every_kind_round_trips_through_parquet_and_ipc() {
    let t = every_kind();
    for ext in ["parquet", "arrow", "feather"] {
        let p = dir().join(format!("every.{ext}"));
        write(&t, &p).unwrap();
        same(&read(&p, None).unwrap(), &t);
        // Projection: only the columns asked for, in the order asked.
        let two = read(&p, Some(&["l", "i"])).unwrap();
        assert_eq!(two.names(), "l, i");
        assert_eq!(two.column("i").unwrap(), t.column("i").unwrap());
        assert_eq!(two.column("l").unwrap(), t.column("l").unwrap());
    }
}

#[test]
fn a_table_without_rows_keeps_its_columns() {
    let mut t = Table::new();
    t.push("x", Column::F64(vec![])).unwrap();
    t.push("l", Column::ListUtf8(vec![])).unwrap();
    for ext in ["parquet", "arrow"] {
        let p = dir().join(format!("empty.{ext}"));
        write(&t, &p).unwrap();
        assert_eq!(read(&p, None).unwrap().columns(), t.columns());
    }
}

#[test]
fn many_rows_round_trip_across_row_groups_and_batches() {
    let n = 70_000;
    let mut t = Table::new();
    t.push("k", Column::i64s(0..n)).unwrap();
    t.push("v", Column::f64s((0..n).map(|i| i as f64 / 7.0)))
        .unwrap();
    let p = dir().join("many.parquet");
    write(&t, &p).unwrap();
    same(&read(&p, None).unwrap(), &t);
}

fn schema() -> Schema {
    Schema::new(&[
        ("user", Kind::Utf8),
        ("day", Kind::Date),
        ("n", Kind::I64),
        ("x", Kind::F64),
        ("flag", Kind::Bool),
        ("at", Kind::Timestamp),
        ("dates", Kind::ListUtf8),
        ("p", Kind::ListF64),
    ])
}

#[test]
fn csv_typed_by_a_schema_round_trips_to_the_same_csv() {
    let text = "user,day,n,x,flag,at,dates,p\n\
                U1,2010-01-02,3,0.5,true,2010-01-01T00:00:00Z,2010-01-03;2010-01-04,9.5e-1;5.0e-2\n\
                U2,,,,,,,\n";
    let t = schema()
        .table_from_csv(text.as_bytes(), "o.parquet".as_ref())
        .unwrap();
    assert_eq!(t.column("n").unwrap(), &Column::I64(vec![Some(3), None]));
    assert_eq!(
        t.column("dates").unwrap(),
        &Column::ListUtf8(vec![
            Some(vec!["2010-01-03".into(), "2010-01-04".into()]),
            Some(vec![])
        ])
    );
    assert_eq!(
        t.column("p").unwrap(),
        &Column::ListF64(vec![Some(vec![0.95, 0.05]), Some(vec![])])
    );
    let back = threatstat_table::to_bytes(&t, Format::Csv).unwrap();
    assert_eq!(
        String::from_utf8(back).unwrap(),
        "user,day,n,x,flag,at,dates,p\n\
         U1,2010-01-02,3,0.5,true,2010-01-01T00:00:00Z,2010-01-03;2010-01-04,0.95;0.05\n\
         U2,,,,,,,\n"
    );
}

#[test]
fn csv_cells_of_the_wrong_type_and_undeclared_columns_are_errors() {
    let e = schema()
        .table_from_csv(b"user,n\nU1,3\nU2,three\n", "o.parquet".as_ref())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("o.parquet:3: field `n`") && e.contains("`three`"),
        "{e}"
    );
    let e = schema()
        .table_from_csv(b"user,extra\nU1,3\n", "o.parquet".as_ref())
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `extra`"), "{e}");
    let e = schema()
        .table_from_csv(b"day\n2010-13-01\n", "o.parquet".as_ref())
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `day`"), "{e}");
}

#[test]
fn numbers_from_parquet_by_name_position_or_only_column() {
    let mut t = Table::new();
    t.push("day", Column::i64s([1, 2, 3])).unwrap();
    t.push("count", Column::F64(vec![Some(4.0), None, Some(7.0)]))
        .unwrap();
    t.push("user", Column::utf8(["a", "b", "c"])).unwrap();
    let p = dir().join("numbers.parquet");
    write(&t, &p).unwrap();
    let by = |c: Pick, m: Missing| read_numbers(&p, &NumberOptions::default().column(c).missing(m));
    assert_eq!(
        by(Pick::Index(1), Missing::Reject).unwrap(),
        vec![1.0, 2.0, 3.0]
    );
    let v = by(Pick::Name("count".into()), Missing::Nan).unwrap();
    assert!(v[0] == 4.0 && v[1].is_nan() && v[2] == 7.0);
    let e = by(Pick::Name("count".into()), Missing::Reject)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("numbers.parquet: field `count`") && e.contains("row 2"),
        "{e}"
    );
    let e = by(Pick::Name("user".into()), Missing::Reject)
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `user`") && e.contains("numeric"), "{e}");
    let e = by(Pick::Name("bytes".into()), Missing::Reject)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("numbers.parquet") && e.contains("`bytes`"),
        "{e}"
    );
    assert!(e.contains("day, count, user"), "{e}");
    let e = by(Pick::Index(9), Missing::Reject).unwrap_err().to_string();
    assert!(e.contains("column 9"), "{e}");
    let e = read_numbers(&p, &NumberOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("3 columns"), "{e}");
}

#[test]
fn truncated_and_foreign_files_are_errors_naming_the_file() {
    let t = every_kind();
    for ext in ["parquet", "arrow"] {
        let p = dir().join(format!("whole.{ext}"));
        write(&t, &p).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        for cut in [0, 4, 12, bytes.len() / 2, bytes.len() - 1] {
            let q = dir().join(format!("cut{cut}.{ext}"));
            std::fs::write(&q, &bytes[..cut]).unwrap();
            let e = read(&q, None).unwrap_err().to_string();
            assert!(
                e.contains(&format!("cut{cut}.{ext}")) && e.contains("not a readable"),
                "{e}"
            );
        }
        let q = dir().join(format!("text.{ext}"));
        std::fs::write(&q, "day,count\n1,2\n").unwrap();
        let e = read_numbers(&q, &NumberOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("text.{ext}")), "{e}");
    }
    let e = read(&dir().join("absent.parquet"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("absent.parquet"), "{e}");
}

#[test]
fn text_inputs_still_go_through_the_text_reader() {
    let p = dir().join("numbers.csv");
    std::fs::write(&p, "count\n4\n7\n").unwrap();
    assert_eq!(
        read_numbers(&p, &NumberOptions::default()).unwrap(),
        vec![4.0, 7.0]
    );
}

/// What pandas 3.1 + pyarrow 26 write by default (`df.to_feather`: LZ4
/// IPC; `df.to_parquet`: Snappy) for day, count (int64), name (string),
/// x (double): generated by tools/columnar/pandas_fixtures.py.
#[test]
fn pandas_default_files_open() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for f in ["pandas.parquet", "pandas_lz4.feather"] {
        let t = read(&dir.join(f), None).unwrap();
        assert_eq!(t.names(), "day, count, name, x", "{f}");
        assert_eq!(
            t.column("count").unwrap(),
            &Column::i64s((0..40).map(|i| i % 7)),
            "{f}"
        );
        assert!(
            matches!(t.column("day").unwrap(), Column::Timestamp(_)),
            "{f}"
        );
        assert!(matches!(t.column("name").unwrap(), Column::Utf8(_)), "{f}");
    }
    let e = read(&dir.join("pandas_zstd.parquet"), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("pandas_zstd.parquet") && e.contains("zstd"),
        "{e}"
    );
}
