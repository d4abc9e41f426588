//! `--quiet` on every `generate` command (README, "One CLI vocabulary"):
//! nothing on standard error, the same files as without it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-gen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The generate commands, small, writing into `d`.
fn commands(d: &Path) -> Vec<Vec<String>> {
    let p = |n: &str| d.join(n).display().to_string();
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        [
            v(&["changepoint", "generate", "--users", "5", "--days", "20"]),
            v(&["--planted", "1", "--out"]),
            vec![p("logon.csv"), "--truth".into(), p("truth.json")],
        ]
        .concat(),
        [
            v(&["cloudtrail", "generate", "--days", "3", "--humans", "2"]),
            v(&["--automated", "1", "--out"]),
            vec![p("ct")],
        ]
        .concat(),
        [
            v(&["lanl", "generate", "--users", "5", "--days", "2", "--out"]),
            vec![p("lanl")],
        ]
        .concat(),
        [
            v(&[
                "features", "generate", "--users", "5", "--days", "2", "--out",
            ]),
            vec![p("auth.txt")],
        ]
        .concat(),
        v(&[
            "features", "generate", "--users", "5", "--days", "2", "--out", "-",
        ]),
    ]
}

fn run(args: &[String], quiet: bool) -> Output {
    let mut c = bin();
    c.args(args);
    if quiet {
        c.arg("--quiet");
    }
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

#[test]
fn quiet_generate_prints_nothing_on_stderr() {
    let (loud, quiet) = (tmpdir("loud"), tmpdir("quiet"));
    for (a, b) in commands(&loud).iter().zip(commands(&quiet)) {
        let (l, q) = (run(a, false), run(&b, true));
        // Without --quiet each command says what it wrote on stderr
        // (`features generate` into a file prints its summary on stdout).
        let on_stdout = a[0] == "features" && a.last().unwrap() != "-";
        assert!(
            on_stdout || !l.stderr.is_empty(),
            "{a:?} printed no summary"
        );
        assert!(
            q.stderr.is_empty(),
            "{b:?}: {}",
            String::from_utf8_lossy(&q.stderr)
        );
        assert_eq!(l.stdout, q.stdout, "{b:?}");
    }
    // Same data either way.
    for f in [
        "logon.csv",
        "ct/cloudtrail.csv",
        "lanl/auth.txt",
        "auth.txt",
    ] {
        assert_eq!(
            std::fs::read(loud.join(f)).unwrap(),
            std::fs::read(quiet.join(f)).unwrap(),
            "{f}"
        );
    }
}
