//! Persistence pairs of a Rips [`Filtration`] by the cohomology algorithm with clearing
//! (de Silva, Morozov & Vejdemo-Johansson 2011; Bauer's Ripser): H₀ by union-find on the edges
//! in filtration order (elder rule); for d ≥ 1 the coboundary columns of the d-simplices are
//! reduced in reverse filtration order, the pivot of a column being its earliest cofacet. A
//! pair (σ, τ) is the homology bar [diam σ, diam τ); a column that reduces to zero is an
//! essential class (death = ∞, which with a radius cap means "not dead by the cap"). Clearing:
//! the d-simplices that were pivots in dimension d − 1 are deaths, so their columns are skipped.
//! Zero-length bars (birth = death) are dropped.
//!
//! ```
//! use geosparse_analysis::homology::{filtration::Filtration, cohomology::persistence_pairs};
//!
//! // A square with side 1 and diagonals √2: the loop is born at 1 and dies at √2.
//! let s = 2f64.sqrt();
//! let d = [0.0, 1.0, s, 1.0, 1.0, 0.0, 1.0, s, s, 1.0, 0.0, 1.0, 1.0, s, 1.0, 0.0];
//! let f = Filtration::build(&d, 4, 2.0, 2, usize::MAX).unwrap();
//! let bars = persistence_pairs(&f, 1);
//! assert_eq!(bars[0].len(), 4); // three bars [0, 1) and one [0, ∞)
//! assert_eq!(bars[1], vec![(1.0, s)]);
//! ```

use super::filtration::{Filtration, Layer};

/// Bars per dimension 0..=max_dim; needs `f.top_dim() ≥ max_dim + 1` for finite deaths in
/// max_dim (else every class of max_dim is reported essential).
pub fn persistence_pairs(f: &Filtration, max_dim: usize) -> Vec<Vec<(f64, f64)>> {
    let (bars0, mut cleared) = zeroth(f);
    let mut bars = vec![bars0];
    for d in 1..=max_dim {
        let (bars_d, next) = reduce_dim(f, d, &cleared);
        bars.push(bars_d);
        cleared = next;
    }
    bars
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

/// H₀ bars (all births 0) and which edges are deaths (the minimum spanning forest).
fn zeroth(f: &Filtration) -> (Vec<(f64, f64)>, Vec<bool>) {
    let n = f.layer(0).len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut bars = Vec::new();
    let mut components = n;
    let none = Layer::default();
    let edges = if f.top_dim() >= 1 { f.layer(1) } else { &none };
    let mut death = vec![false; edges.len()];
    for (e, &value) in edges.value.iter().enumerate() {
        let (u, v) = (
            find(&mut parent, edges.verts[2 * e]),
            find(&mut parent, edges.verts[2 * e + 1]),
        );
        if u != v {
            parent[u.max(v) as usize] = u.min(v);
            death[e] = true;
            components -= 1;
            if value > 0.0 {
                bars.push((0.0, value));
            }
        }
    }
    bars.extend(std::iter::repeat_n((0.0, f64::INFINITY), components));
    (bars, death)
}

/// Reduces the coboundary columns of dimension d; returns its bars and the pivots
/// (the (d+1)-simplices that are deaths), which clear dimension d + 1.
fn reduce_dim(f: &Filtration, d: usize, cleared: &[bool]) -> (Vec<(f64, f64)>, Vec<bool>) {
    let (lo, has_hi) = (f.layer(d), f.top_dim() > d);
    let hi_len = if has_hi { f.layer(d + 1).len() } else { 0 };
    let mut owner = vec![u32::MAX; hi_len];
    // Reduced columns that differ from the raw coboundary; others are read from the CSR.
    let mut reduced: Vec<Option<Box<[u32]>>> = vec![None; lo.len()];
    let mut bars = Vec::new();
    let mut work = Vec::new();
    let mut scratch = Vec::new();
    for s in (0..lo.len()).rev() {
        if cleared[s] {
            continue;
        }
        work.clear();
        if has_hi {
            work.extend_from_slice(f.coboundary(d, s));
        }
        let mut changed = false;
        loop {
            let Some(&p) = work.first() else {
                bars.push((lo.value[s], f64::INFINITY));
                break;
            };
            let c = owner[p as usize];
            if c == u32::MAX {
                owner[p as usize] = s as u32;
                if changed {
                    reduced[s] = Some(work.as_slice().into());
                }
                let death = f.layer(d + 1).value[p as usize];
                if death > lo.value[s] {
                    bars.push((lo.value[s], death));
                }
                break;
            }
            let other = reduced[c as usize]
                .as_deref()
                .unwrap_or_else(|| f.coboundary(d, c as usize));
            sym_diff(&work, other, &mut scratch);
            std::mem::swap(&mut work, &mut scratch);
            changed = true;
        }
    }
    (bars, owner.iter().map(|&o| o != u32::MAX).collect())
}

/// `out` = a △ b for ascending, duplicate-free `a` and `b` (addition over 𝔽₂).
pub(crate) fn sym_diff(a: &[u32], b: &[u32], out: &mut Vec<u32>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}
