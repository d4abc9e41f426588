//! The ATT&CK tactic-chain figures: the transition heat map with the most
//! probable path outlined, and the most probable chain drawn as a row of
//! tactics. `threatstat attack train --plot`, `attack heatmap`,
//! `attack path --plot`, `reproduce`'s `attack_tactic_chains` and the
//! notebook draw them through these functions.
//!
//! ```no_run
//! use threatstat_attack::{Catalogue, Endpoint, FlowCorpus, TacticChain};
//! use threatstat_core::Fit;
//! let corpus = FlowCorpus::read_jsonl("data/attack-flow/flows.jsonl".as_ref()).unwrap();
//! let model = TacticChain::params().fit(&corpus.extract(Catalogue::bundled())).unwrap();
//! threatstat_workflow::attack::heatmap(&model, "heatmap.png".as_ref(), Some((Endpoint::Start, Endpoint::End))).unwrap();
//! threatstat_workflow::attack::chain_plot(&model, Endpoint::Start, Endpoint::End, "path.svg".as_ref()).unwrap();
//! ```

use std::path::Path;
use threatstat_attack::{AttackError, ChainPath, END, Endpoint, START, TacticChainModel};
use threatstat_plot::{ChainFigure, HeatmapFigure, PlotError, chain_figure, heatmap_figure};

/// Why a figure could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path query failed (an impossible path, an unknown state).
    #[error(transparent)]
    Attack(#[from] AttackError),
    /// Drawing or writing the figure failed.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// Draws `model`'s first-order transition matrix as a heat map (PNG or SVG
/// by extension), outlining the most probable path `from → to` if given.
/// Impossible transitions (a tactic to itself when repeats are merged) are
/// grey.
pub fn heatmap(
    model: &TacticChainModel,
    out: &Path,
    path: Option<(Endpoint, Endpoint)>,
) -> Result<(), Error> {
    let m = model.transition_matrix();
    let k = model.tactics().len();
    let values: Vec<Vec<f64>> =
        m.p.iter()
            .enumerate()
            .map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .map(|(c, &p)| {
                        let impossible =
                            (r == 0 && c == k) || (r > 0 && c + 1 == r && model.collapse_repeats());
                        if impossible { f64::NAN } else { p }
                    })
                    .collect()
            })
            .collect();
    let mut highlight = Vec::new();
    let mut subtitle = String::new();
    if let Some((from, to)) = path {
        let p = model.most_probable_path(from, to)?;
        let row_of = |s: &str| m.rows.iter().position(|r| r == s);
        let col_of = |s: &str| m.columns.iter().position(|c| c == s);
        for s in &p.steps {
            if let (Some(r), Some(c)) = (row_of(&s.from), col_of(&s.to)) {
                highlight.push((r, c));
            }
        }
        let mut names = p.names.clone();
        if from == Endpoint::Start {
            names.insert(0, START.into());
        }
        if to == Endpoint::End {
            names.push(END.into());
        }
        subtitle = format!(
            "outlined: the most probable path {} (order-{} model; p = {:.4})",
            names.join(" → "),
            model.order(),
            p.probability
        );
    }
    let fig = HeatmapFigure {
        title: format!(
            "ATT&CK tactic transitions learned from {} Attack Flow incidents (alpha {})",
            model.training().flows,
            model.alpha()
        ),
        subtitle,
        row_title: "from (current tactic)".into(),
        column_title: "to (next tactic)".into(),
        value_label: "first-order transition probability".into(),
        highlight,
        ..HeatmapFigure::new(&m.row_names, &m.column_names, &values)
    };
    heatmap_figure(&fig, out)?;
    Ok(())
}

/// Draws the most probable chain `from → to` of `model` (PNG or SVG by
/// extension) and returns it.
pub fn chain_plot(
    model: &TacticChainModel,
    from: Endpoint,
    to: Endpoint,
    out: &Path,
) -> Result<ChainPath, Error> {
    let p = model.most_probable_path(from, to)?;
    let mut nodes: Vec<String> = Vec::new();
    let mut details: Vec<String> = Vec::new();
    if from == Endpoint::Start {
        nodes.push("START".into());
        details.push("start of the chain".into());
    }
    for (id, name) in p.tactics.iter().zip(&p.names) {
        nodes.push(name.clone());
        details.push(id.clone());
    }
    if to == Endpoint::End {
        nodes.push("END".into());
        details.push("end of the chain".into());
    }
    let probs: Vec<f64> = p.steps.iter().map(|s| s.probability).collect();
    let fig = ChainFigure {
        title: format!(
            "Most probable tactic chain, {} → {} (order-{} model)",
            nodes.first().map_or("", String::as_str),
            nodes.last().map_or("", String::as_str),
            model.order()
        ),
        node_details: Some(&details),
        caption: format!(
            "path probability {:.4} (log {:.3}); {} flows, alpha {}",
            p.probability,
            p.log_probability,
            model.training().flows,
            model.alpha()
        ),
        ..ChainFigure::new(&nodes, &probs)
    };
    chain_figure(&fig, out)?;
    Ok(p)
}
