//! Runs the table: builds the fixtures and the corpus once, runs every
//! (command, kind) case on a few threads, and reports every broken case.

use crate::corpus::{self, FORMATS, Format, Kind, Made};
use crate::{COMMANDS, Expect, KINDS, PENDING, expect};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A case that runs longer is a hang.
const TIMEOUT: Duration = Duration::from_secs(60);
/// An error message longer than this echoes the input (the 10 MB line).
const MAX_STDERR: usize = 16 * 1024;

/// The binary under test: cargo's, or `THREATSTAT_BIN` (another build, or
/// a copy of this one when the target directory is shared with other
/// checkouts that may overwrite `target/debug/threatstat`).
fn bin() -> Command {
    match std::env::var_os("THREATSTAT_BIN") {
        Some(p) => Command::new(p),
        None => Command::new(env!("CARGO_BIN_EXE_threatstat")),
    }
}

/// Runs `threatstat args` in `dir`, which must succeed (fixture setup).
fn setup(dir: &Path, args: &str) {
    let out = bin()
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "setup `threatstat {args}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The valid samples: committed ones from `valid/`, the others made by the
/// commands that write them.
fn fixtures(dir: &Path) {
    let valid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input/valid");
    for e in std::fs::read_dir(valid).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    setup(
        dir,
        "markov sessionize --input events.csv --user-cols UserId,ClientIP \
         --time-col TimeGenerated --event-col Operation --out sessions.jsonl",
    );
    setup(
        dir,
        "markov fit --input sessions.jsonl --session-type cmds --out markov_model.json",
    );
    setup(
        dir,
        "markov score --input sessions.jsonl --model markov_model.json --window 2 --out scores.csv",
    );
    setup(
        dir,
        "attack train --flows flows.jsonl --out attack_model.json",
    );
    setup(
        dir,
        "changepoint generate --users 3 --days 40 --planted 1 --out logon.csv --truth cert.json",
    );
    setup(dir, "lanl generate --out lanl --users 3 --days 2");
    for f in ["auth.txt", "flows.txt", "redteam.txt"] {
        std::fs::rename(dir.join("lanl").join(f), dir.join(f)).unwrap();
    }
    setup(
        dir,
        "features generate --out cyberfl.csv --users 30 --days 2",
    );
}

/// One case to run.
struct Case {
    command: &'static str,
    template: &'static str,
    format: &'static Format,
    kind: Kind,
    expect: Expect,
    pending: Option<&'static str>,
}

/// What a run did.
struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    timed_out: bool,
}

/// The format of the `@name` token of a template.
fn bad_format(template: &str) -> &'static Format {
    let name = template
        .split_whitespace()
        .find_map(|t| t.strip_prefix('@'))
        .unwrap_or_else(|| panic!("no @input in `{template}`"));
    corpus::format(name)
}

pub fn run_all() {
    let t0 = Instant::now();
    let root = std::env::temp_dir().join(format!("threatstat-bad-input-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let fix = root.join("fixtures");
    std::fs::create_dir_all(&fix).unwrap();
    fixtures(&fix);

    // The corpus: each bad input made once per format, shared by commands.
    let long_line = "a".repeat(10 << 20);
    let mut cases = Vec::new();
    for &(command, template) in COMMANDS {
        let format = bad_format(template);
        for &kind in KINDS {
            if kind == Kind::SameFile && !template.contains(" OUT/") {
                continue;
            }
            let valid = std::fs::read_to_string(fix.join(format.file)).unwrap();
            if corpus::make(format, kind, &valid, "").is_none() {
                continue;
            }
            let pending = PENDING
                .iter()
                .find(|&&(c, k, _)| c == command && k == kind)
                .map(|&(_, _, why)| why);
            cases.push(Case {
                command,
                template,
                format,
                kind,
                expect: expect(command, format.shape, kind),
                pending,
            });
        }
    }
    let corpus_dir = root.join("corpus");
    let mut lines = std::collections::HashMap::new();
    for f in FORMATS {
        let valid = std::fs::read_to_string(fix.join(f.file)).unwrap();
        for &kind in KINDS {
            let dir = corpus_dir.join(f.name).join(format!("{kind:?}"));
            let path = dir.join(f.file);
            match corpus::make(f, kind, &valid, &long_line) {
                None => continue,
                Some(Made::File(bytes, line)) => {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&path, bytes).unwrap();
                    lines.insert((f.name, kind), line);
                }
                Some(Made::Dir) => {
                    std::fs::create_dir_all(&path).unwrap();
                    lines.insert((f.name, kind), None);
                }
                Some(Made::Missing) => {
                    lines.insert((f.name, kind), None);
                }
            }
        }
    }

    let next = AtomicUsize::new(0);
    let problems = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let line = lines[&(case.format.name, case.kind)];
                    let dir = root.join("cases").join(i.to_string());
                    let found = run_case(case, &fix, &corpus_dir, &dir, line);
                    let report = match (case.pending, found.is_empty()) {
                        (None, true) => None,
                        (None, false) => Some(found.join("; ")),
                        (Some(_), false) => None,
                        (Some(why), true) => {
                            Some(format!("now behaves: remove it from PENDING ({why})"))
                        }
                    };
                    if let Some(r) = report {
                        problems.lock().unwrap().push(format!(
                            "[{} × {:?}] (expect {:?}) {r}",
                            case.command, case.kind, case.expect
                        ));
                    } else {
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    eprintln!(
        "bad-input suite: {} cases ({} pending) in {:.1} s, {} broken",
        cases.len(),
        cases.iter().filter(|c| c.pending.is_some()).count(),
        t0.elapsed().as_secs_f64(),
        problems.len()
    );
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&root);
    } else {
        panic!(
            "{} broken cases (files under {}):\n{}",
            problems.len(),
            root.display(),
            problems.join("\n")
        );
    }
}

/// Runs one case and returns what is wrong with it (empty: it behaved).
fn run_case(
    case: &Case,
    fix: &Path,
    corpus_dir: &Path,
    dir: &Path,
    line: Option<usize>,
) -> Vec<String> {
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut input = corpus_dir
        .join(case.format.name)
        .join(format!("{:?}", case.kind))
        .join(case.format.file);
    if case.kind == Kind::SameFile {
        // A private copy: the command may overwrite it.
        let own = dir.join(case.format.file);
        std::fs::copy(&input, &own).unwrap();
        input = own;
    }
    let before = std::fs::read(&input).ok();
    let mut same_file_used = false;
    let args: Vec<PathBuf> = case
        .template
        .split_whitespace()
        .map(|t| {
            if t.starts_with('@') {
                input.clone()
            } else if let Some(n) = t.strip_prefix('%') {
                // A format's valid sample, or a fixture named by its file.
                let file = corpus::FORMATS
                    .iter()
                    .find(|f| f.name == n)
                    .map_or(n, |f| f.file);
                fix.join(file)
            } else if let Some(n) = t.strip_prefix("OUT/") {
                if case.kind == Kind::SameFile && !same_file_used {
                    same_file_used = true;
                    input.clone()
                } else {
                    out_dir.join(n)
                }
            } else if let Some(n) = t.strip_prefix("DIR/") {
                out_dir.join(n)
            } else {
                PathBuf::from(t)
            }
        })
        .collect();
    let run = execute(&args, dir);
    let mut wrong = Vec::new();
    let shown = || {
        format!(
            "exit {:?}, stderr: {}",
            run.code,
            run.stderr.chars().take(400).collect::<String>().trim_end()
        )
    };
    if run.timed_out {
        wrong.push(format!("no result after {} s", TIMEOUT.as_secs()));
        return wrong;
    }
    if let Some(sig) = run.signal {
        wrong.push(format!("killed by signal {sig}"));
    }
    if run.code == Some(101) || run.stderr.contains("panicked") {
        wrong.push(format!("panic: {}", shown()));
        return wrong;
    }
    if run.stderr.len() > MAX_STDERR {
        wrong.push(format!("{} bytes on stderr", run.stderr.len()));
    }
    let code_ok = match case.expect {
        Expect::Pass => run.code == Some(0),
        Expect::Fail => run.code == Some(1),
        Expect::Either => matches!(run.code, Some(0 | 1)),
    };
    if !code_ok {
        wrong.push(format!("wrong exit ({})", shown()));
    }
    let name = input.display().to_string();
    if run.code == Some(1) && case.kind != Kind::SameFile && !names(&run.stderr, &name, line) {
        let want = line.map_or(name.clone(), |l| format!("{name}:{l}"));
        wrong.push(format!("message does not name `{want}` ({})", shown()));
    }
    if run.code == Some(1) {
        let left = files_under(&out_dir);
        if !left.is_empty() {
            wrong.push(format!("failed but left {left:?}"));
        }
        if !run.stdout.is_empty() {
            wrong.push(format!(
                "failed but printed {} bytes on stdout",
                run.stdout.len()
            ));
        }
    }
    if case.kind == Kind::SameFile && std::fs::read(&input).ok() != before {
        wrong.push("the input was overwritten".to_string());
    }
    if run.code == Some(0) && case.kind != Kind::Valid {
        let input_years = years(before.as_deref().unwrap_or_default(), true);
        let mut outputs = vec![run.stdout.clone()];
        for f in files_under(&out_dir) {
            if f.extension()
                .is_some_and(|e| e == "csv" || e == "json" || e == "jsonl")
            {
                outputs.push(std::fs::read(f).unwrap());
            }
        }
        if let (Some(lo), Some(hi)) = (input_years.first(), input_years.last()) {
            for o in &outputs {
                if let Some(y) = years(o, false)
                    .into_iter()
                    .find(|y| y < &(lo - 1) || y > &(hi + 1))
                {
                    wrong.push(format!(
                        "output has year {y}, input years {lo}..{hi}: a wrapped date?"
                    ));
                    break;
                }
            }
        }
    }
    wrong
}

/// Whether `message` names the file and, if given, the line: `path:LINE`,
/// or the path and "line LINE" (as JSON parsers say).
fn names(message: &str, path: &str, line: Option<usize>) -> bool {
    let Some(l) = line else {
        return message.contains(path);
    };
    let at = |pat: String| {
        message
            .match_indices(&pat)
            .any(|(i, m)| !message[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
    };
    at(format!("{path}:{l}")) || (message.contains(path) && at(format!("line {l}")))
}

/// Runs the binary with a timeout, stdout and stderr to files (no pipe can
/// fill while we wait).
fn execute(args: &[PathBuf], dir: &Path) -> Run {
    let t0 = Instant::now();
    let (so, se) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&so).unwrap())
        .stderr(std::fs::File::create(&se).unwrap())
        .spawn()
        .unwrap();
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > TIMEOUT {
            let _ = child.kill();
            timed_out = true;
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    use std::os::unix::process::ExitStatusExt;
    Run {
        code: status.code(),
        signal: status.signal(),
        stdout: std::fs::read(so).unwrap(),
        stderr: String::from_utf8_lossy(&std::fs::read(se).unwrap()).into_owned(),
        timed_out,
    }
}

/// Regular files under `dir` (recursively).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Years of the dates in `bytes`, sorted: `YYYY-MM-DD`, and with `cert`
/// also `MM/DD/YYYY`.
fn years(bytes: &[u8], cert: bool) -> Vec<i64> {
    let d = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let num = |a: usize, n: usize| -> i64 {
        bytes[a..a + n]
            .iter()
            .fold(0, |acc, b| acc * 10 + i64::from(b - b'0'))
    };
    let mut set = BTreeSet::new();
    for i in 0..bytes.len() {
        if i > 0 && d(i - 1) {
            continue;
        }
        // YYYY-MM-DD
        if (0..4).all(|k| d(i + k))
            && bytes.get(i + 4) == Some(&b'-')
            && d(i + 5)
            && d(i + 6)
            && bytes.get(i + 7) == Some(&b'-')
            && d(i + 8)
            && d(i + 9)
        {
            set.insert(num(i, 4));
        }
        // MM/DD/YYYY
        if cert
            && d(i)
            && d(i + 1)
            && bytes.get(i + 2) == Some(&b'/')
            && d(i + 3)
            && d(i + 4)
            && bytes.get(i + 5) == Some(&b'/')
            && (6..10).all(|k| d(i + k))
        {
            set.insert(num(i + 6, 4));
        }
    }
    set.into_iter().collect()
}
