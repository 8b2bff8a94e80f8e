//! Brute-force reference for Rips persistence, for tests on tiny clouds: enumerates every
//! vertex subset of size ≤ max_dim + 2 with diameter ≤ radius, sorts by (diameter, dimension,
//! vertices), and reduces the full boundary matrix with the plain O(n³) column algorithm
//! (homology, no clearing, no pivot lookup table, linear search for a column with the same
//! low). Shares no code with [`super::filtration`] or [`super::cohomology`].
//!
//! ```
//! use geosparse_analysis::{cloud::Cloud, homology::reference::rips_persistence_reference};
//!
//! let c = Cloud::new(vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0], 4, 2).unwrap();
//! let bars = rips_persistence_reference(&c, 1, 10.0).unwrap();
//! assert_eq!(bars[1], vec![(1.0, 2f64.sqrt())]);
//! ```

use std::collections::HashMap;

use crate::{AnalysisError, cloud::Cloud, error::param};

/// The most points the brute-force reference accepts.
pub const MAX_REFERENCE_POINTS: usize = 16;

/// Bars per dimension 0..=max_dim of the Rips filtration of `cloud` cut at `radius`, sorted.
/// Refuses more than [`MAX_REFERENCE_POINTS`] points and max_dim > 2.
pub fn rips_persistence_reference(
    cloud: &Cloud,
    max_dim: usize,
    radius: f64,
) -> Result<Vec<Vec<(f64, f64)>>, AnalysisError> {
    let n = cloud.m();
    if n > MAX_REFERENCE_POINTS {
        return Err(AnalysisError::TooLarge {
            what: "reference points",
            got: n,
            limit: MAX_REFERENCE_POINTS,
            hint: "the reference is for tiny clouds",
        });
    }
    if max_dim > 2 {
        return Err(param("max_dim", format!("{max_dim} > 2")));
    }
    // (diameter, dimension, sorted vertex list)
    let mut simplices: Vec<(f64, usize, Vec<usize>)> = (1u32..1 << n)
        .filter(|mask| mask.count_ones() as usize <= max_dim + 2)
        .map(|mask| {
            let v: Vec<usize> = (0..n).filter(|&i| mask >> i & 1 == 1).collect();
            let diam = v
                .iter()
                .flat_map(|&a| v.iter().map(move |&b| (a, b)))
                .map(|(a, b)| cloud.dist(a, b))
                .fold(0.0, f64::max);
            (diam, v.len() - 1, v)
        })
        .filter(|s| s.0 <= radius)
        .collect();
    simplices.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let index: HashMap<&[usize], usize> = simplices
        .iter()
        .enumerate()
        .map(|(i, s)| (s.2.as_slice(), i))
        .collect();
    let mut columns: Vec<Vec<usize>> = simplices
        .iter()
        .map(|s| {
            let mut col: Vec<usize> = if s.2.len() < 2 {
                Vec::new()
            } else {
                (0..s.2.len())
                    .map(|skip| index[[&s.2[..skip], &s.2[skip + 1..]].concat().as_slice()])
                    .collect()
            };
            col.sort_unstable();
            col
        })
        .collect();
    let lows = reduce_plain(&mut columns);
    let mut bars = vec![Vec::new(); max_dim + 1];
    let is_low: Vec<bool> = {
        let mut v = vec![false; simplices.len()];
        lows.iter().flatten().for_each(|&l| v[l] = true);
        v
    };
    for (j, low) in lows.iter().enumerate() {
        match low {
            Some(i) if simplices[*i].1 <= max_dim && simplices[j].0 > simplices[*i].0 => {
                bars[simplices[*i].1].push((simplices[*i].0, simplices[j].0))
            }
            None if !is_low[j] && simplices[j].1 <= max_dim => {
                bars[simplices[j].1].push((simplices[j].0, f64::INFINITY))
            }
            _ => {}
        }
    }
    bars.iter_mut()
        .for_each(|b| b.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1))));
    Ok(bars)
}

/// Standard left-to-right reduction over 𝔽₂; returns each column's low (None for zero).
fn reduce_plain(columns: &mut [Vec<usize>]) -> Vec<Option<usize>> {
    let mut lows: Vec<Option<usize>> = vec![None; columns.len()];
    for j in 0..columns.len() {
        while let Some(&low) = columns[j].last() {
            let Some(k) = (0..j).find(|&k| lows[k] == Some(low)) else {
                break;
            };
            let (a, b) = (&columns[j], &columns[k]);
            let mut sum: Vec<usize> = a
                .iter()
                .filter(|x| !b.contains(x))
                .chain(b.iter().filter(|x| !a.contains(x)))
                .copied()
                .collect();
            sum.sort_unstable();
            columns[j] = sum;
        }
        lows[j] = columns[j].last().copied();
    }
    lows
}
