//! Markov scoring of the msticpy demo Exchange sessions (the msticpy
//! `AnomalousSequence` notebook), for the three session types.

use crate::{Comparison, Error, Summary};
use serde::Serialize;
use std::path::Path;
use threatstat_core::BadRowPolicy;
use threatstat_markov::io::EventColumns;
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_markov::{SessionType, WindowOptions};
use threatstat_plot::{TimelinePoint, TimelineSpec};
use threatstat_workflow::markov::{
    FitOptions, FitRequest, ModelSource, ScoreRequest, SessionizeRequest, fit_file, score_file,
    sessionize_file, timeline_point,
};

/// Directory name of this analysis under `results/`.
pub const NAME: &str = "exchange_sequences";

#[derive(Serialize)]
struct Rare {
    session_id: u64,
    user: Option<String>,
    likelihood: f64,
    window: Vec<String>,
}

/// Runs the analysis on `data/msticpy/demo_exchange_data.csv` under
/// `data_dir` and writes `out_dir`: the CLI's pipeline (`markov sessionize`,
/// then `markov fit` and `markov score --model` per session type, through
/// the same `threatstat_workflow::markov` functions), then the rarest
/// sessions and the timelines.
pub fn run(data_dir: &Path, out_dir: &Path) -> Result<Summary, Error> {
    let t0 = std::time::Instant::now();
    std::fs::create_dir_all(out_dir)?;
    let sessions = out_dir.join("sessions.jsonl");
    let split = sessionize_file(&SessionizeRequest {
        input: data_dir.join("msticpy/demo_exchange_data.csv"),
        columns: EventColumns {
            user_cols: vec!["UserId".into(), "ClientIP".into()],
            time_col: "TimeGenerated".into(),
            event_col: "Operation".into(),
            params_col: Some("Parameters".into()),
        },
        params: SessionizeParams::new(20.0, 2.0),
        out: sessions.clone(),
        bad_rows: BadRowPolicy::Error,
    })?;
    let mut figures = Vec::new();
    let mut interactive = Vec::new();
    let mut key_numbers = vec![
        ("events".to_string(), split.events.to_string()),
        (
            "sessions (UserId, ClientIP; 20 min, 2 min gap)".to_string(),
            split.sessions.to_string(),
        ),
    ];
    let mut comparisons = vec![Comparison {
        quantity: "sessions from the notebook's sessionize_data call".into(),
        published: "400".into(),
        ours: split.sessions.to_string(),
        agrees: split.sessions == 400,
    }];
    let mut rare_all = serde_json::Map::new();
    for t in [
        SessionType::Cmds,
        SessionType::CmdsParams,
        SessionType::CmdsParamsValues,
    ] {
        let name = t.msticpy_name();
        let model = out_dir.join(format!("model_{name}.json"));
        fit_file(&FitRequest {
            input: sessions.clone(),
            fit: FitOptions::new(t),
            out: model.clone(),
            bad_rows: BadRowPolicy::Error,
        })?;
        let scored = score_file(&ScoreRequest {
            input: sessions.clone(),
            model: ModelSource::Saved {
                path: model,
                session_type: Some(t),
            },
            window: WindowOptions::new(3),
            log: false,
            out: out_dir.join(format!("scores_{name}_w3.csv")),
            bad_rows: BadRowPolicy::Error,
        })?;
        let (file, scores) = (&scored.file, &scored.scores);
        let mut order: Vec<usize> = (0..scores.len())
            .filter(|&i| !scores[i].likelihood.is_nan())
            .collect();
        order.sort_by(|&a, &b| scores[a].likelihood.total_cmp(&scores[b].likelihood));
        let rare: Vec<Rare> = order
            .iter()
            .take(10)
            .map(|&i| Rare {
                session_id: file.meta[i].session_id,
                user: file.meta[i].users.iter().find_map(|(_, v)| v.clone()),
                likelihood: scores[i].likelihood,
                window: scores[i]
                    .commands(&file.sessions, i)
                    .into_iter()
                    .map(String::from)
                    .collect(),
            })
            .collect();
        if t == SessionType::Cmds {
            let top: Vec<u64> = rare.iter().take(4).map(|r| r.session_id).collect();
            comparisons.push(Comparison {
                quantity: "rarest sessions, commands only, window 3 (msticpy notebook)".into(),
                published: "157, 216, 261, 247".into(),
                ours: format!("{top:?}").trim_matches(['[', ']']).into(),
                agrees: top == [157, 216, 261, 247],
            });
            let w = &rare[0].window;
            comparisons.push(Comparison {
                quantity: "rarest window of session 157".into(),
                published: "[New-Mailbox, Set-Mailbox]".into(),
                ours: format!("[{}]", w.join(", ")),
                agrees: rare[0].session_id == 157 && w == &["New-Mailbox", "Set-Mailbox"],
            });
        }
        let points: Vec<TimelinePoint> = (0..scores.len())
            .map(|i| {
                let w =
                    threatstat_core::pyfmt::py_json_str_list(scores[i].commands(&file.sessions, i));
                timeline_point(file, i, scores[i].likelihood, &w)
            })
            .collect();
        let spec = TimelineSpec {
            title: format!("Exchange admin sessions: rarest window of 3 ({name})"),
            y_label: "rarest-window likelihood (log scale)".into(),
            ..Default::default()
        };
        for ext in ["png", "svg", "html"] {
            let f = format!("timeline_{name}.{ext}");
            threatstat_plot::timeline(&points, &spec, &out_dir.join(&f))?;
            let rel = format!("{NAME}/{f}");
            match ext {
                "png" => figures.push(rel),
                "html" => interactive.push(rel),
                _ => {}
            }
        }
        key_numbers.push((
            format!("{name}: sessions with a full window / rarest likelihood"),
            format!(
                "{} / {:.3e} (session {})",
                order.len(),
                rare[0].likelihood,
                rare[0].session_id
            ),
        ));
        rare_all.insert(name.into(), serde_json::to_value(&rare)?);
    }
    let summary = Summary {
        name: NAME.into(),
        title: "Markov scoring of Exchange admin sessions (msticpy anomalous_sequence)".into(),
        finding: "Most sessions repeat the tenant's routine policy and user updates; the rarest \
                  windows are one-off mailbox creation and permission changes, the same sessions \
                  the msticpy notebook flags, with the same likelihoods (to 1e-15 relative, \
                  tests/golden.rs of threatstat-markov)."
            .into(),
        figures,
        interactive,
        key_numbers,
        comparisons,
        seconds: t0.elapsed().as_secs_f64(),
    };
    let mut json = serde_json::to_value(&summary)?;
    json["rarest_sessions"] = serde_json::Value::Object(rare_all);
    crate::write_file(
        out_dir.join("summary.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    Ok(summary)
}
