//! ATT&CK tactic-chain hot paths: reading and fitting the 40 Attack Flow
//! incidents, the leave-one-flow-out grid (2 orders × 10 α), scoring 10^6
//! tactic chains, and correlating 10^6 alerts of 10^5 entities (grouping,
//! time-ordering, scoring against the attack model and the uniform baseline,
//! ranking).
//!
//! `cargo bench -p threatstat-benches --bench attack`
//! (`THREATSTAT_BENCH_ALERTS` changes the number of alerts.)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use threatstat_attack::correlate::{Alert, entity_chains, rank_entities};
use threatstat_attack::{Catalogue, Ending, FlowCorpus, TacticChain, loo_grid};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn flows_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/attack-flow/flows.jsonl")
}

fn fit(c: &mut Criterion) {
    let path = flows_path();
    let cat = Catalogue::bundled();
    let mut g = c.benchmark_group("attack_fit_40_flows");
    g.throughput(Throughput::Elements(40));
    g.bench_function("read_extract_fit_order2", |b| {
        b.iter(|| {
            let corpus = FlowCorpus::read_jsonl(black_box(&path)).unwrap();
            TacticChain::params().fit(&corpus.extract(cat)).unwrap()
        })
    });
    let flows = FlowCorpus::read_jsonl(&path).unwrap().extract(cat);
    g.bench_function("loo_grid_2_orders_x_10_alphas", |b| {
        let alphas = [0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0, 64.0];
        b.iter(|| loo_grid(black_box(&flows), &[1, 2], &alphas, true).unwrap())
    });
    g.finish();
}

/// `n` chains of 1..=16 random tactics.
fn random_chains(n: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = threatstat_core::rng::seeded(seed);
    (0..n)
        .map(|_| {
            let len = rng.random_range(1..=16usize);
            (0..len).map(|_| rng.random_range(0..14usize)).collect()
        })
        .collect()
}

fn score(c: &mut Criterion) {
    let n = 1_000_000;
    let chains = random_chains(n, 5);
    let steps: usize = chains.iter().map(Vec::len).sum();
    let flows = FlowCorpus::read_jsonl(&flows_path())
        .unwrap()
        .extract(Catalogue::bundled());
    let mut g = c.benchmark_group(format!("attack_score_{n}_chains"));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(steps as u64));
    for order in [1, 2] {
        let m = TacticChain::params().order(order).fit(&flows).unwrap();
        g.bench_function(format!("log_likelihood_order{order}"), |b| {
            b.iter(|| {
                let mut s = 0.0;
                for ch in black_box(&chains) {
                    s += m.log_likelihood(ch, Ending::Complete).unwrap();
                }
                s
            })
        });
    }
    g.finish();
}

fn correlate(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_ALERTS", 1_000_000);
    let entities = (n / 10).max(1);
    let mut rng = threatstat_core::rng::seeded(9);
    let names: Vec<String> = (0..entities).map(|e| format!("host{e:06}")).collect();
    let alerts: Vec<Alert> = (0..n)
        .map(|_| Alert {
            entity: names[rng.random_range(0..entities)].clone(),
            time_ns: rng.random_range(0..30 * 86_400i64) * 1_000_000_000,
            label: String::new(),
            tactic: rng.random_range(0..14usize),
            line: 0,
        })
        .collect();
    let flows = FlowCorpus::read_jsonl(&flows_path())
        .unwrap()
        .extract(Catalogue::bundled());
    let attack = TacticChain::params().fit(&flows).unwrap();
    let base = attack.params().uniform(attack.tactics()).unwrap();
    let mut g = c.benchmark_group(format!("attack_correlate_{n}_alerts_{entities}_entities"));
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("group_order_score_rank", |b| {
        b.iter(|| {
            let chains = entity_chains(black_box(&alerts));
            rank_entities(&chains, &attack, &base, Ending::Complete).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, fit, score, correlate);
criterion_main!(benches);
