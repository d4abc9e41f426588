//! A fitted forest saved to a file and loaded back scores exactly as the
//! fitted one; other files are refused.

use threatstat_core::ModelFile;
use threatstat_features::encode::Design;
use threatstat_features::forest::{FittedForest, RandomForest};

fn data() -> (Design, Vec<bool>) {
    let n = 200;
    let mut rng = threatstat_core::rng::SplitMix64::new(7);
    let mut v = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let a = rng.open01();
        let b = rng.open01();
        // Missing values are imputed with training means: keep some.
        v.extend([a, if i % 13 == 0 { f64::NAN } else { b }, (i % 5) as f64]);
        y.push(a + 0.3 * b > 0.7);
    }
    let d = Design::from_rows(vec!["a".into(), "b".into(), "c".into()], v).unwrap();
    (d, y)
}

#[test]
fn saved_forest_scores_as_the_fitted_one() {
    let (d, y) = data();
    let f = RandomForest::params()
        .n_trees(30)
        .seed(3)
        .fit(&d, &y)
        .unwrap();
    let path = std::env::temp_dir().join(format!("threatstat-forest-{}.json", std::process::id()));
    f.save(&path).unwrap();
    let back = FittedForest::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back.n_trees(), 30);
    assert_eq!(back.feature_names(), ["a", "b", "c"]);
    let (p, q) = (
        f.predict_proba(&d).unwrap(),
        back.predict_proba(&d).unwrap(),
    );
    assert_eq!(p, q);
    assert!(
        p.iter().any(|&v| v > 0.0 && v < 1.0),
        "a non-trivial forest"
    );
}

#[test]
fn other_files_are_refused() {
    let (d, y) = data();
    let f = RandomForest::params()
        .n_trees(2)
        .seed(3)
        .fit(&d, &y)
        .unwrap();
    let json = f.to_json().unwrap();
    assert!(json.starts_with(r#"{"format":"threatstat-forest","version":1,"#));
    let wrong = json.replacen("threatstat-forest", "threatstat-markov", 1);
    assert!(FittedForest::from_json(&wrong).is_err());
    let newer = json.replacen(r#""version":1"#, r#""version":2"#, 1);
    assert!(FittedForest::from_json(&newer).is_err());
    let no_trees = serde_json::json!({"format": "threatstat-forest", "version": 1,
        "names": ["a"], "means": [0.5], "trees": []});
    let e = FittedForest::from_json(&no_trees.to_string()).unwrap_err();
    assert!(
        matches!(
            e,
            threatstat_features::FeaturesError::Core(threatstat_core::Error::ModelFile { .. })
        ),
        "{e:?}"
    );
}
