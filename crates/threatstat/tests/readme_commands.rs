//! Every `$T` command in README.md runs as written (issue 25, "runnable
//! quick starts").
//!
//! The test reads README.md's fenced blocks, joins `\` continuation lines,
//! and runs each line that starts with `$T ` through `bash` (README's
//! commands use process substitution and trailing `#` comments) with `T`
//! set to this build's binary. The commands run in order in one scratch
//! directory whose `data` and `crates` are links to the repository's, so
//! later commands read what earlier ones wrote, as a reader following the
//! README would. A command that needs more than a test can give (tens of
//! gigabytes) is listed in [`SKIPPED`] with the reason; every other one must
//! exit 0.
//!
//! The commands are the quick starts' real sizes (a year of logons for 200
//! users, ten days of LANL-format authentication for the features): about a
//! minute with a release build, far longer unoptimised, so the test is
//! ignored by `cargo test --workspace` and CI runs it on the release build:
//! `cargo test --release -p threatstat --test readme_commands -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands not run, matched by a substring, with why.
const SKIPPED: &[(&str, &str)] = &[(
    "--users 548000",
    "writes 29 GB of gzipped LANL-format logs (BENCHMARKS.md, LANL scale)",
)];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `$T` command lines of the fenced blocks of `markdown`, continuation
/// lines joined, in order.
fn commands(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending: Option<String> = None;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            pending = None;
            continue;
        }
        if !in_block {
            continue;
        }
        let text = match pending.take() {
            Some(p) => format!("{p} {}", line.trim()),
            None if line.trim_start().starts_with("$T ") => line.trim().to_string(),
            None => continue,
        };
        match text.strip_suffix('\\') {
            Some(head) => pending = Some(head.trim_end().to_string()),
            None => out.push(text),
        }
    }
    out
}

#[test]
fn the_parser_joins_continuations_and_ignores_prose() {
    let md = "$T not in a block\n```sh\n# a comment\n$T a --x 1 \\\n   --y 2   # note\nT=bin\n$T b\n```\n";
    assert_eq!(commands(md), ["$T a --x 1 --y 2   # note", "$T b"]);
}

#[test]
#[ignore = "about a minute on a release build (CI runs it): cargo test --release -p threatstat --test readme_commands -- --ignored"]
fn every_readme_command_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let all = commands(&readme);
    // The quick starts hold well over 30 commands: far fewer means the
    // parser no longer finds them, and the test would pass on nothing.
    assert!(all.len() >= 30, "found only {} `$T` commands", all.len());

    let dir = std::env::temp_dir().join(format!("threatstat-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for link in ["data", "crates"] {
        std::os::unix::fs::symlink(root().join(link).canonicalize().unwrap(), dir.join(link))
            .unwrap();
    }

    let mut failures = Vec::new();
    let mut ran = 0;
    for cmd in &all {
        if let Some((_, why)) = SKIPPED.iter().find(|(m, _)| cmd.contains(m)) {
            eprintln!("skipped ({why}): {cmd}");
            continue;
        }
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("set -o pipefail\n{cmd}"))
            .env("T", env!("CARGO_BIN_EXE_threatstat"))
            .env("THREATSTAT_NO_PROGRESS", "1")
            .current_dir(&dir)
            .output()
            .unwrap();
        ran += 1;
        if !out.status.success() {
            failures.push(format!(
                "{cmd}\n  exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {ran} README commands failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
