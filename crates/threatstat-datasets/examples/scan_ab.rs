//! A/B of the two ways `ParallelScan` feeds 2 workers on a plain LANL
//! `auth.txt`: positioned reads by the workers (what `fold` does) against a
//! reading thread (`fold_reader`), run in alternating pairs after one warm-up
//! pair, with the median, best and worst of each. Alternating pairs keep the
//! comparison fair on a machine whose speed drifts from minute to minute.
//!
//! ```sh
//! cargo run --release -p threatstat-datasets --example scan_ab -- auth.txt [pairs]
//! ```

use threatstat_datasets::lanl::{AuthEvent, Names, ParallelScan};
fn count(acc: &mut Vec<u64>, _: &Names, ev: &AuthEvent) {
    let Some(u) = ev.src_user else { return };
    if acc.len() <= u.index() {
        acc.resize(u.index() + 1, 0);
    }
    acc[u.index()] += 1;
}
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let reps: usize = std::env::args().nth(2).map_or(15, |s| s.parse().unwrap());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let bytes = std::fs::metadata(&path).unwrap().len() as f64;
    for i in 0..=reps {
        let t = std::time::Instant::now();
        let p = ParallelScan::new()
            .threads(2)
            .fold::<AuthEvent, Vec<u64>>(&path, Vec::new, count)
            .unwrap();
        let ra = p.summary.lines as f64 / t.elapsed().as_secs_f64() / 1e6;
        let t = std::time::Instant::now();
        let input = threatstat_core::reader::open(std::path::Path::new(&path)).unwrap();
        let p = ParallelScan::new()
            .threads(2)
            .fold_reader::<AuthEvent, Vec<u64>>(&path, input, Vec::new, count)
            .unwrap();
        let rb = p.summary.lines as f64 / t.elapsed().as_secs_f64() / 1e6;
        if i > 0 {
            a.push(ra);
            b.push(rb);
        }
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() - 1], v[0])
    };
    let (ma, ba, wa) = stats(&mut a);
    let (mb, bb, wb) = stats(&mut b);
    let lines = ParallelScan::new()
        .fold::<AuthEvent, Vec<u64>>(&path, Vec::new, count)
        .unwrap()
        .summary
        .lines as f64;
    let mbps = |r: f64| r * bytes / lines;
    println!(
        "positioned reads: median {ma:.2} M lines/s ({:.0} MB/s), best {ba:.2}, worst {wa:.2}",
        mbps(ma)
    );
    println!(
        "reading thread:   median {mb:.2} M lines/s ({:.0} MB/s), best {bb:.2}, worst {wb:.2}",
        mbps(mb)
    );
}
