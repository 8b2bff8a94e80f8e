//! The penalty's gradient against finite differences, masks, tiling and thread independence.
use geosparse_moduli::penalty::{Penalty, Power};
use geosparse_moduli::seed;
use rand::Rng;
use std::sync::Arc;

fn random(n: usize, s: u64, scale: f32) -> Vec<f32> {
    let mut r = seed::rng(s, "t");
    (0..n).map(|_| (r.random::<f32>() * 2.0 - 1.0) * scale).collect()
}

fn fd_check(power: Power, gates: usize, mask: Option<Vec<u8>>) {
    let n = 7;
    let r: Vec<f32> = random(n * n, 1, 1.0).iter().map(|x| x.abs() * 80.0).collect();
    let pen = Penalty::new(Arc::new(r), n, 0.3, power).unwrap();
    let mut w: Vec<f32> = random(gates * n * n, 2, 1.0);
    // keep p = 1 away from the kink at 0
    if power == Power::One {
        w.iter_mut().for_each(|x| *x = x.signum() * (x.abs() + 0.05));
    }
    let m = mask.as_deref();
    if let Some(m) = m {
        for (x, &k) in w.iter_mut().zip(m) {
            if k == 0 {
                *x = 0.0;
            }
        }
    }
    let mut g = vec![0f32; w.len()];
    let v = pen.value_and_grad(&w, m, &mut g);
    assert!((v - pen.value(&w, m)).abs() < 1e-12);
    let eps = 1e-3f64;
    for i in 0..w.len() {
        if m.is_some_and(|m| m[i] == 0) {
            assert_eq!(g[i], 0.0, "masked entry {i} has gradient");
            continue;
        }
        // central difference in f64 on the f64 formula
        let f = |x: f64| {
            let mut wf: Vec<f64> = w.iter().map(|&v| v as f64).collect();
            wf[i] = x;
            let mut s = 0.0;
            for (k, &wv) in wf.iter().enumerate() {
                if m.is_some_and(|m| m[k] == 0) {
                    continue;
                }
                let row = (k / n) % n;
                let col = k % n;
                let rv = pen.matrix()[row * n + col] as f64;
                s += rv * if power == Power::One { wv.abs() } else { wv * wv };
            }
            0.3 * s / wf.len() as f64
        };
        let fd = (f(w[i] as f64 + eps) - f(w[i] as f64 - eps)) / (2.0 * eps);
        assert!((fd - g[i] as f64).abs() < 1e-5 * (1.0 + fd.abs()), "entry {i}: fd {fd} vs {}", g[i]);
    }
}

#[test]
fn gradient_matches_fd_p1() {
    fd_check(Power::One, 1, None);
}

#[test]
fn gradient_matches_fd_p2_everywhere() {
    fd_check(Power::Two, 1, None);
}

#[test]
fn gradient_matches_fd_tiled_over_gates_with_mask() {
    let mask: Vec<u8> = (0..4 * 49).map(|i| ((i * 7) % 3 != 0) as u8).collect();
    fd_check(Power::One, 4, Some(mask.clone()));
    fd_check(Power::Two, 3, Some(mask[..3 * 49].to_vec()));
}

#[test]
fn p1_subgradient_is_zero_at_zero_and_grad_accumulates() {
    let pen = Penalty::new(Arc::new(vec![5.0; 4]), 2, 1.0, Power::One).unwrap();
    let w = [0.0f32, 1.0, -1.0, 0.0];
    let mut g = [1.0f32; 4];
    pen.value_and_grad(&w, None, &mut g);
    assert_eq!(g, [1.0, 1.0 + 1.25, 1.0 - 1.25, 1.0]);
}

#[test]
fn value_does_not_depend_on_thread_count() {
    let n = 300;
    let r: Vec<f32> = random(n * n, 5, 1.0).iter().map(|x| x.abs() * 80.0).collect();
    let pen = Penalty::new(Arc::new(r), n, 0.1, Power::One).unwrap();
    let w = random(n * n, 6, 0.1);
    let run = |t| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();
        pool.install(|| {
            let mut g = vec![0f32; w.len()];
            let v = pen.value_and_grad(&w, None, &mut g);
            (v.to_bits(), g)
        })
    };
    assert_eq!(run(1), run(2));
    assert_eq!(run(1), run(3));
}

#[test]
fn rejects_bad_lambda_and_shape() {
    assert!(Penalty::new(Arc::new(vec![1.0; 4]), 2, -0.1, Power::One).unwrap_err().to_string().contains("lambda"));
    assert!(Penalty::new(Arc::new(vec![1.0; 4]), 3, 0.1, Power::One).is_err());
    assert!(Power::try_from(3u8).unwrap_err().contains("1 or 2"));
}

#[test]
fn one_r_per_gate_block_prices_each_block_with_its_own_rows() {
    // R of 2·n rows against W of 2·n rows: no tiling; equals two separate penalties
    let n = 3;
    let r: Vec<f32> = (0..2 * n * n).map(|i| i as f32).collect();
    let w: Vec<f32> = (0..2 * n * n).map(|i| (i as f32 - 8.0) * 0.1).collect();
    let both = Penalty::with_rows(Arc::new(r.clone()), 2 * n, n, 1.0, Power::One).unwrap();
    let top = Penalty::new(Arc::new(r[..n * n].to_vec()), n, 1.0, Power::One).unwrap();
    let bottom = Penalty::new(Arc::new(r[n * n..].to_vec()), n, 1.0, Power::One).unwrap();
    let v = both.value(&w, None);
    let want = 0.5 * (top.value(&w[..n * n], None) + bottom.value(&w[n * n..], None));
    assert!((v - want).abs() < 1e-9, "{v} vs {want}");
    assert!(Penalty::with_rows(Arc::new(r), 5, n, 1.0, Power::One).is_err());
}
