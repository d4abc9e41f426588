//! `threatstat lanl uploads --engine`: the aggregation on DataFusion and on
//! a loopback Ballista cluster gives the native analysis byte for byte.
//! Built only with the `engine` feature (CI runs it in the engine step).

#![cfg(feature = "engine")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "threatstat-lanl-engine-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the command; (success, stderr).
fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn uploads(data: &Path, out: &Path, extra: &[&str]) -> (bool, String) {
    run(bin()
        .args(["lanl", "uploads", "--quiet", "--interval-s", "43200"])
        .arg("--auth")
        .arg(data.join("auth.txt"))
        .arg("--flows")
        .arg(data.join("flows.txt"))
        .arg("--redteam")
        .arg(data.join("redteam.txt"))
        .arg("--out")
        .arg(out)
        .args(extra))
}

#[test]
fn engine_backends_write_the_native_results() {
    let dir = tmpdir("same");
    let data = dir.join("data");
    let (ok, err) = run(bin()
        .args([
            "lanl", "generate", "--users", "150", "--days", "8", "--seed", "4", "--out",
        ])
        .arg(&data));
    assert!(ok, "{err}");
    let native = dir.join("native");
    let (ok, err) = uploads(&data, &native, &[]);
    assert!(ok, "{err}");
    let read = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    assert!(read(&native, "users.csv").lines().count() > 100);
    for spec in ["local", "loopback:2"] {
        let out = dir.join(spec.replace(':', "_"));
        let (ok, err) = uploads(&data, &out, &["--engine", spec]);
        assert!(ok, "--engine {spec}: {err}");
        for f in ["users.csv", "summary.json"] {
            assert_eq!(read(&out, f), read(&native, f), "--engine {spec}: {f}");
        }
        assert!(out.join("kde_flags.png").exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_engine_arguments_are_explained() {
    let dir = tmpdir("bad");
    let data = dir.join("data");
    let (ok, err) = run(bin()
        .args(["lanl", "generate", "--users", "20", "--days", "2", "--out"])
        .arg(&data));
    assert!(ok, "{err}");
    let out = dir.join("out");
    for (extra, want) in [
        (
            &["--engine", "spark://x"][..],
            "--engine spark://x: expected local, loopback:N or df://HOST:PORT",
        ),
        (
            &["--engine", "loopback:0"][..],
            "--engine loopback:0: expected loopback:N with N >= 1 executors",
        ),
        (
            &["--engine", "local", "--skip-bad-rows"][..],
            "--skip-bad-rows works with the native loaders only",
        ),
    ] {
        let (ok, err) = uploads(&data, &out, extra);
        assert!(!ok && err.contains(want), "{extra:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
