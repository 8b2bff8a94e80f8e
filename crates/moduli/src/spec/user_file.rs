//! The `.npy` files a spec may point at, read and checked before any work: the neurons'
//! coordinates (`points`, N × k, put on their space) or a distance matrix (`distances`, N × N,
//! finite, ≥ 0, zero diagonal, symmetric, not all zero).
//!
//! ```
//! use geosparse_moduli::spec::{InhibitorName, RegularizerSpec};
//! let dir = std::env::temp_dir().join(format!("geosparse-doc-user-file-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let file = dir.join("d.npy");
//! geosparse_io::npy::write_f32(&file, &[2, 2], &[0.0, 1.0, 2.0, 0.0]).unwrap(); // not symmetric
//! let spec = RegularizerSpec { distances: Some(file), inhibitor: Some(InhibitorName::Dog), ..Default::default() };
//! assert!(spec.resolve(None, 0).unwrap_err().to_string().contains("symmetric"));
//! ```

use super::Geometry;
use crate::error::ModuliError;
use std::path::Path;

/// The coordinates in `file` (N × k for `geometry`'s space, each row put on the space), and N.
pub(super) fn read_points(file: &Path, geometry: &Geometry, space_label: &str) -> Result<(usize, Vec<f32>), ModuliError> {
    let (shape, mut data) = geosparse_io::npy::read_f32(file).map_err(|e| ModuliError::File(format!("points: {e}")))?;
    let space = geometry.space().expect("points imply a metric space");
    let k = space.coord_dim();
    if shape.first() == Some(&0) {
        return Err(ModuliError::invalid("points", format!("{} with shape {:?}", file.display(), shape), "the file holds no points; it needs one row per neuron"));
    }
    if shape.len() != 2 || shape[1] != k {
        return Err(ModuliError::invalid(
            "points",
            format!("{} with shape {:?}", file.display(), shape),
            format!("space '{space_label}' needs an N × {k} array of coordinates"),
        ));
    }
    for (i, row) in data.chunks_mut(k).enumerate() {
        space.canonicalize(row).map_err(|m| ModuliError::invalid("points", format!("row {i}"), m))?;
    }
    Ok((shape[0], data))
}

/// The distance matrix in `file` (N × N, checked to be one), and N.
pub(super) fn read_distances(file: &Path) -> Result<(usize, Vec<f32>), ModuliError> {
    let (shape, data) = geosparse_io::npy::read_f32(file).map_err(|e| ModuliError::File(format!("distances: {e}")))?;
    if shape.len() != 2 || shape[0] != shape[1] {
        return Err(ModuliError::invalid("distances", format!("{} with shape {:?}", file.display(), shape), "an N × N matrix"));
    }
    if let Some(pos) = data.iter().position(|d| !d.is_finite() || *d < 0.0) {
        let n = shape[0];
        return Err(ModuliError::invalid(
            "distances",
            format!("entry ({}, {}) = {}", pos / n, pos % n, data[pos]),
            "distances must be finite and >= 0",
        ));
    }
    check_metric(&data, shape[0], file)?;
    Ok((shape[0], data))
}

/// A distance file must describe distances: no rows missing, zero on the diagonal, symmetric,
/// and not all zero (which would make R constant).
fn check_metric(d: &[f32], n: usize, file: &Path) -> Result<(), ModuliError> {
    let bad = |what: String, allowed: &str| Err(ModuliError::invalid("distances", format!("{}: {what}", file.display()), allowed.to_string()));
    if n == 0 {
        return bad("an empty matrix".into(), "an N × N matrix with N >= 1 (one row per neuron)");
    }
    for i in 0..n {
        if d[i * n + i] != 0.0 {
            return bad(format!("entry ({i}, {i}) = {}", d[i * n + i]), "a neuron's distance to itself must be 0");
        }
        for j in 0..i {
            let (a, b) = (d[i * n + j], d[j * n + i]);
            if (a - b).abs() > 1e-5 * a.abs().max(b.abs()).max(1.0) {
                return bad(format!("entry ({i}, {j}) = {a} but ({j}, {i}) = {b}"), "distances must be symmetric");
            }
        }
    }
    if n > 1 && d.iter().all(|&x| x == 0.0) {
        return bad("every entry is 0".into(), "distinct neurons need distances > 0 somewhere (all zero makes R constant)");
    }
    Ok(())
}
