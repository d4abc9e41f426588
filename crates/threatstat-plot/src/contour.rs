//! Contour lines of a density on a grid (marching squares), used to draw
//! a threshold as the line where the density crosses it. A geometric
//! algorithm of its own, independent of any figure, so it lives and is
//! tested apart from the figure that draws its segments.

/// Segments of the contour of the node grid `z` at `level` (marching
/// squares; saddles are resolved by the cell's mean).
pub(crate) fn contour(xs: &[f64], ys: &[f64], z: &[f64], level: f64) -> Vec<[(f64, f64); 2]> {
    let nx = xs.len();
    let at = |i: usize, j: usize| z[j * nx + i];
    let mut out = Vec::new();
    for j in 0..ys.len().saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            // Corners counter-clockwise from the lower left.
            let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let v = c.map(|(a, b)| at(a, b));
            let above = v.map(|x| x >= level);
            // Crossing on edge e (corner e to corner e+1), if any.
            let cross = |e: usize| {
                let f = (e + 1) % 4;
                if above[e] == above[f] {
                    return None;
                }
                let t = (level / 2.0 - v[e] / 2.0) / (v[f] / 2.0 - v[e] / 2.0);
                let (p, q) = (c[e], c[f]);
                Some((
                    xs[p.0] * (1.0 - t) + xs[q.0] * t,
                    ys[p.1] * (1.0 - t) + ys[q.1] * t,
                ))
            };
            let pts: Vec<(usize, (f64, f64))> =
                (0..4).filter_map(|e| cross(e).map(|p| (e, p))).collect();
            match pts.len() {
                2 => out.push([pts[0].1, pts[1].1]),
                4 => {
                    let centre_above = v.iter().sum::<f64>() / 4.0 >= level;
                    if centre_above == above[0] {
                        // Corners 1 and 3 are cut off.
                        out.push([pts[0].1, pts[1].1]);
                        out.push([pts[2].1, pts[3].1]);
                    } else {
                        out.push([pts[3].1, pts[0].1]);
                        out.push([pts[1].1, pts[2].1]);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contour_of_a_bump() {
        let xs = [0.0, 1.0, 2.0];
        let ys = [0.0, 1.0, 2.0];
        let z = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let segs = contour(&xs, &ys, &z, 0.5);
        assert_eq!(segs.len(), 4);
        for s in &segs {
            for (x, y) in s {
                let d = (x - 1.0).abs() + (y - 1.0).abs();
                assert!((d - 0.5).abs() < 1e-12, "{s:?}");
            }
        }
        assert!(contour(&xs, &ys, &z, 2.0).is_empty());
    }
}
