//! Mergeable linear bins: partitions merge into exactly the whole sample's
//! bins, and the density equals the binned KDE computed from the values.

use proptest::prelude::*;
use threatstat_core::model::check_merge_law;
use threatstat_kde::{FftOptions, KdeError, KernelSupport, LinearBins, Merge, fft_kde_1d_with};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merged_bins_are_the_whole_and_match_fft_kde(
        data in proptest::collection::vec(-50.0f64..50.0, 1..400),
        cuts in proptest::collection::vec(0usize..400, 0..5),
        points in 2usize..300,
        bw in 0.05f64..20.0,
        std_devs in any::<bool>(),
    ) {
        let (lo, hi) = (-60.0, 61.5);
        let support = if std_devs { KernelSupport::StdDevs(8.0) } else { KernelSupport::Kdepy };
        let mut whole = LinearBins::new(lo, hi, points).unwrap().support(support);
        whole.extend(&data).unwrap();
        // The parts in reverse order: order must not matter.
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
        cuts.extend([0, data.len()]);
        cuts.sort_unstable();
        let parts: Vec<LinearBins> = cuts
            .windows(2)
            .rev()
            .map(|w| {
                let mut part = LinearBins::new(lo, hi, points).unwrap().support(support);
                part.extend(&data[w[0]..w[1]]).unwrap();
                part
            })
            .collect();
        if let Err(e) = check_merge_law(&whole, &parts) {
            return Err(TestCaseError::fail(e));
        }
        let mut merged = parts[0].clone();
        for p in &parts[1..] {
            merged.merge(p).unwrap();
        }
        let (grid, density) = merged.density(bw).unwrap();
        let opts = FftOptions::default().bounds(vec![(lo, hi)]).support(support);
        let (grid2, want) = fft_kde_1d_with(&data, None, bw, points, &opts).unwrap();
        prop_assert_eq!(grid, grid2);
        let peak = want.iter().copied().fold(0.0f64, f64::max);
        for (d, w) in density.iter().zip(&want) {
            prop_assert!((d - w).abs() <= 1e-12 * peak, "{} vs {} (peak {})", d, w, peak);
        }
    }
}

#[test]
fn bad_points_and_empty_bins_are_errors() {
    let mut b = LinearBins::new(0.0, 1.0, 16).unwrap();
    assert!(b.density(0.1).unwrap_err().to_string().contains("no point"));
    let e = b.extend(&[0.5, 0.25, 1.5]).unwrap_err();
    assert!(
        matches!(&e, KdeError::Core(threatstat_core::Error::Data { what, .. }) if what == "point 3"),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("point 3: value 1.5 is not strictly inside the grid"),
        "{e}"
    );
    assert_eq!(b.len(), 2);
    assert!(b.push(f64::INFINITY).is_err());
    assert!(matches!(
        b.density(0.0),
        Err(KdeError::Core(threatstat_core::Error::Param {
            name: "bw",
            ..
        }))
    ));
    assert!(matches!(
        LinearBins::new(1.0, 0.0, 8),
        Err(KdeError::Core(threatstat_core::Error::Param {
            name: "hi",
            ..
        }))
    ));
    assert!(matches!(
        LinearBins::new(0.0, 1.0, 1),
        Err(KdeError::Core(threatstat_core::Error::Param {
            name: "points",
            ..
        }))
    ));
    assert!(matches!(
        LinearBins::new(0.0, 1.0, 8)
            .unwrap()
            .merge(&LinearBins::new(0.0, 2.0, 8).unwrap()),
        Err(KdeError::Core(threatstat_core::Error::Incompatible { .. }))
    ));
    assert_eq!((b.min(), b.max()), (0.25, 0.5));
}
