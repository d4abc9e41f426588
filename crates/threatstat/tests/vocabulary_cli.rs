//! The CLI vocabulary of `kde`, `acf` and `mwu` (README, "One CLI
//! vocabulary"): `--input` with the old spelling as a deprecated alias,
//! `--out` (a file, or `-` and the default: standard output), `--column`
//! and `--no-header`, and the `--help` examples running on bundled data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-vocab-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

/// The old spellings still work, print one note, and give the same result.
#[test]
fn old_input_spellings_work_with_a_note() {
    let d = tmpdir("old");
    let series = d.join("s.txt");
    std::fs::write(&series, "1\n5\n2\n6\n1\n5\n3\n7\n").unwrap();
    for (cmd, old, extra) in [
        ("kde", "--data", vec!["--at", series.to_str().unwrap()]),
        ("acf", "--series", vec!["--lags", "2"]),
    ] {
        let new = bin()
            .arg(cmd)
            .arg("--input")
            .arg(&series)
            .args(&extra)
            .output()
            .unwrap();
        let old_o = bin()
            .arg(cmd)
            .arg(old)
            .arg(&series)
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(ok(&old_o), ok(&new), "{cmd}");
        let note = text(&old_o.stderr);
        assert!(
            note.contains(&format!("`{cmd} {old}` is deprecated"))
                && note.contains("use `--input`"),
            "{cmd}: {note}"
        );
        // No note (the terminal summary of the result is on stderr too).
        assert!(
            !text(&new.stderr).contains("deprecated"),
            "{cmd}: {}",
            text(&new.stderr)
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// `--out FILE` writes what standard output would show; `--out -` is stdout.
#[test]
fn out_is_a_file_or_standard_output() {
    let d = tmpdir("out");
    let s = d.join("s.txt");
    std::fs::write(&s, "1\n5\n2\n6\n1\n5\n3\n7\n").unwrap();
    let s = s.to_str().unwrap();
    for args in [
        vec!["kde", "--input", s, "--at", s],
        vec!["acf", "--input", s, "--lags", "2"],
        vec!["mwu", "--x", s, "--y", s],
    ] {
        let printed = ok(&bin().args(&args).output().unwrap());
        assert_eq!(
            ok(&bin().args(&args).args(["--out", "-"]).output().unwrap()),
            printed
        );
        let f = d.join(format!("{}.json", args[0]));
        let o = bin().args(&args).arg("--out").arg(&f).output().unwrap();
        assert!(ok(&o).is_empty(), "{args:?}: nothing on stdout");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), printed, "{args:?}");
        // A directory is refused before any work, naming it.
        let o = bin().args(&args).arg("--out").arg(&d).output().unwrap();
        assert!(!o.status.success() && text(&o.stderr).contains(d.to_str().unwrap()));
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// Headers are accepted by every numbers input; `--column` picks a column
/// by name or position; `--no-header` reads the first line as data.
#[test]
fn column_and_header_are_uniform() {
    let d = tmpdir("column");
    let csv = d.join("c.csv");
    std::fs::write(&csv, "day,calls\n1,4\n2,nan\n3,7\n4,1\n5,6\n6,2\n").unwrap();
    let one = d.join("one.txt");
    std::fs::write(&one, "calls\n4\nnan\n7\n1\n6\n2\n").unwrap();
    let by_name = ok(&bin()
        .args(["acf", "--lags", "2", "--column", "calls", "--input"])
        .arg(&csv)
        .output()
        .unwrap());
    let by_pos = ok(&bin()
        .args(["acf", "--lags", "2", "--column", "2", "--input"])
        .arg(&csv)
        .output()
        .unwrap());
    let single = ok(&bin()
        .args(["acf", "--lags", "2", "--input"])
        .arg(&one)
        .output()
        .unwrap());
    let field = |s: &str| {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["acf"].clone()
    };
    assert_eq!(field(&by_name), field(&by_pos));
    assert_eq!(field(&by_name), field(&single));
    let o = bin()
        .args(["acf", "--no-header", "--input"])
        .arg(&one)
        .output()
        .unwrap();
    assert!(
        !o.status.success() && text(&o.stderr).contains("one.txt:1"),
        "{}",
        text(&o.stderr)
    );
    // mwu: a header line and a column.
    let x = d.join("x.csv");
    std::fs::write(&x, "id,bytes\n1,10\n2,12\n3,11\n").unwrap();
    let y = d.join("y.csv");
    std::fs::write(&y, "id,bytes\n1,20\n2,22\n3,21\n").unwrap();
    let out = ok(&bin()
        .args(["mwu", "--column", "bytes", "--x"])
        .arg(&x)
        .arg("--y")
        .arg(&y)
        .output()
        .unwrap());
    assert!(out.contains("\"u\": 0"), "{out}");
    let o = bin()
        .args(["mwu", "--column", "nope", "--x"])
        .arg(&x)
        .arg("--y")
        .arg(&y)
        .output()
        .unwrap();
    assert!(!o.status.success() && text(&o.stderr).contains("no column `nope`"));
    let o = bin()
        .args(["mwu", "--column", "0", "--x"])
        .arg(&x)
        .arg("--y")
        .arg(&y)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--column"));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Every `threatstat` line of the "Examples:" of these commands' `--help`
/// runs from the repository root on bundled data (outputs redirected to a
/// scratch directory).
#[test]
fn help_examples_run_on_bundled_data() {
    let d = tmpdir("examples");
    let exe = env!("CARGO_BIN_EXE_threatstat");
    for cmd in ["kde", "acf", "mwu"] {
        let help = ok(&bin().args([cmd, "--help"]).output().unwrap());
        let examples = help
            .split("Examples:")
            .nth(1)
            .unwrap_or_else(|| panic!("{cmd}: no examples"));
        let lines: Vec<&str> = examples
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("threatstat "))
            .collect();
        assert!(!lines.is_empty(), "{cmd}");
        for line in lines {
            let line = line
                .replacen("threatstat ", &format!("{exe} "), 1)
                .replace("--out ", &format!("--out {}/", d.display()))
                .replace("--table ", &format!("--table {}/", d.display()));
            let o = Command::new("bash")
                .arg("-c")
                .arg(&line)
                .current_dir(root())
                .output()
                .unwrap();
            assert!(o.status.success(), "{line}: {}", text(&o.stderr));
        }
    }
    std::fs::remove_dir_all(&d).unwrap();
}
