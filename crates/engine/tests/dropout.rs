//! Dropout masks: the dropped fraction matches p, the mask is a function of the seed alone
//! (not of the thread count), and the backward pass reuses it.

use geosparse_engine::layers::dropout::{BLOCK, Dropout};
use geosparse_moduli::seed;

fn mask_on(threads: usize, n: usize, p: f32, key: u64) -> Vec<f32> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut x = vec![1.0f32; n];
        let mut rng = seed::rng(key, "dropout-test");
        Dropout::forward(&mut x, p, &mut rng).expect("p > 0");
        x
    })
}

#[test]
fn dropped_fraction_matches_p() {
    let n = 200_000;
    for p in [0.2f32, 0.5, 0.65] {
        let x = mask_on(2, n, p, 1);
        let dropped = x.iter().filter(|&&v| v == 0.0).count() as f64 / n as f64;
        // binomial standard deviation √(p(1−p)/n) ≤ 0.0012: 5σ
        assert!((dropped - f64::from(p)).abs() < 0.006, "p = {p}: dropped {dropped}");
        let keep = 1.0 / (1.0 - p);
        assert!(x.iter().all(|&v| v == 0.0 || v == keep), "kept entries are scaled by 1/(1−p)");
    }
}

#[test]
fn mask_depends_on_the_seed_not_the_thread_count() {
    // several blocks and a partial last one
    let n = 5 * BLOCK + 123;
    let one = mask_on(1, n, 0.3, 7);
    assert_eq!(one, mask_on(2, n, 0.3, 7));
    assert_eq!(one, mask_on(3, n, 0.3, 7));
    assert_ne!(one, mask_on(1, n, 0.3, 8), "another seed, another mask");
    // blocks are not copies of each other
    assert_ne!(one[..BLOCK], one[BLOCK..2 * BLOCK]);
}

#[test]
fn backward_applies_the_same_mask_and_zero_p_is_identity() {
    let mut rng = seed::rng(3, "dropout-test");
    let mut x: Vec<f32> = (0..10_000).map(|i| i as f32 * 0.01 + 1.0).collect();
    let before = x.clone();
    let d = Dropout::forward(&mut x, 0.4, &mut rng).expect("p > 0");
    let mut g = before.clone();
    d.backward(&mut g);
    assert_eq!(g, x, "the gradient goes through the same scaled mask");
    let mut y = before.clone();
    assert!(Dropout::forward(&mut y, 0.0, &mut rng).is_none());
    assert_eq!(y, before);
}
