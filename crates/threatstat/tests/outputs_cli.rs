//! What every command does with its outputs (issue 20): `-`, devices,
//! FIFOs and symlinks; a closed or full standard output; signals;
//! multi-file outputs and their manifest; outputs checked before any work;
//! an output that is an input refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test; `THREATSTAT_BIN` runs these tests against
/// another build (e.g. an older one, to see them fail).
fn bin() -> Command {
    Command::new(
        std::env::var_os("THREATSTAT_BIN").unwrap_or(env!("CARGO_BIN_EXE_threatstat").into()),
    )
}

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(p)
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "threatstat-outputs-cli-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit 1 with `text` in the message.
fn fails_with(o: &Output, text: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(text), "{err}");
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A daily count series with a change (for `changepoint fit`).
fn counts(dir: &Path) -> PathBuf {
    let p = dir.join("counts.csv");
    let mut s = String::from("count\n");
    for i in 0..40 {
        s.push_str(if i < 20 { "2\n" } else { "9\n" });
    }
    std::fs::write(&p, s).unwrap();
    p
}

fn fit(counts: &Path, out: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = bin();
    c.args(["changepoint", "fit", "--input"])
        .arg(counts)
        .arg("--out")
        .arg(out);
    c
}

/// Runs `cmd` with its standard output a pipe whose reading end is closed
/// before the command writes.
fn with_closed_stdout(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_or_full_standard_output_is_no_panic() {
    let d = tmpdir("pipe");
    let series = d.join("series.csv");
    let text: String = (0..300).map(|i| format!("{}\n", i % 7)).collect();
    std::fs::write(&series, text).unwrap();
    let cmds: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["acf".into(), "--input".into(), series.clone().into()],
        vec![
            "mwu".into(),
            "--x".into(),
            series.clone().into(),
            "--y".into(),
            series.clone().into(),
        ],
        vec![
            "kde".into(),
            "--input".into(),
            series.clone().into(),
            "--at".into(),
            series.clone().into(),
        ],
    ];
    for args in &cmds {
        let o = with_closed_stdout(bin().args(args));
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: a closed pipe is quiet: {err}");
        let full = std::fs::File::create("/dev/full").unwrap();
        let o = bin().args(args).stdout(full).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.starts_with("error: writing standard output:"),
            "{args:?}: {err}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn dash_streams_to_standard_output() {
    let d = tmpdir("dash");
    let c = counts(&d);
    let o = fit(&c, "-").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["map_tau"], 20);
    assert_eq!(names(&d), ["counts.csv"], "no file named - or temporary");
    // A generator's lines go to standard output, its summary to stderr.
    let o = bin()
        .args(["features", "generate", "--users", "5", "--days", "2"])
        .args(["--out", "-"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.lines().count() > 1 && !out.contains("\"written\""));
    assert!(stderr(&o).contains("\"written\""), "{}", stderr(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn symlinks_are_written_through_and_devices_and_fifos_stay() {
    use std::os::unix::fs::FileTypeExt;
    let d = tmpdir("links");
    let c = counts(&d);
    // A symlink: its target gets the output, the link stays a link.
    std::fs::write(d.join("real.json"), "old").unwrap();
    std::os::unix::fs::symlink("real.json", d.join("link.json")).unwrap();
    let o = fit(&c, d.join("link.json")).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let meta = std::fs::symlink_metadata(d.join("link.json")).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    assert!(
        std::fs::read_to_string(d.join("real.json"))
            .unwrap()
            .contains("map_tau")
    );
    // A device (through a link, so that a failure cannot hurt /dev/null).
    std::os::unix::fs::symlink("/dev/null", d.join("null")).unwrap();
    let o = fit(&c, d.join("null")).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::metadata(d.join("null"))
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // A FIFO is streamed to its reader and stays a FIFO.
    let fifo = d.join("fifo");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = fit(&c, &fifo).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(reader.join().unwrap().contains("map_tau"));
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(
        names(&d),
        ["counts.csv", "fifo", "link.json", "null", "real.json"]
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_directory_as_output_fails_before_work_and_leaves_no_temporary() {
    let d = tmpdir("isdir");
    let c = counts(&d);
    std::fs::create_dir(d.join("posterior.json")).unwrap();
    let o = fit(&c, d.join("posterior.json")).output().unwrap();
    assert_eq!(
        names(&d),
        ["counts.csv", "posterior.json"],
        "temporary left"
    );
    fails_with(&o, "is a directory");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn generator_days_are_capped_with_the_flag_named() {
    let d = tmpdir("days");
    for cmd in [
        vec!["lanl", "generate", "--out"],
        vec!["features", "generate", "--out"],
    ] {
        let target = d.join("out");
        let o = bin()
            .args(&cmd)
            .arg(&target)
            .args(["--days", "1000000000"])
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(err.contains("--days") && err.contains("3650"), "{err}");
        assert!(!target.exists());
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
fn interrupt(signal: &str, code: i32) {
    let d = tmpdir(&format!("signal-{signal}"));
    let out = d.join("lanl");
    let mut child = bin()
        .args([
            "lanl", "generate", "--users", "2000", "--days", "3650", "--out",
        ])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the temporary files exist and hold data.
    let t0 = std::time::Instant::now();
    loop {
        let big = out.is_dir()
            && std::fs::read_dir(&out).unwrap().any(|e| {
                let e = e.unwrap();
                e.file_name().to_string_lossy().contains(".tmp-")
                    && e.metadata().map(|m| m.len() > 0).unwrap_or(false)
            });
        if big {
            break;
        }
        assert!(t0.elapsed().as_secs() < 60, "no temporary file appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let st = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(code), "{status:?}");
    assert_eq!(names(&out), Vec::<String>::new(), "temporary files left");
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_temporary_files() {
    interrupt("-INT", 130);
    interrupt("-TERM", 143);
}

#[test]
fn outputs_are_checked_before_the_first_one_is_written() {
    let d = tmpdir("early");
    let c = counts(&d);
    let post = d.join("posterior.json");
    let o = fit(&c, &post)
        .arg("--plot")
        .arg(d.join("x.txt"))
        .output()
        .unwrap();
    fails_with(&o, "unsupported output format");
    assert!(!post.exists(), "posterior.json written before the failure");
    let model = d.join("model.json");
    let o = bin()
        .args(["attack", "train", "--input"])
        .arg(data("attack-flow/flows.jsonl"))
        .arg("--out")
        .arg(&model)
        .arg("--plot")
        .arg(d.join("x.txt"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!model.exists(), "model.json written before the failure");
    // With a model, the heat map and a CSV in a missing directory.
    let o = bin()
        .args(["attack", "train", "--input"])
        .arg(data("attack-flow/flows.jsonl"))
        .arg("--out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let png = d.join("heat.png");
    let o = bin()
        .args(["attack", "heatmap", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&png)
        .arg("--csv")
        .arg(d.join("nodir/x.csv"))
        .output()
        .unwrap();
    fails_with(&o, "x.csv");
    assert!(!png.exists(), "the heat map was written before the failure");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let d = tmpdir("same");
    let c = counts(&d);
    let before = std::fs::read(&c).unwrap();
    // The same file, also under another spelling.
    let other = d.join(".").join("counts.csv");
    for out in [&c, &other] {
        let o = fit(&c, out).output().unwrap();
        fails_with(&o, "same file as the input");
        assert_eq!(std::fs::read(&c).unwrap(), before);
    }
    let events = d.join("events.csv");
    std::fs::copy(data("msticpy/demo_exchange_data.csv"), &events).unwrap();
    let before = std::fs::read(&events).unwrap();
    let o = sessionize(&events, &events);
    fails_with(&o, "same file as the input");
    assert_eq!(std::fs::read(&events).unwrap(), before);
    // markov score with the sessions file as its output.
    let sessions = d.join("sessions.jsonl");
    let o = sessionize(&events, &sessions);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(&sessions).unwrap();
    let o = bin()
        .args(["markov", "score", "--session-type", "cmds", "--input"])
        .arg(&sessions)
        .arg("--out")
        .arg(&sessions)
        .output()
        .unwrap();
    fails_with(&o, "same file as the input");
    assert_eq!(std::fs::read(&sessions).unwrap(), before);
    std::fs::remove_dir_all(&d).unwrap();
}

/// `markov sessionize` of `events` into `out`.
fn sessionize(events: &Path, out: &Path) -> Output {
    bin()
        .args(["markov", "sessionize", "--input"])
        .arg(events)
        .args(["--time-col", "TimeGenerated", "--event-col", "Operation"])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// A run that fails after writing some of its files leaves no manifest:
/// the directory says it does not hold one complete run.
#[test]
fn multi_file_outputs_end_with_a_manifest_and_a_failed_rerun_removes_it() {
    let d = tmpdir("manifest");
    let gen_dir = d.join("lanl");
    let o = bin()
        .args(["lanl", "generate", "--users", "30", "--days", "5", "--out"])
        .arg(&gen_dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(gen_dir.join("manifest.json").exists());
    let out = d.join("uploads");
    let uploads = |out: &Path| {
        let mut c = bin();
        c.args(["lanl", "uploads", "--quiet", "--auth"])
            .arg(gen_dir.join("auth.txt"))
            .arg("--flows")
            .arg(gen_dir.join("flows.txt"))
            .arg("--redteam")
            .arg(gen_dir.join("redteam.txt"))
            .arg("--out")
            .arg(out);
        c.output().unwrap()
    };
    let o = uploads(&out);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let listed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&"users.csv") && listed.contains(&"summary.json"),
        "{m}"
    );
    // A rerun that fails at a figure, after users.csv.
    std::fs::remove_file(out.join("upload_distributions.png")).unwrap();
    std::fs::create_dir(out.join("upload_distributions.png")).unwrap();
    std::fs::write(out.join("upload_distributions.png/keep"), "x").unwrap();
    let o = uploads(&out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        !out.join("manifest.json").exists(),
        "the manifest of the earlier run stayed beside this run's files"
    );
    assert!(!names(&out).iter().any(|n| n.contains(".tmp-")));
    std::fs::remove_dir_all(&d).unwrap();
}
