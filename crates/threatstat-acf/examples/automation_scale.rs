//! The cost of the Ljung–Box automation rule on a trail-sized input, and its
//! false alarms on sparse pairs with no automation:
//!
//! ```text
//! cargo run --release -p threatstat-acf --example automation_scale [PAIRS] [RUNS]
//! ```
//!
//! PAIRS pairs (default 100,000): 98% people's sparse pairs (Poisson
//! 0.05–0.3 a day, 30–120 days), 2% planted jobs (weekdays-only, weekly,
//! every other day, hourly in working hours; 90 days). Prints the seconds of
//! `detect` with permutation and χ² p-values, the flags and the orderings
//! sampled. Then RUNS (default 0) complete-null runs of PAIRS pairs: the
//! runs with any flag under each p-value method.

use std::time::Instant;
use threatstat_acf::automation::{PairSeries, Rule, detect};
use threatstat_acf::simulate::{Job, NullPairs, job_counts};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("PAIRS and RUNS are whole numbers"))
        .collect();
    let pairs = args.first().copied().unwrap_or(100_000);
    let runs = args.get(1).copied().unwrap_or(0);
    let jobs = pairs / 50;
    let mut series = NullPairs::sparse().pairs(pairs - jobs).generate(1);
    let kinds = [
        Job::WeekdaysOnly,
        Job::Weekly,
        Job::EveryOtherDay,
        Job::HourlyWorkingHours,
    ];
    for i in 0..jobs {
        let job = kinds[i % kinds.len()];
        series.push(PairSeries {
            principal: format!("job-{i}"),
            api: job.name().into(),
            counts: job_counts(job, 90, i as u64),
        });
    }
    println!(
        "{pairs} pairs ({jobs} planted jobs), {} threads",
        rayon::current_num_threads()
    );
    for (name, rule) in [
        ("permutation", Rule::ljung_box()),
        ("chi-square", Rule::ljung_box_chi2()),
    ] {
        let t0 = Instant::now();
        let d = detect(&series, &rule);
        let secs = t0.elapsed().as_secs_f64();
        let flagged: Vec<_> = d.iter().filter(|x| x.flagged).collect();
        let jobs_found = flagged
            .iter()
            .filter(|x| x.principal.starts_with("job-"))
            .count();
        let orderings: u64 = d.iter().map(|x| x.permutations).sum();
        let max_orderings = d.iter().map(|x| x.permutations).max().unwrap_or(0);
        println!(
            "{name}: {secs:.2} s, {} flagged ({jobs_found} of {jobs} jobs, {} people), {orderings} orderings (at most {max_orderings} for one pair)",
            flagged.len(),
            flagged.len() - jobs_found,
        );
    }
    if runs > 0 {
        let (mut perm, mut chi2) = (0, 0);
        let t0 = Instant::now();
        for seed in 0..runs as u64 {
            let null = NullPairs::sparse().pairs(pairs).generate(1000 + seed);
            perm += usize::from(detect(&null, &Rule::ljung_box()).iter().any(|x| x.flagged));
            chi2 += usize::from(
                detect(&null, &Rule::ljung_box_chi2())
                    .iter()
                    .any(|x| x.flagged),
            );
        }
        println!(
            "complete null, {runs} runs of {pairs} pairs: a flag in {perm} runs (permutation), {chi2} runs (chi-square); {:.1} s",
            t0.elapsed().as_secs_f64()
        );
    }
}
