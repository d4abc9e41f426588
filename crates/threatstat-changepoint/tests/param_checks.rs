//! Bad settings are errors, never panics, allocation aborts or silent
//! wraparound (issue 20, items 4-6 and 17).

use threatstat_changepoint::batch::{ModelKind, ModelSpec, fit_model};
use threatstat_changepoint::{ChangepointError, McmcParams, PriorRate, Segmentation, Switchpoint};
use threatstat_core::{Error, ParamGuard};

/// The name of the parameter an error blames.
fn blamed(e: &ChangepointError) -> Option<&'static str> {
    match e {
        ChangepointError::Core(Error::Param { name, .. }) => Some(name),
        _ => None,
    }
}

const COUNTS: [u32; 8] = [1, 2, 1, 2, 7, 8, 7, 9];

#[test]
fn extreme_mcmc_sizes_are_errors_not_aborts() {
    let p = Switchpoint::params();
    for (bad, name) in [
        (McmcParams::default().draws(usize::MAX), "draws"),
        (McmcParams::default().draws(4_000_000_000), "draws"),
        (McmcParams::default().chains(usize::MAX), "chains"),
        (McmcParams::default().chains(0), "chains"),
        (McmcParams::default().draws(0), "draws"),
        (McmcParams::default().chains(4).draws(5_000_000), "draws"),
    ] {
        let e = p.sample(&COUNTS, &bad).unwrap_err();
        assert_eq!(blamed(&e), Some(name), "{e}");
        assert_eq!(blamed(&bad.check().unwrap_err()), Some(name));
    }
}

#[test]
fn tune_plus_draws_cannot_wrap() {
    // Before the check, usize::MAX + 4 wrapped to 3 steps: NaN posteriors.
    let bad = McmcParams::default().tune(usize::MAX).draws(4);
    let e = Switchpoint::params().sample(&COUNTS, &bad).unwrap_err();
    assert_eq!(blamed(&e), Some("tune"), "{e}");
    assert!(e.to_string().contains("tune + draws"), "{e}");
}

#[test]
fn model_spec_check_rejects_what_the_fits_reject() {
    let bad = [
        ModelSpec {
            prior_rate: PriorRate::Fixed(0.0),
            ..Default::default()
        },
        ModelSpec {
            prior_rate: PriorRate::Fixed(-2.0),
            ..Default::default()
        },
        ModelSpec {
            prior_rate: PriorRate::Fixed(f64::NAN),
            ..Default::default()
        },
        ModelSpec {
            tolerance: Some(-1.0),
            ..Default::default()
        },
        ModelSpec {
            tolerance: Some(2.0),
            ..Default::default()
        },
        ModelSpec {
            tolerance: Some(f64::NAN),
            ..Default::default()
        },
        ModelSpec {
            approximate: Some(0.0),
            ..Default::default()
        },
        ModelSpec {
            approximate: Some(-1.0),
            ..Default::default()
        },
        ModelSpec {
            approximate: Some(f64::NAN),
            ..Default::default()
        },
        ModelSpec {
            change_prob: Some(0.0),
            ..Default::default()
        },
        ModelSpec {
            change_prob: Some(1.0),
            ..Default::default()
        },
        ModelSpec {
            change_prob: Some(f64::NAN),
            ..Default::default()
        },
        ModelSpec {
            change_prob: Some(-0.5),
            ..Default::default()
        },
    ];
    for spec in bad {
        assert!(spec.check().is_err(), "{spec:?}");
        // The model the setting belongs to rejects it too.
        let model = if spec.change_prob.is_some() {
            ModelKind::Segments
        } else if spec.prior_rate != PriorRate::MeanRule {
            ModelKind::Switchpoint
        } else {
            ModelKind::Episode
        };
        assert!(fit_model(0, &COUNTS, None, &ModelSpec { model, ..spec }).is_err());
    }
    let good = ModelSpec {
        prior_rate: PriorRate::Fixed(0.5),
        change_prob: Some(0.1),
        tolerance: Some(1e-9),
        ..Default::default()
    };
    assert!(good.check().is_ok());
}

#[test]
fn one_day_segmentation_names_the_length_not_the_prior() {
    let e = Segmentation::params().fit(&[3]).unwrap_err();
    assert!(
        matches!(&e, ChangepointError::Core(Error::Shape { what, found, .. })
            if what == "the series" && found == "1 day"),
        "{e}"
    );
    assert!(!e.to_string().contains("probability"), "{e}");
}
