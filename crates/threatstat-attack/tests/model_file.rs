//! The model file keeps the layout written since format version 1, now
//! that it is core's `ModelFile` envelope instead of a hand-written one:
//! files saved by earlier builds load, and a model is written byte for
//! byte as before (indented, `format` and `version` first).

use threatstat_attack::{Tactic, TacticChain, TacticChainModel, TacticSet};
use threatstat_core::ModelFile;

/// A file as the hand-written writer of format version 1 wrote it.
const VERSION_1_FILE: &str = r#"{
  "format": "threatstat-attack-tactic-chain",
  "version": 1,
  "attack_version": "custom tactics",
  "order": 1,
  "alpha": 1.0,
  "collapse_repeats": true,
  "tactics": [
    {
      "id": "TA0001",
      "shortname": "a",
      "name": "A"
    }
  ],
  "training": {
    "flows": 0,
    "sequences": 1.0
  },
  "counts": [
    {
      "context": [
        "START",
        "TA0001"
      ],
      "next": "END",
      "count": 1.0
    },
    {
      "context": [
        "START",
        "START"
      ],
      "next": "TA0001",
      "count": 1.0
    }
  ],
  "technique_votes": {
    "votes": {}
  }
}"#;

fn one_tactic() -> TacticSet {
    TacticSet::new(vec![Tactic {
        id: "TA0001".into(),
        shortname: "a".into(),
        name: "A".into(),
    }])
    .unwrap()
}

#[test]
fn a_model_is_written_as_format_version_1_wrote_it() {
    let m = TacticChain::params()
        .order(1)
        .alpha(1.0)
        .fit_sequences(&one_tactic(), &[vec![0]])
        .unwrap();
    assert_eq!(m.to_json().unwrap(), VERSION_1_FILE);
}

#[test]
fn a_version_1_file_loads() {
    let m = TacticChainModel::from_json(VERSION_1_FILE).unwrap();
    assert_eq!((m.order(), m.alpha(), m.collapse_repeats()), (1, 1.0, true));
    assert_eq!(m.counts().sequences(), 1.0);
    assert_eq!(m.attack_version(), "custom tactics");
    let d = std::env::temp_dir().join(format!("threatstat-attack-mf-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join("model.json");
    m.save(&p).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), VERSION_1_FILE);
    assert_eq!(TacticChainModel::load(&p).unwrap(), m);
    std::fs::remove_dir_all(&d).unwrap();
}
