//! Times the LANL upload aggregation (owners from `auth.txt`, then bytes per
//! owner and day from `flows.txt`) natively, on DataFusion, on Parquet, and
//! (with `--features ballista`) on a loopback Ballista cluster, and checks
//! that all give the same rows.
//!
//! ```sh
//! threatstat lanl generate --out /tmp/lanl --users 2000 --days 58 --seed 1
//! cargo run --release -p threatstat-engine --features ballista --example engine_scale -- /tmp/lanl
//! ```

use std::path::PathBuf;
use std::time::Instant;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::lanl::{OwnerMap, OwnerRule, upload_bytes_per_interval};
use threatstat_engine::{Engine, Source, Table};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: engine_scale DIR")?);
    let (auth, flows) = (dir.join("auth.txt"), dir.join("flows.txt"));
    let lines = |p: &PathBuf| std::fs::read(p).map(|b| bytecount(&b));
    let (na, nf) = (lines(&auth)?, lines(&flows)?);
    println!("{}: {na} auth + {nf} flow lines", dir.display());
    let rule = OwnerRule::default();
    let events = (na + nf) as f64;
    let report = |what: &str, secs: f64| {
        println!(
            "{what:<32} {secs:>8.2} s  {:>7.2} M events/s",
            events / secs / 1e6
        );
    };

    let t = Instant::now();
    let owners = OwnerMap::from_auth_with(&auth, BadRowPolicy::Error, &rule)?;
    let native = upload_bytes_per_interval(&flows, &owners, 86_400, BadRowPolicy::Error)?;
    report("native (threatstat-datasets)", t.elapsed().as_secs_f64());

    let check = |name: &str, got: &threatstat_engine::Uploads| {
        assert_eq!(got.owners.users(), native.users(), "{name}: users");
        assert_eq!(got.rows, native.rows(), "{name}: rows");
    };
    let local = Engine::local()?;
    let t = Instant::now();
    let got = local.lanl_uploads(&Source::csv(&auth), &Source::csv(&flows), &rule, 86_400)?;
    report("DataFusion, text", t.elapsed().as_secs_f64());
    check("DataFusion", &got);

    let pq = dir.join("parquet");
    let _ = std::fs::remove_dir_all(&pq);
    let t = Instant::now();
    local.to_parquet(Table::LanlAuth, &Source::csv(&auth), &pq.join("auth"))?;
    local.to_parquet(Table::LanlFlows, &Source::csv(&flows), &pq.join("flows"))?;
    report("  (conversion to Parquet)", t.elapsed().as_secs_f64());
    let (pa, pf) = (
        Source::parquet(pq.join("auth")),
        Source::parquet(pq.join("flows")),
    );
    let t = Instant::now();
    let got = local.lanl_uploads(&pa, &pf, &rule, 86_400)?;
    report("DataFusion, Parquet", t.elapsed().as_secs_f64());
    check("DataFusion Parquet", &got);

    #[cfg(feature = "ballista")]
    {
        let cluster = Engine::loopback(2, 1)?;
        let t = Instant::now();
        let got = cluster.lanl_uploads(&Source::csv(&auth), &Source::csv(&flows), &rule, 86_400)?;
        report("Ballista loopback (2x1), text", t.elapsed().as_secs_f64());
        check("Ballista", &got);
        let t = Instant::now();
        let got = cluster.lanl_uploads(&pa, &pf, &rule, 86_400)?;
        report(
            "Ballista loopback (2x1), Parquet",
            t.elapsed().as_secs_f64(),
        );
        check("Ballista Parquet", &got);
    }
    std::fs::remove_dir_all(&pq)?;
    println!(
        "all backends gave the native rows ({} rows)",
        native.rows().len()
    );
    Ok(())
}

fn bytecount(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}
