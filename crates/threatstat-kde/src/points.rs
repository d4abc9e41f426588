//! The data boundary: points arrive as `ndarray` views (rows are points)
//! and are checked once here, so the inner loops can run on contiguous
//! row-major slices.

use crate::KdeError;
use ndarray::{ArrayView2, CowArray, Ix2};

/// `points` in row-major (standard) layout, borrowed when they already are
/// (a C-ordered NumPy array, an `Array2`), copied otherwise (a transposed
/// or column-major view). Errors: no columns, or a coordinate that is not
/// finite (naming its 1-based row and column).
pub(crate) fn checked_rows<'a>(
    points: ArrayView2<'a, f64>,
    what: &str,
) -> Result<CowArray<'a, f64, Ix2>, KdeError> {
    if points.ncols() == 0 {
        return Err(threatstat_core::Error::shape(
            what,
            "at least one column (the dimension)",
            "0 columns",
        )
        .into());
    }
    let bad = match points.as_slice() {
        // Row-major: a flat scan (what an `Array2` or C-ordered array is).
        Some(flat) => flat
            .iter()
            .position(|v| !v.is_finite())
            .map(|at| ((at / points.ncols(), at % points.ncols()), flat[at])),
        None => points
            .indexed_iter()
            .find(|(_, v)| !v.is_finite())
            .map(|(ik, v)| (ik, *v)),
    };
    if let Some(((i, k), v)) = bad {
        return Err(threatstat_core::Error::data(
            what,
            format!(
                "row {}, column {}: expected a finite number, found {v}",
                i + 1,
                k + 1
            ),
        )
        .into());
    }
    if points.is_standard_layout() {
        Ok(CowArray::from(points))
    } else {
        Ok(CowArray::from(points.as_standard_layout().into_owned()))
    }
}

/// The row-major values of a standard-layout array.
pub(crate) fn row_major<'a>(a: &'a CowArray<'_, f64, Ix2>) -> &'a [f64] {
    a.as_slice().expect("standard layout is contiguous")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn rows_are_checked_and_made_row_major() {
        let a = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let t = a.t().to_owned(); // 2 × 3, its transpose view is column-major
        let c = checked_rows(t.t(), "data").unwrap();
        assert_eq!(row_major(&c), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let bad = array![[1.0, 2.0], [3.0, f64::NAN]];
        let e = checked_rows(bad.view(), "data").unwrap_err().to_string();
        assert!(e.contains("row 2, column 2"), "{e}");
        let none = ndarray::Array2::<f64>::zeros((3, 0));
        assert!(matches!(
            checked_rows(none.view(), "data"),
            Err(KdeError::Core(threatstat_core::Error::Shape { .. }))
        ));
    }
}
