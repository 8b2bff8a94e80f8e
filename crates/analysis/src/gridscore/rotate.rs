//! Rotation of an image about its centre ((H − 1)/2, (W − 1)/2) by bilinear interpolation,
//! the output keeping the input's shape: out(p) = in(R(−θ)(p − c) + c). A source point outside
//! the image, or whose interpolation would touch a NaN bin, gives NaN (never an invented value).
//!
//! ```
//! use geosparse_analysis::gridscore::rotate::rotate;
//!
//! let img = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
//! let r = rotate(&img, 3, 3, 90.0);
//! assert!(r.iter().zip([6.0, 3.0, 0.0, 7.0, 4.0, 1.0, 8.0, 5.0, 2.0]).all(|(a, b)| (a - b).abs() < 1e-12));
//! ```

/// `img` (h × w) rotated by `degrees`, counter-clockwise in (x = column, y = row) coordinates
/// (clockwise as displayed with row 0 on top; the grid score does not depend on the direction).
pub fn rotate(img: &[f64], h: usize, w: usize, degrees: f64) -> Vec<f64> {
    let (s, c) = degrees.to_radians().sin_cos();
    let (cy, cx) = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
    let mut out = vec![f64::NAN; h * w];
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (x as f64 - cx, y as f64 - cy);
            // Inverse rotation of the output point gives where to sample the input.
            let (sx, sy) = (c * px + s * py + cx, -s * px + c * py + cy);
            out[y * w + x] = bilinear(img, h, w, sy, sx);
        }
    }
    out
}

fn bilinear(img: &[f64], h: usize, w: usize, y: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-9;
    if y < -EPS || x < -EPS || y > h as f64 - 1.0 + EPS || x > w as f64 - 1.0 + EPS {
        return f64::NAN;
    }
    let (y, x) = (y.clamp(0.0, h as f64 - 1.0), x.clamp(0.0, w as f64 - 1.0));
    let (y0, x0) = (
        (y.floor() as usize).min(h - 1),
        (x.floor() as usize).min(w - 1),
    );
    let (fy, fx) = (y - y0 as f64, x - x0 as f64);
    let mut acc = 0.0;
    for (yy, wy) in [(y0, 1.0 - fy), (y0 + 1, fy)] {
        for (xx, wx) in [(x0, 1.0 - fx), (x0 + 1, fx)] {
            let wgt = wy * wx;
            if wgt <= EPS {
                continue;
            }
            let v = img[yy.min(h - 1) * w + xx.min(w - 1)];
            if v.is_nan() {
                return f64::NAN;
            }
            acc += wgt * v;
        }
    }
    acc
}
