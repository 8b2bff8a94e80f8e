//! One neuron-swap round (count 16) at N = 1024 on a torus DoG R and a 10 %-dense |W|.
//! `cargo bench -p geosparse-moduli --bench swap_round`.
use criterion::{Criterion, criterion_group, criterion_main};
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};
use geosparse_moduli::swap::swap_round;
use rand::{Rng, SeedableRng};

fn bench(c: &mut Criterion) {
    let n = 1024;
    let mut spec = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
    spec.invert = true;
    let r = spec.resolve(Some(n), 1).unwrap().build().unwrap().matrix().to_vec();
    let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let a: Vec<f64> = (0..n * n).map(|_| if g.random::<f64>() < 0.1 { g.random::<f64>() } else { 0.0 }).collect();
    let mut grp = c.benchmark_group("swap_round_n1024");
    grp.sample_size(10);
    grp.bench_function("count16", |b| {
        b.iter(|| {
            let (mut rr, mut order): (Vec<f32>, Vec<usize>) = (r.clone(), (0..n).collect());
            swap_round(&mut rr, &a, n, 16, &mut order)
        })
    });
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
