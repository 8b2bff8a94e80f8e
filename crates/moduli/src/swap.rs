//! Neuron swaps (BIMT: Liu, Gan & Tegmark 2023): exchange the points of two neurons when that
//! lowers the wiring cost of the current weights — the geometry follows the network instead of
//! the network fitting a frozen geometry (issue 14). No ML code: R and the weight magnitudes in,
//! a relabelled R out.
//!
//! **Cost.** R is `(B·n, n)`: B blocks (1 when R is tiled over a GRU/LSTM's gates, the gate count
//! with one R per gate), A the same shape — A_b[i, j] = Σ |W_g[i, j]| over the weight's gate
//! blocks g priced by R block b. The wiring cost is C = Σ_b Σ_ij R_b[i, j]·A_b[i, j] (the moduli
//! penalty for p = 1, up to λ/size). Neuron i's own cost is its row and column:
//! c_i = Σ_b Σ_j (R_b[i, j]·A_b[i, j] + R_b[j, i]·A_b[j, i]) − R_b[i, i]·A_b[i, i].
//!
//! **A swap** of x and y gives neuron x the point of y and y the point of x: every block becomes
//! R'[i, j] = R[π(i), π(j)] with π the transposition (x y). Only rows and columns x, y change, so
//! its effect on C is exact in O(B·n) ([`swap_delta`]):
//! Δ = Σ_{j ∉ {x, y}} [(R[y, j] − R[x, j])(A[x, j] − A[y, j]) + (R[j, y] − R[j, x])(A[j, x] − A[j, y])]
//!   + (R[y, y] − R[x, x])(A[x, x] − A[y, y]) + (R[y, x] − R[x, y])(A[x, y] − A[y, x]).
//!
//! **One swap round** ([`swap_round`]), BIMT's rule made exact and seeded by nothing (fully
//! deterministic): the `count` neurons of highest cost c_i (ties: lower index first), in that
//! order, each move to the point (another neuron's) that lowers C most — the best partner over
//! all n − 1, by `swap_delta`, the swap applied at once so later candidates see it — or stay
//! when no swap lowers C by more than 1e-12·C. `order[i]` tracks which original point neuron i
//! holds. Cost of a round: O(count · B · n²).
//!
//! ```
//! use geosparse_moduli::swap::{swap_round, total_cost};
//! // Two neurons joined by a strong weight sit far apart (R = 9) while a close pair (R = 1)
//! // is unused: one swap fixes it.
//! let n = 3;
//! let mut r = vec![0.0, 9.0, 1.0,   9.0, 0.0, 9.0,   1.0, 9.0, 0.0f32];
//! let a = vec![0.0, 1.0, 0.0,   1.0, 0.0, 0.0,   0.0, 0.0, 0.0f64]; // |W_01| = |W_10| = 1
//! let mut order = vec![0, 1, 2];
//! // neurons 0 and 1 cost 18 each; 0 cannot gain by moving, 1 gains by taking 2's point
//! let round = swap_round(&mut r, &a, n, 2, &mut order);
//! assert_eq!((round.cost_before, round.cost_after), (18.0, 2.0));
//! assert_eq!((round.swaps.clone(), order), (vec![(1, 2)], vec![0, 2, 1]));
//! assert_eq!(total_cost(&r, &a, n), 2.0);
//! ```

/// What one round did.
#[derive(Debug, Clone, PartialEq)]
pub struct SwapRound {
    /// The swaps in the order they were made: (neuron, partner).
    pub swaps: Vec<(usize, usize)>,
    pub cost_before: f64,
    pub cost_after: f64,
}

fn blocks(r: &[f32], a: &[f64], n: usize) -> usize {
    assert!(n > 0 && r.len().is_multiple_of(n * n) && r.len() == a.len(), "swap: R has {} and A {} entries; both must be (B·{n}, {n})", r.len(), a.len());
    r.len() / (n * n)
}

/// C = Σ R ⊙ A.
pub fn total_cost(r: &[f32], a: &[f64], n: usize) -> f64 {
    blocks(r, a, n);
    r.iter().zip(a).map(|(&r, &a)| r as f64 * a).sum()
}

/// c_i for every neuron (its row plus its column, the diagonal once).
pub fn neuron_costs(r: &[f32], a: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n];
    for b in 0..blocks(r, a, n) {
        let (rb, ab) = (&r[b * n * n..(b + 1) * n * n], &a[b * n * n..(b + 1) * n * n]);
        for i in 0..n {
            for j in 0..n {
                let v = rb[i * n + j] as f64 * ab[i * n + j];
                c[i] += v;
                if i != j {
                    c[j] += v;
                }
            }
        }
    }
    c
}

/// The exact change of C if x and y swap points (0 for x = y).
pub fn swap_delta(r: &[f32], a: &[f64], n: usize, x: usize, y: usize) -> f64 {
    if x == y {
        return 0.0;
    }
    let mut d = 0.0;
    for b in 0..blocks(r, a, n) {
        let o = b * n * n;
        let rr = |i: usize, j: usize| r[o + i * n + j] as f64;
        let aa = |i: usize, j: usize| a[o + i * n + j];
        for j in (0..n).filter(|&j| j != x && j != y) {
            d += (rr(y, j) - rr(x, j)) * (aa(x, j) - aa(y, j)) + (rr(j, y) - rr(j, x)) * (aa(j, x) - aa(j, y));
        }
        d += (rr(y, y) - rr(x, x)) * (aa(x, x) - aa(y, y)) + (rr(y, x) - rr(x, y)) * (aa(x, y) - aa(y, x));
    }
    d
}

/// Each n × n block transposed.
fn transposed<T: Copy + Default>(m: &[T], n: usize) -> Vec<T> {
    let mut t = vec![T::default(); m.len()];
    for (src, dst) in m.chunks(n * n).zip(t.chunks_mut(n * n)) {
        for i in 0..n {
            for j in 0..n {
                dst[j * n + i] = src[i * n + j];
            }
        }
    }
    t
}

/// [`swap_delta`] reading the columns of R and A as the rows of their transposes `rt`, `at`:
/// the same terms in the same order, so the same value to the last bit.
fn delta_by_rows(r: &[f32], rt: &[f32], a: &[f64], at: &[f64], n: usize, x: usize, y: usize) -> f64 {
    let mut d = 0.0;
    for b in 0..r.len() / (n * n) {
        let o = b * n * n;
        let (rx, ry, cx, cy) = (&r[o + x * n..o + x * n + n], &r[o + y * n..o + y * n + n], &rt[o + x * n..o + x * n + n], &rt[o + y * n..o + y * n + n]);
        let (ax, ay, bx, by) = (&a[o + x * n..o + x * n + n], &a[o + y * n..o + y * n + n], &at[o + x * n..o + x * n + n], &at[o + y * n..o + y * n + n]);
        let (lo, hi) = (x.min(y), x.max(y));
        for span in [0..lo, lo + 1..hi, hi + 1..n] {
            // zipped slices: no bounds checks; j in increasing order, x and y skipped
            let rows = rx[span.clone()].iter().zip(&ry[span.clone()]).zip(&cx[span.clone()]).zip(&cy[span.clone()]);
            let weights = ax[span.clone()].iter().zip(&ay[span.clone()]).zip(&bx[span.clone()]).zip(&by[span]);
            for ((((&rx, &ry), &cx), &cy), (((&ax, &ay), &bx), &by)) in rows.zip(weights) {
                d += (ry as f64 - rx as f64) * (ax - ay) + (cy as f64 - cx as f64) * (bx - by);
            }
        }
        let rr = |i: usize, j: usize| r[o + i * n + j] as f64;
        let aa = |i: usize, j: usize| a[o + i * n + j];
        d += (rr(y, y) - rr(x, x)) * (aa(x, x) - aa(y, y)) + (rr(y, x) - rr(x, y)) * (aa(x, y) - aa(y, x));
    }
    d
}

/// Swaps rows x, y and columns x, y of every block of R: neuron x takes y's point.
pub fn swap_points(r: &mut [f32], n: usize, x: usize, y: usize) {
    assert!(n > 0 && r.len().is_multiple_of(n * n) && x < n && y < n, "swap: neurons {x}, {y} of {n}, R of {} entries", r.len());
    for block in r.chunks_mut(n * n) {
        for j in 0..n {
            block.swap(x * n + j, y * n + j);
        }
        for i in 0..n {
            block.swap(i * n + x, i * n + y);
        }
    }
}

/// One deterministic round of at most `count` swaps (see the module doc); R and `order` are
/// updated in place.
pub fn swap_round(r: &mut [f32], a: &[f64], n: usize, count: usize, order: &mut [usize]) -> SwapRound {
    assert_eq!(order.len(), n, "swap: order has {} entries for {n} neurons", order.len());
    let cost_before = total_cost(r, a, n);
    let costs = neuron_costs(r, a, n);
    let mut by_cost: Vec<usize> = (0..n).collect();
    by_cost.sort_by(|&i, &j| costs[j].total_cmp(&costs[i]).then(i.cmp(&j)));
    let tolerance = 1e-12 * cost_before.abs();
    let mut swaps = Vec::new();
    // every block's transpose, so that each candidate's column reads are contiguous rows too
    let (rt, at) = (transposed(r, n), transposed(a, n));
    let mut rt = rt;
    for &x in by_cost.iter().take(count.min(n)) {
        let best = (0..n).filter(|&y| y != x).map(|y| (delta_by_rows(r, &rt, a, &at, n, x, y), y)).min_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
        if let Some((delta, y)) = best
            && delta < -tolerance
        {
            swap_points(r, n, x, y);
            swap_points(&mut rt, n, x, y); // (PRPᵀ)ᵀ = P Rᵀ Pᵀ: the transpose swaps alike
            order.swap(x, y);
            swaps.push((x, y));
        }
    }
    SwapRound { swaps, cost_before, cost_after: total_cost(r, a, n) }
}

/// Relabels a freshly built R by `order` (neuron i holds original point order[i]):
/// R'[i, j] = R[order[i], order[j]] in every block — how a resumed run restores its swaps.
pub fn apply_order(r: &[f32], n: usize, order: &[usize]) -> Vec<f32> {
    assert!(n > 0 && r.len().is_multiple_of(n * n) && order.len() == n, "swap: order of {} for R of {} entries and n = {n}", order.len(), r.len());
    let mut out = vec![0.0; r.len()];
    for (src, dst) in r.chunks(n * n).zip(out.chunks_mut(n * n)) {
        for i in 0..n {
            for j in 0..n {
                dst[i * n + j] = src[order[i] * n + order[j]];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random(n: usize, blocks: usize, seed: u64) -> (Vec<f32>, Vec<f64>) {
        let mut g = ChaCha8Rng::seed_from_u64(seed);
        let r = (0..blocks * n * n).map(|_| g.random_range(0.0..10.0f32)).collect();
        // sparse magnitudes, as a pruned W
        let a = (0..blocks * n * n).map(|_| if g.random_bool(0.3) { g.random_range(0.0..1.0) } else { 0.0 }).collect();
        (r, a)
    }

    /// swap_round as first written: every candidate through `swap_delta`'s strided columns.
    fn naive_round(r: &mut [f32], a: &[f64], n: usize, count: usize, order: &mut [usize]) -> SwapRound {
        let cost_before = total_cost(r, a, n);
        let costs = neuron_costs(r, a, n);
        let mut by_cost: Vec<usize> = (0..n).collect();
        by_cost.sort_by(|&i, &j| costs[j].total_cmp(&costs[i]).then(i.cmp(&j)));
        let mut swaps = Vec::new();
        for &x in by_cost.iter().take(count.min(n)) {
            let best = (0..n).filter(|&y| y != x).map(|y| (swap_delta(r, a, n, x, y), y)).min_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
            if let Some((delta, y)) = best
                && delta < -1e-12 * cost_before.abs()
            {
                swap_points(r, n, x, y);
                order.swap(x, y);
                swaps.push((x, y));
            }
        }
        SwapRound { swaps, cost_before, cost_after: total_cost(r, a, n) }
    }

    #[test]
    fn the_round_on_transposed_copies_is_the_naive_round_to_the_bit() {
        use rand::{Rng, SeedableRng};
        let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for (n, blocks, count) in [(9, 1, 4), (16, 3, 16), (33, 2, 7)] {
            let r0: Vec<f32> = (0..blocks * n * n).map(|_| g.random_range(0.0..10.0f32)).collect();
            let a: Vec<f64> = (0..blocks * n * n).map(|_| if g.random::<f64>() < 0.3 { g.random::<f64>() } else { 0.0 }).collect();
            let (mut r1, mut r2) = (r0.clone(), r0.clone());
            let (mut o1, mut o2): (Vec<usize>, Vec<usize>) = ((0..n).collect(), (0..n).collect());
            for _ in 0..3 {
                let fast = swap_round(&mut r1, &a, n, count, &mut o1);
                let naive = naive_round(&mut r2, &a, n, count, &mut o2);
                assert_eq!(fast, naive, "n {n} B {blocks}");
                assert!(!fast.swaps.is_empty() || fast.cost_after == fast.cost_before);
            }
            assert_eq!((r1, o1), (r2, o2));
        }
    }

    #[test]
    fn the_incremental_delta_is_the_brute_force_difference() {
        for (n, blocks, seed) in [(2, 1, 1), (5, 1, 2), (9, 3, 3), (16, 4, 4)] {
            let (r, a) = random(n, blocks, seed);
            let c0 = total_cost(&r, &a, n);
            for x in 0..n {
                for y in 0..n {
                    let mut r2 = r.clone();
                    swap_points(&mut r2, n, x, y);
                    let brute = total_cost(&r2, &a, n) - c0;
                    let fast = swap_delta(&r, &a, n, x, y);
                    assert!((brute - fast).abs() <= 1e-9 * c0.max(1.0), "n {n} B {blocks} ({x}, {y}): {brute} vs {fast}");
                }
            }
        }
    }

    #[test]
    fn neuron_costs_add_up_to_twice_the_off_diagonal_plus_the_diagonal() {
        let (r, a) = random(7, 2, 5);
        let c = neuron_costs(&r, &a, 7);
        let diag: f64 = (0..2).flat_map(|b| (0..7).map(move |i| b * 49 + i * 8)).map(|k| r[k] as f64 * a[k]).sum();
        assert!((c.iter().sum::<f64>() - (2.0 * total_cost(&r, &a, 7) - diag)).abs() < 1e-9);
    }

    #[test]
    fn a_round_never_raises_the_cost_and_its_order_rebuilds_r() {
        for seed in 0..5 {
            let (n, blocks) = (12, 2);
            let (r0, a) = random(n, blocks, 10 + seed);
            let (mut r, mut order) = (r0.clone(), (0..n).collect::<Vec<_>>());
            let mut last = total_cost(&r, &a, n);
            for _ in 0..4 {
                let round = swap_round(&mut r, &a, n, 3, &mut order);
                assert!(round.cost_after <= round.cost_before && (round.cost_before - last).abs() < 1e-9, "{round:?}");
                assert!((round.cost_after - total_cost(&r, &a, n)).abs() < 1e-9);
                assert!(round.swaps.len() <= 3);
                last = round.cost_after;
            }
            assert!(last < total_cost(&r0, &a, n), "random weights leave room to improve");
            assert_eq!(apply_order(&r0, n, &order), r, "the order alone restores R");
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "a permutation");
        }
    }

    #[test]
    fn rounds_are_deterministic_and_stop_at_a_local_optimum() {
        let (n, blocks) = (10, 1);
        let (r0, a) = random(n, blocks, 42);
        let run = || {
            let (mut r, mut order) = (r0.clone(), (0..n).collect::<Vec<_>>());
            let rounds: Vec<SwapRound> = (0..50).map(|_| swap_round(&mut r, &a, n, n, &mut order)).collect();
            (r, order, rounds)
        };
        let (r1, o1, rounds) = run();
        assert_eq!(run(), (r1.clone(), o1, rounds.clone()));
        // at the end no single swap lowers the cost
        assert!(rounds.last().unwrap().swaps.is_empty(), "converged within 50 rounds");
        for x in 0..n {
            for y in 0..n {
                assert!(swap_delta(&r1, &a, n, x, y) >= -1e-9 * total_cost(&r1, &a, n));
            }
        }
    }
}
