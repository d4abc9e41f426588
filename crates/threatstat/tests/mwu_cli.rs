//! `threatstat mwu`: the CLI contract.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-mwu-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the command; (success, stdout, stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_lines(p: &Path, v: &[f64]) {
    let s: String = v.iter().map(|x| format!("{x}\n")).collect();
    std::fs::write(p, s).unwrap();
}

fn f64le(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A gzip member with stored (uncompressed) deflate blocks.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut crc_table = [0u32; 256];
    for (i, c) in crc_table.iter_mut().enumerate() {
        let mut v = i as u32;
        for _ in 0..8 {
            v = if v & 1 == 1 {
                0xEDB8_8320 ^ (v >> 1)
            } else {
                v >> 1
            };
        }
        *c = v;
    }
    let mut crc = !0u32;
    for &b in data {
        crc = crc_table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, c) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = c.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend((!crc).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

const MALES: [f64; 5] = [19.0, 22.0, 16.0, 29.0, 24.0];
const FEMALES: [f64; 4] = [20.0, 11.0, 17.0, 12.0];

#[test]
fn scipy_docstring_example_auto_is_exact() {
    let d = tmpdir("doc");
    let (x, y) = (d.join("males.txt"), d.join("females.txt"));
    write_lines(&x, &MALES);
    write_lines(&y, &FEMALES);
    let (ok, out, err) = run(bin().arg("mwu").arg("--x").arg(&x).arg("--y").arg(&y));
    assert!(ok, "{err}");
    let v = json(&out);
    assert_eq!(v["u"], 17.0);
    assert_eq!(v["method"], "exact");
    assert!((v["p_value"].as_f64().unwrap() - 0.1111111111111111).abs() < 1e-15);
    for k in [
        "rank_biserial",
        "cles",
        "hodges_lehmann",
        "ci_low",
        "ci_high",
        "ln_p_value",
    ] {
        assert!(v[k].is_number(), "{k}: {out}");
    }
    assert_eq!(v["hodges_lehmann"], 7.0);
    assert_eq!(v["cles"], 0.85);
    // SciPy: mannwhitneyu(males, females, use_continuity=False, method="asymptotic")
    let (ok, out, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(&x)
        .arg("--y")
        .arg(&y)
        .args(["--method", "asymptotic", "--no-continuity"]));
    assert!(ok, "{err}");
    let v = json(&out);
    assert_eq!(v["method"], "asymptotic");
    assert!((v["p_value"].as_f64().unwrap() - 0.0864107329737).abs() < 1e-12);
    // females vs males, less: 0.05555...
    let (ok, out, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(&y)
        .arg("--y")
        .arg(&x)
        .args(["--alternative", "less"]));
    assert!(ok, "{err}");
    let v = json(&out);
    assert_eq!(v["u"], 3.0);
    assert!((v["p_value"].as_f64().unwrap() - 0.05555555555555555).abs() < 1e-15);
    // one-sided interval: the open end is null in JSON
    assert!(v["ci_low"].is_null() && v["ci_high"].is_number(), "{out}");
}

#[test]
fn raw_f64_plain_and_gzip_give_the_same_result_as_text() {
    let d = tmpdir("f64");
    let x: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64 * 1.5).collect();
    let y: Vec<f64> = (0..250)
        .map(|i| ((i * 53) % 97) as f64 * 1.7 + 3.0)
        .collect();
    write_lines(&d.join("x.txt"), &x);
    write_lines(&d.join("y.txt"), &y);
    std::fs::write(d.join("x.f64"), f64le(&x)).unwrap();
    std::fs::write(d.join("y.f64.gz"), gzip(&f64le(&y))).unwrap();
    let (ok, text, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(d.join("x.txt"))
        .arg("--y")
        .arg(d.join("y.txt")));
    assert!(ok, "{err}");
    let (ok, raw, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(d.join("x.f64"))
        .arg("--y")
        .arg(d.join("y.f64.gz"))
        .arg("--f64le"));
    assert!(ok, "{err}");
    assert_eq!(json(&text), json(&raw));
    let v = json(&raw);
    assert_eq!(v["method"], "asymptotic");
    assert_eq!(v["n_x"], 300);
    assert_eq!(v["n_y"], 250);
    assert_eq!(v["ties"], true);
}

#[test]
fn bad_input_names_file_and_line() {
    let d = tmpdir("bad");
    let good = d.join("good.txt");
    write_lines(&good, &MALES);
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "word.txt",
            b"1\n2\nabc\n4\n",
            ":3: expected a number, found `abc`",
        ),
        (
            "nan.txt",
            b"1\nNaN\n",
            ":2: expected a finite number, found `NaN`",
        ),
        ("blank.txt", b"1\n\n2\n", ":2: blank line"),
        (
            "inf.txt",
            b"1\n-inf\n",
            ":2: expected a finite number, found `-inf`",
        ),
        ("empty.txt", b"\n \n", "no numbers in the file"),
        (
            "latin1.txt",
            b"1\n2\xe9\n",
            ":2: the line is not valid UTF-8",
        ),
    ];
    for (name, content, expect) in cases {
        let p = d.join(name);
        std::fs::write(&p, content).unwrap();
        let (ok, _, err) = run(bin().arg("mwu").arg("--x").arg(&good).arg("--y").arg(&p));
        assert!(!ok, "{name}");
        assert!(err.contains(name) && err.contains(expect), "{name}: {err}");
    }
    // raw f64: wrong length, NaN
    let p = d.join("short.f64");
    std::fs::write(&p, [0u8; 12]).unwrap();
    let (ok, _, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(&p)
        .arg("--y")
        .arg(&p)
        .arg("--f64le"));
    assert!(!ok);
    assert!(
        err.contains("short.f64") && err.contains("12 bytes"),
        "{err}"
    );
    let p = d.join("nan.f64");
    std::fs::write(&p, f64le(&[1.0, 2.0, f64::NAN])).unwrap();
    let (ok, _, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(&p)
        .arg("--y")
        .arg(&p)
        .arg("--f64le"));
    assert!(!ok);
    assert!(
        err.contains("nan.f64") && err.contains("value #3 (byte offset 16)"),
        "{err}"
    );
    // a missing file
    let (ok, _, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(d.join("missing.txt"))
        .arg("--y")
        .arg(&good));
    assert!(!ok);
    assert!(err.contains("missing.txt"), "{err}");
}

#[test]
fn bad_options_are_explained() {
    let d = tmpdir("opts");
    let x = d.join("x.txt");
    write_lines(&x, &MALES);
    let (ok, _, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(&x)
        .arg("--y")
        .arg(&x)
        .args(["--alternative", "sideways"]));
    assert!(!ok);
    assert!(err.contains("two-sided, less or greater"), "{err}");
    let (ok, _, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(&x)
        .arg("--y")
        .arg(&x)
        .args(["--method", "bootstrap"]));
    assert!(!ok);
    assert!(err.contains("auto, exact or asymptotic"), "{err}");
    // exact beyond the supported sizes: an error, not a silent fallback
    let big: Vec<f64> = (0..3000).map(f64::from).collect();
    let b = d.join("big.txt");
    write_lines(&b, &big);
    let (ok, _, err) = run(bin()
        .arg("mwu")
        .arg("--x")
        .arg(&b)
        .arg("--y")
        .arg(&b)
        .args(["--method", "exact"]));
    assert!(!ok);
    assert!(
        err.contains("exact distribution of U is not computed"),
        "{err}"
    );
}
