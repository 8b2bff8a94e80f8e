//! An embedding's gradient is non-zero only on the rows of the ids it saw; zeroing, the
//! gradient norm, masking and plain SGD use that, and must give exactly what the dense passes
//! give.

use geosparse_engine::layers::embedding::Embedding;
use geosparse_engine::ops;
use geosparse_engine::optim::{Optimizer, OptimizerConfig, grad_norm};
use geosparse_engine::param::{Module, Param};
use geosparse_engine::regularize::{Regularization, Term};
use geosparse_moduli::seed;
use rand::Rng;

fn table(vocab: usize, dim: usize) -> Embedding {
    let mut rng = seed::rng(3, "row-sparse");
    Embedding::new("encoder", vocab, dim, 0.1, &mut rng)
}

/// One backward on `ids` with a fixed upstream gradient.
fn backward(e: &mut Embedding, ids: &[u32]) {
    let d = e.dim();
    let dy: Vec<f32> = (0..ids.len() * d).map(|i| ((i * 37) % 11) as f32 * 0.01 - 0.05).collect();
    e.backward(ids, &dy);
}

#[test]
fn rows_are_tracked_and_zeroing_clears_exactly_them() {
    let mut e = table(50, 6);
    e.zero_grad();
    assert_eq!(e.weight.grad_rows.as_deref(), Some(&[][..]));
    backward(&mut e, &[7, 3, 7, 41]);
    assert_eq!(e.weight.grad_rows.as_deref(), Some(&[3u32, 7, 41][..]));
    let nonzero_rows: Vec<usize> = e.weight.grad.chunks(6).enumerate().filter(|(_, r)| r.iter().any(|&g| g != 0.0)).map(|(i, _)| i).collect();
    assert_eq!(nonzero_rows, [3, 7, 41]);
    e.zero_grad();
    assert!(e.weight.grad.iter().all(|&g| g == 0.0));
    assert_eq!(e.weight.grad_rows.as_deref(), Some(&[][..]));
}

#[test]
fn sgd_matches_the_dense_pass_bit_for_bit_and_the_norm_to_rounding() {
    let ids: Vec<u32> = {
        let mut rng = seed::rng(4, "ids");
        (0..300).map(|_| rng.random_range(0..2000u32)).collect()
    };
    let run = |track: bool| {
        let mut e = table(2000, 64);
        let mut mask = vec![1u8; 2000 * 64];
        mask.iter_mut().step_by(3).for_each(|k| *k = 0);
        e.weight.set_mask(mask);
        let mut opt = Optimizer::new(OptimizerConfig::sgd(2.0));
        let mut norms = vec![];
        for step in 0..3 {
            e.zero_grad();
            backward(&mut e, &ids[step * 100..(step + 1) * 100]);
            if !track {
                e.weight.grad_any_rows();
            }
            e.weight.mask_grad();
            norms.push(grad_norm(e.params().into_iter()));
            opt.step_scaled(e.params_mut(), 0.5);
        }
        (norms, e.weight.value.clone())
    };
    let (n_sparse, w_sparse) = run(true);
    let (n_dense, w_dense) = run(false);
    assert_eq!(w_sparse, w_dense, "plain SGD on the touched rows differs from the dense update");
    for (a, b) in n_sparse.iter().zip(&n_dense) {
        // squares are added in f32 lanes per row instead of per 1024-block: f32 rounding only
        assert!((a - b).abs() <= 1e-6 * b, "norm {a} vs dense {b}");
        assert!(*a > 0.0);
    }
    // masked entries stayed 0 and untouched rows did not move
    let fresh = table(2000, 64);
    let seen: std::collections::HashSet<u32> = ids.iter().copied().collect();
    for r in (0..2000).filter(|r| !seen.contains(&(*r as u32))) {
        for c in 0..64 {
            let i = r * 64 + c;
            let want = if i % 3 == 0 { 0.0 } else { fresh.weight.value[i] };
            assert_eq!(w_sparse[i], want);
        }
    }
}

#[test]
fn a_dense_writer_turns_tracking_off() {
    let mut e = table(20, 4);
    e.zero_grad();
    backward(&mut e, &[1, 2]);
    let reg = Regularization { terms: vec![Term::l1("encoder.weight", 0.5)] };
    let ps: Vec<&mut Param> = e.params_mut();
    reg.apply(ps, true).unwrap();
    assert!(e.weight.grad_rows.is_none(), "L1 writes every row");
    let rows_with_grad = e.weight.grad.chunks(4).filter(|r| r.iter().any(|&g| g != 0.0)).count();
    assert_eq!(rows_with_grad, 20);
    let before = e.weight.value.clone();
    Optimizer::new(OptimizerConfig::sgd(1.0)).step(e.params_mut());
    let moved = e.weight.value.chunks(4).zip(before.chunks(4)).filter(|(a, b)| a != b).count();
    assert_eq!(moved, 20, "every row has a gradient and must move");
    // and zeroing is dense again, then tracking resumes
    e.zero_grad();
    assert!(e.weight.grad.iter().all(|&g| g == 0.0));
    assert_eq!(e.weight.grad_rows.as_deref(), Some(&[][..]));
    assert_eq!(ops::sum_squares(&e.weight.grad), 0.0);
}
