//! Every numeric option of every command is range-checked while the
//! command line is parsed: 0, -1, NaN, 2^64 - 1, 1e400 and other values out
//! of range exit 2 with the flag named, never a panic, an abort or a run
//! on a wrapped value (issue 20, items 4-6, 17 and build item 2).

use std::collections::BTreeSet;
use std::process::Command;

/// The binary, run in an empty scratch directory (so that nothing a
/// command might write lands in the source tree).
fn bin() -> Command {
    let dir = std::env::temp_dir().join(format!("threatstat-numopt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_threatstat"));
    c.env("THREATSTAT_NO_PROGRESS", "1").current_dir(dir);
    c
}

/// `cmd` with its required options given (as `missing`, a path that does
/// not exist), except `flag`: clap reports a missing option before a bad
/// value given as `--flag=value`.
fn with_required(cmd: &[&str], flag: &str) -> Command {
    let out = bin().args(cmd).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let usage = help
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap_or_default()
        .to_string();
    let mut c = bin();
    c.args(cmd);
    for w in usage.split_whitespace() {
        if w.starts_with("--") && w != flag {
            c.arg(format!("{w}=1"));
        }
    }
    c
}

/// What an option accepts.
#[derive(Clone, Copy)]
enum Kind {
    /// An integer with this lower bound.
    Int(u64),
    /// Any u64 (seeds, ids).
    U64,
    /// A finite number > 0.
    Positive,
    /// A number in (0, 1).
    OpenUnit,
    /// A number in [0, 1].
    ClosedUnit,
    /// A number in (0, 1].
    HalfOpenUnit,
    /// Minutes in [0, 1.5e8].
    Minutes,
}

impl Kind {
    fn bad_values(self) -> Vec<&'static str> {
        match self {
            Kind::Int(lo) => {
                let mut v = vec![
                    "-1",
                    "NaN",
                    "18446744073709551615",
                    "1e400",
                    "1.5",
                    "inf",
                    "",
                ];
                if lo > 0 {
                    v.push("0");
                }
                v
            }
            Kind::U64 => vec!["-1", "NaN", "18446744073709551616", "1e400", "1.5"],
            Kind::Positive => vec!["0", "-1", "NaN", "1e400", "inf", "-inf", "x"],
            Kind::OpenUnit => vec!["0", "1", "-0.5", "NaN", "1e400", "18446744073709551615"],
            Kind::ClosedUnit => vec!["-1", "1.5", "NaN", "1e400", "18446744073709551615"],
            Kind::HalfOpenUnit => vec!["0", "-0.5", "1.5", "NaN", "1e400"],
            Kind::Minutes => vec!["-1", "NaN", "1e400", "1e9", "18446744073709551615"],
        }
    }
}

/// (subcommand, flag, kind) for every numeric option.
fn table() -> Vec<(&'static [&'static str], &'static str, Kind)> {
    use Kind::*;
    const CP_FIT: &[&str] = &["changepoint", "fit"];
    const CP_LOGONS: &[&str] = &["changepoint", "logons"];
    const CP_GEN: &[&str] = &["changepoint", "generate"];
    const CT_AUTO: &[&str] = &["cloudtrail", "automation"];
    const CT_GEN: &[&str] = &["cloudtrail", "generate"];
    const LANL_UP: &[&str] = &["lanl", "uploads"];
    const LANL_GEN: &[&str] = &["lanl", "generate"];
    const FE_RUN: &[&str] = &["features", "run"];
    const FE_GEN: &[&str] = &["features", "generate"];
    let mut t = vec![];
    for cmd in [CP_FIT, CP_LOGONS] {
        t.extend([
            (cmd, "--prior-rate", Positive),
            (cmd, "--chains", Int(1)),
            (cmd, "--draws", Int(4)),
            (cmd, "--tune", Int(0)),
            (cmd, "--seed", U64),
        ]);
    }
    t.extend([
        (CP_LOGONS, "--plot-top", Int(1)),
        (CP_LOGONS, "--tolerance", OpenUnit),
        (CP_LOGONS, "--approximate", OpenUnit),
        (CP_LOGONS, "--change-prob", OpenUnit),
        (CP_GEN, "--users", Int(1)),
        (CP_GEN, "--days", Int(1)),
        (CP_GEN, "--planted", Int(0)),
        (CP_GEN, "--seed", U64),
        (&["kde"], "--factor", Positive),
        (&["acf"], "--lags", Int(1)),
        (CT_AUTO, "--lags", Int(1)),
        (CT_AUTO, "--threshold", ClosedUnit),
        (CT_AUTO, "--fdr", HalfOpenUnit),
        (CT_AUTO, "--max-figures", Int(0)),
        (CT_AUTO, "--seed", U64),
        (CT_GEN, "--days", Int(1)),
        (CT_GEN, "--humans", Int(0)),
        (CT_GEN, "--automated", Int(0)),
        (CT_GEN, "--seed", U64),
        (&["attack", "train"], "--order", Int(1)),
        (&["attack", "train"], "--smoothing", Positive),
        (&["attack", "next"], "--top", Int(1)),
        (&["attack", "loo"], "--orders", Int(1)),
        (&["attack", "loo"], "--smoothings", Positive),
        (&["attack", "train"], "--min-smoothing", Positive),
        (&["attack", "train"], "--max-smoothing", Positive),
        (&["attack", "loo"], "--min-smoothing", Positive),
        (&["attack", "loo"], "--max-smoothing", Positive),
        (&["attack", "evaluate"], "--shuffles", Int(1)),
        (&["attack", "evaluate"], "--random", Int(0)),
        (&["attack", "evaluate"], "--seed", U64),
        (LANL_UP, "--interval-s", Int(1)),
        (LANL_UP, "--level", OpenUnit),
        (LANL_UP, "--contamination", OpenUnit),
        (LANL_GEN, "--users", Int(1)),
        (LANL_GEN, "--days", Int(1)),
        (LANL_GEN, "--effect", Positive),
        (LANL_GEN, "--seed", U64),
        (FE_RUN, "--after-n", Int(0)),
        (FE_RUN, "--lead", Int(0)),
        (FE_RUN, "--label-window", Int(1)),
        (FE_RUN, "--depth", Int(1)),
        (FE_RUN, "--seed", U64),
        (FE_RUN, "--trees", Int(1)),
        (FE_RUN, "--folds", Int(0)),
        (FE_RUN, "--importance-repeats", Int(0)),
        (FE_RUN, "--test-fraction", OpenUnit),
        (FE_RUN, "--threshold", ClosedUnit),
        (FE_GEN, "--users", Int(0)),
        (FE_GEN, "--days", Int(1)),
        (FE_GEN, "--benign-keep", ClosedUnit),
        (FE_GEN, "--precursors", Int(0)),
        (FE_GEN, "--seed", U64),
        (&["markov", "sessionize"], "--max-session-mins", Minutes),
        (&["markov", "sessionize"], "--max-gap-mins", Minutes),
        (&["markov", "score"], "--window", Int(1)),
        (&["markov", "score"], "--top", Int(0)),
        (&["markov", "explain"], "--window", Int(1)),
        (&["markov", "explain"], "--session-id", U64),
    ]);
    t
}

#[test]
fn every_numeric_option_refuses_out_of_range_values_naming_the_flag() {
    let mut failures = Vec::new();
    for (cmd, flag, kind) in table() {
        for v in kind.bad_values() {
            let out = with_required(cmd, flag)
                .arg(format!("{flag}={v}"))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            let named = err.contains(&format!("'{flag} <")) || err.contains(&format!("'{flag}'"));
            if out.status.code() != Some(2) || !named || err.contains("panicked") {
                failures.push(format!(
                    "{} {flag}={v}: exit {:?}, stderr {err}",
                    cmd.join(" "),
                    out.status.code()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every option of `cmd` whose `--help` shows a numeric default.
fn numeric_defaults(cmd: &[&str]) -> BTreeSet<String> {
    let out = bin().args(cmd).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut found = BTreeSet::new();
    let mut current: Option<String> = None;
    for line in help.lines() {
        let t = line.trim_start();
        if t.starts_with("--") || (t.starts_with('-') && t.contains(", --")) {
            let name = t[t.find("--").unwrap()..]
                .split([' ', '='])
                .next()
                .unwrap()
                .to_string();
            current = line.contains('<').then_some(name);
        }
        if let (Some(name), Some(i)) = (&current, t.find("[default: ")) {
            let d = t[i + 10..].trim_end_matches(']');
            if d.split(',').all(|x| x.parse::<f64>().is_ok()) {
                found.insert(name.clone());
            }
        }
    }
    found
}

#[test]
fn the_table_covers_every_option_with_a_numeric_default() {
    let commands: &[&[&str]] = &[
        &["markov", "sessionize"],
        &["markov", "fit"],
        &["markov", "score"],
        &["markov", "likelihood"],
        &["markov", "explain"],
        &["markov", "plot"],
        &["changepoint", "fit"],
        &["changepoint", "logons"],
        &["changepoint", "generate"],
        &["mwu"],
        &["kde"],
        &["acf"],
        &["cloudtrail", "automation"],
        &["cloudtrail", "generate"],
        &["attack", "train"],
        &["attack", "score"],
        &["attack", "next"],
        &["attack", "path"],
        &["attack", "heatmap"],
        &["attack", "loo"],
        &["attack", "correlate"],
        &["attack", "evaluate"],
        &["attack", "lookup"],
        &["lanl", "uploads"],
        &["lanl", "generate"],
        &["features", "run"],
        &["features", "generate"],
        &["reproduce"],
    ];
    let table = table();
    let mut missing = Vec::new();
    for cmd in commands {
        for flag in numeric_defaults(cmd) {
            if !table.iter().any(|(c, f, _)| c == cmd && *f == flag) {
                missing.push(format!("{} {flag}", cmd.join(" ")));
            }
        }
    }
    assert!(missing.is_empty(), "not range-checked: {missing:?}");
    // The scan finds the defaults at all.
    assert!(numeric_defaults(&["changepoint", "fit"]).contains("--chains"));
}

#[test]
fn valid_extremes_are_accepted() {
    // The bounds themselves parse: the command then fails on the missing
    // input (`1` does not exist), not on the value.
    for (cmd, arg) in [
        (&["changepoint", "fit"][..], "--chains=1024"),
        (&["changepoint", "fit"], "--draws=4"),
        (&["features", "run"], "--after-n=0"),
        (&["markov", "sessionize"], "--max-gap-mins=150000000"),
        (&["attack", "loo"], "--smoothings=0.5,64"),
    ] {
        let out = with_required(cmd, "").arg(arg).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{arg}: {err}");
        assert!(err.contains("1"), "{arg}: {err}");
    }
}
