//! `threatstat attack ...`: ATT&CK tactic-chain models learned from the
//! Attack Flow corpus, alert correlation, and the OTRF evaluation.

use crate::args;
use crate::outputs::prepare;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use threatstat_attack::correlate::{
    AlertColumns, entity_chains, rank_entities, read_alerts, write_ranking_csv,
};
use threatstat_attack::evaluate::{
    EvaluationParams, evaluate, held_out_chains, read_otrf_mappings,
};
use threatstat_attack::{
    Catalogue, ChainParams, DEFAULT_ALPHA, DEFAULT_ORDER, Ending, Endpoint, IdClass, TacticChain,
    TacticChainModel, TacticResolver, TacticVotes, loo_grid,
};
use threatstat_attack::{END, START};
use threatstat_core::atomic::AtomicFile;
use threatstat_core::{BadRowPolicy, Fit, ModelFile};

mod correlate;
mod evaluate;
mod heatmap;
mod loo;
mod lookup;
mod query;
mod train;

use correlate::{CorrelateArgs, correlate};
use evaluate::{EvaluateArgs, evaluate_cmd};
use heatmap::{HeatmapArgs, heatmap};
use loo::{LooArgs, loo};
use lookup::{LookupArgs, lookup};
use query::{NextArgs, PathArgs, ScoreArgs, endpoint, next, path, score, stationary};
use train::{TrainArgs, train};

type BoxError = Box<dyn Error + Send + Sync>;
type Res = Result<(), BoxError>;

#[derive(Subcommand)]
pub enum AttackCmd {
    /// Train a tactic-chain model on Attack Flow incidents (flows.jsonl).
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack train --input data/attack-flow/flows.jsonl --order 1 --smoothing 4 --out tactics1.json --plot transitions.png --issues issues.json\n  threatstat attack train --input data/attack-flow/flows.jsonl --smoothing opt --out tactics-opt.json"
    )]
    Train(TrainArgs),
    /// Probability, log-likelihood and per-step probabilities of a tactic sequence (JSON).
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack score --model tactics.json --sequence TA0001,TA0002,TA0007\n  threatstat attack score --model tactics.json --sequence initial-access,T1059.001 --open"
    )]
    Score(ScoreArgs),
    /// The most likely next tactics after a sequence (JSON list, most probable first).
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack next --model tactics.json --after TA0001,TA0002 --top 3"
    )]
    Next(NextArgs),
    /// The most probable path between two tactics (or START / END) (JSON; --plot draws it).
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack path --model tactics.json --from TA0001 --to TA0040 --plot path.svg"
    )]
    Path(PathArgs),
    /// The stationary distribution over tactics (JSON).
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack stationary --model tactics.json"
    )]
    Stationary(ModelArg),
    /// The tactic transition matrix as a heat map (PNG or SVG) and optionally CSV.
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack heatmap --model tactics.json --out transitions.png --csv transitions.csv --path-from START --path-to END"
    )]
    Heatmap(HeatmapArgs),
    /// Leave-one-flow-out log-likelihood for each order × smoothing (the curve), and per order the smoothing that maximises it (argmin).
    #[command(
        after_help = "The `opt` rows: per order, the smoothing maximising the leave-one-flow-out log-likelihood (argmin's Brent on ln alpha over --min-smoothing..--max-smoothing), with a rough interval: the smoothing where the log-likelihood is within 1.92 of its maximum. A `.json` --out also holds the curvature, a Laplace interval and the solver's state.\n\nExamples (from the repository root):\n  threatstat attack loo --input data/attack-flow/flows.jsonl\n  threatstat attack loo --input data/attack-flow/flows.jsonl --orders 2 --smoothings 8,16,32 --out loo.csv --quiet\n  threatstat attack loo --input data/attack-flow/flows.jsonl --out loo.json"
    )]
    Loo(LooArgs),
    /// Rank entities (users, hosts) by how attack-like their alert chains are.
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack correlate --model tactics.json --alerts crates/threatstat/tests/bad_input/valid/alerts.csv --out ranked.csv"
    )]
    Correlate(CorrelateArgs),
    /// OTRF captures' technique labels as held-out chains vs shuffled and random-alert chains.
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack train --input data/attack-flow/flows.jsonl --out tactics.json\n  threatstat attack evaluate --model tactics.json --otrf data/otrf/attack_mappings.csv --seed 1 --out evaluation.json"
    )]
    Evaluate(EvaluateArgs),
    /// Look up tactics and techniques in the bundled ATT&CK catalogue (JSON).
    #[command(
        after_help = "Examples (from the repository root):\n  threatstat attack lookup TA0001 T1059.001 discovery\n  threatstat attack lookup --by-name PowerShell"
    )]
    Lookup(LookupArgs),
}

#[derive(Args)]
pub struct ModelArg {
    /// A model written by `threatstat attack train`.
    #[arg(long)]
    model: PathBuf,
}

/// `--quiet`, for the subcommands that print summary lines on stderr.
#[derive(Args, Clone, Copy)]
pub struct Quiet {
    /// No summary lines on stderr (warnings and errors still print).
    #[arg(long)]
    quiet: bool,
}

impl Quiet {
    /// Prints `line` on stderr unless `--quiet`.
    fn say(self, line: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

pub fn run(c: AttackCmd) -> Res {
    match c {
        AttackCmd::Train(a) => train(&a),
        AttackCmd::Score(a) => score(&a),
        AttackCmd::Next(a) => next(&a),
        AttackCmd::Path(a) => path(&a),
        AttackCmd::Stationary(a) => stationary(&a),
        AttackCmd::Heatmap(a) => heatmap(&a),
        AttackCmd::Loo(a) => loo(&a),
        AttackCmd::Correlate(a) => correlate(&a),
        AttackCmd::Evaluate(a) => evaluate_cmd(&a),
        AttackCmd::Lookup(a) => lookup(&a),
    }
}

fn print_json(v: &Value) -> Res {
    crate::print::print_json(v)
}

fn write_json(path: &Path, v: &Value) -> Res {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut f, v)?;
    f.commit()?;
    Ok(())
}

/// A CSV writer whose file appears on [`commit_csv`].
fn csv_file(p: &Path) -> Result<csv::Writer<AtomicFile>, BoxError> {
    Ok(csv::Writer::from_writer(AtomicFile::create(p)?))
}

fn commit_csv(w: csv::Writer<AtomicFile>) -> Res {
    w.into_inner().map_err(|e| e.into_error())?.commit()?;
    Ok(())
}

/// Comma-separated labels; an empty list or an empty item is an error.
fn split_labels(s: &str, what: &str) -> Result<Vec<String>, BoxError> {
    if s.trim().is_empty() {
        return Err(threatstat_attack::AttackError::EmptySequence.into());
    }
    let v: Vec<String> = s.split(',').map(|x| x.trim().to_string()).collect();
    if let Some(i) = v.iter().position(String::is_empty) {
        return Err(format!("{what}: item {} of `{s}` is empty", i + 1).into());
    }
    Ok(v)
}

/// Reads and validates an Attack Flow corpus the one way every command
/// does: a summary line on stderr (unless `--quiet`) and one example (with
/// file and line) of each kind of warning, so a flow that loses its actions
/// is always named.
fn read_flows(path: &Path, quiet: Quiet) -> Result<threatstat_attack::TacticFlows, BoxError> {
    let cat = Catalogue::bundled();
    let flows = threatstat_attack::FlowCorpus::read_jsonl(path)?.extract(cat);
    let warnings: Vec<_> = flows
        .issues
        .iter()
        .filter(|i| i.kind.is_warning())
        .collect();
    let counts: Vec<String> = flows
        .issue_counts()
        .iter()
        .map(|(k, n)| format!("{} {n}", k.as_str()))
        .collect();
    quiet.say(format_args!(
        "{}: {} flows, {} with ATT&CK Enterprise actions; issues: {}",
        path.display(),
        flows.flows.len(),
        flows.non_empty().count(),
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        }
    ));
    // One example of each kind of warning.
    let mut shown = std::collections::BTreeSet::new();
    for w in &warnings {
        if shown.insert(w.kind) {
            let n = warnings.iter().filter(|x| x.kind == w.kind).count();
            eprintln!("  warning ({} x{n}), e.g. {w}", w.kind.as_str());
        }
    }
    Ok(flows)
}
