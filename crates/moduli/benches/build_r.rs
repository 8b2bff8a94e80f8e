//! Building R for N = 4096 (goal: < 0.3 s with 2 threads). `cargo bench -p geosparse-moduli`.
//! Threads: RAYON_NUM_THREADS (default 2 here, the CI machine's size).
use criterion::{Criterion, criterion_group, criterion_main};
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};

fn bench(c: &mut Criterion) {
    let threads = std::env::var("RAYON_NUM_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
    let mut g = c.benchmark_group(format!("build_r_n4096_{threads}threads"));
    g.sample_size(10);
    for space in [SpaceName::Torus, SpaceName::Klein, SpaceName::Sphere] {
        let mut spec = RegularizerSpec::new(space, InhibitorName::Dog);
        spec.invert = true;
        let resolved = spec.resolve(Some(4096), 1).unwrap();
        g.bench_function(space.as_str(), |b| b.iter(|| resolved.build().unwrap()));
    }
    let mut spec = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
    spec.invert = true;
    spec.permute = true;
    let resolved = spec.resolve(Some(4096), 1).unwrap();
    g.bench_function("torus_permuted", |b| b.iter(|| resolved.build().unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
