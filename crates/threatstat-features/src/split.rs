//! Stratified train/test split and stratified k-fold cross-validation,
//! seeded (same seed, same folds).

use crate::FeaturesError;
use rand::seq::SliceRandom;
use threatstat_core::Error;
use threatstat_core::rng::SeededRng;

/// A (train indices, test indices) pair.
pub type Fold = (Vec<usize>, Vec<usize>);

fn classes(labels: &[bool], rng: &mut SeededRng) -> [Vec<usize>; 2] {
    let mut c = [Vec::new(), Vec::new()];
    for (i, &l) in labels.iter().enumerate() {
        c[usize::from(l)].push(i);
    }
    for v in c.iter_mut() {
        v.shuffle(rng);
    }
    c
}

/// Splits row indices into (train, test), putting `round(test_fraction ·
/// n_c)` rows of each class c in the test set, at least one of each class
/// in each part.
///
/// ```
/// use threatstat_features::split::stratified_split;
/// let y: Vec<bool> = (0..100).map(|i| i % 10 == 0).collect();
/// let (train, test) = stratified_split(&y, 0.2, 7).unwrap();
/// assert_eq!((train.len(), test.len()), (80, 20));
/// assert_eq!(test.iter().filter(|&&i| y[i]).count(), 2);
/// ```
pub fn stratified_split(
    labels: &[bool],
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), FeaturesError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::param("test_fraction", test_fraction, "a number in (0, 1)").into());
    }
    let mut rng = threatstat_core::rng::seeded(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (k, c) in classes(labels, &mut rng).into_iter().enumerate() {
        if c.len() < 2 {
            return Err(Error::data(
                "labels",
                format!(
                    "class {} has {} row(s); a stratified split needs at least 2",
                    k == 1,
                    c.len()
                ),
            )
            .into());
        }
        let nt = ((test_fraction * c.len() as f64).round() as usize).clamp(1, c.len() - 1);
        test.extend_from_slice(&c[..nt]);
        train.extend_from_slice(&c[nt..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// `k` stratified folds: (train, test) index sets; each row is in exactly
/// one test set, each class dealt round-robin over the folds.
///
/// ```
/// use threatstat_features::split::stratified_kfold;
/// let y: Vec<bool> = (0..50).map(|i| i % 5 == 0).collect();
/// let folds = stratified_kfold(&y, 5, 1).unwrap();
/// for (train, test) in &folds {
///     assert_eq!(train.len() + test.len(), 50);
///     assert_eq!(test.iter().filter(|&&i| y[i]).count(), 2);
///     assert!(test.iter().all(|i| !train.contains(i)));
/// }
/// // Each row in exactly one test set.
/// let mut tested: Vec<usize> = folds.iter().flat_map(|(_, t)| t.iter().copied()).collect();
/// tested.sort();
/// assert_eq!(tested, (0..50).collect::<Vec<_>>());
/// assert!(stratified_kfold(&y, 11, 1).is_err());
/// ```
pub fn stratified_kfold(labels: &[bool], k: usize, seed: u64) -> Result<Vec<Fold>, FeaturesError> {
    if k < 2 {
        return Err(Error::param("k", k, "at least 2").into());
    }
    let mut rng = threatstat_core::rng::seeded(seed);
    let mut fold = vec![0usize; labels.len()];
    for (c, members) in classes(labels, &mut rng).into_iter().enumerate() {
        if members.len() < k {
            return Err(Error::data(
                "labels",
                format!(
                    "class {} has {} row(s), fewer than k = {k} folds",
                    c == 1,
                    members.len()
                ),
            )
            .into());
        }
        for (j, &i) in members.iter().enumerate() {
            fold[i] = j % k;
        }
    }
    Ok((0..k)
        .map(|f| {
            let test: Vec<usize> = (0..labels.len()).filter(|&i| fold[i] == f).collect();
            let train: Vec<usize> = (0..labels.len()).filter(|&i| fold[i] != f).collect();
            (train, test)
        })
        .collect())
}
