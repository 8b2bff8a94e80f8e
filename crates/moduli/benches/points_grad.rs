//! Trainable embeddings' work over the pairs at N = 1024 (issue 14's cost goal), torus and Klein
//! bottle, inverted DoG, dense S: the one pass a moving step takes (`prices_and_grad`: R and the
//! points' gradient) against its baseline, the two passes it replaced (the gradient,
//! `coordinate_grad`, and the rebuild of R from the points, `Regularizer::with_points`).
//! `cargo bench -p geosparse-moduli --bench points_grad`; threads: RAYON_NUM_THREADS (default 2).
use criterion::{Criterion, criterion_group, criterion_main};
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};
use geosparse_moduli::trainable::{coordinate_grad, prices_and_grad};
use rand::{Rng, SeedableRng};

fn bench(c: &mut Criterion) {
    let threads = std::env::var("RAYON_NUM_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
    let n = 1024;
    let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let s: Vec<f64> = (0..n * n).map(|_| g.random::<f64>() * 1e-6).collect();
    let mut grp = c.benchmark_group(format!("points_n1024_{threads}threads"));
    grp.sample_size(10);
    for space in [SpaceName::Torus, SpaceName::Klein] {
        let mut spec = RegularizerSpec::new(space, InhibitorName::Dog);
        spec.invert = true;
        let reg = spec.resolve(Some(n), 1).unwrap().build().unwrap();
        let coords = reg.embedding().unwrap().coords.clone();
        let sp = reg.space().unwrap().clone();
        let f = reg.spec.inhibitor.clone();
        grp.bench_function(format!("{}_gradient", space.as_str()), |b| b.iter(|| coordinate_grad(sp.as_ref(), &f, true, &coords, n, &s)));
        grp.bench_function(format!("{}_rebuild", space.as_str()), |b| b.iter(|| reg.with_points(coords.clone()).unwrap()));
        grp.bench_function(format!("{}_one_pass", space.as_str()), |b| b.iter(|| prices_and_grad(sp.as_ref(), &f, true, &coords, n, &s).unwrap()));
    }
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
