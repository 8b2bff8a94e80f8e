//! Few-row products: faer's GEMM vs the packed-panel kernels (`ops::PackedB`: AVX-512 and
//! AVX2 + FMA, each where the CPU has it), same process, same data; prints ms per product,
//! GFLOP/s and the one-off packing cost.
//!
//!     cargo run --release -p geosparse-engine --example packed_gemm -- [M K N ...]
//!
//! Defaults: the word LM's recurrent products (20×650×2600 forward, 20×2600×650 backward) and
//! the 200-unit ones. Two threads.
use geosparse_engine::ops::{Isa, PackedB, Trans, gemm};

mod common;
use common::best_of_3;

fn main() {
    let mut dims: Vec<usize> = std::env::args()
        .skip(1)
        .map(|s| s.parse().expect("M K N as integers"))
        .collect();
    if dims.is_empty() {
        dims = vec![20, 650, 2600, 20, 2600, 650, 20, 200, 800, 20, 800, 200];
    }
    assert!(dims.len().is_multiple_of(3), "give M K N triples");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    pool.install(|| {
        for d in dims.chunks(3) {
            let (m, k, n) = (d[0], d[1], d[2]);
            // the recurrent step multiplies by W_hhᵀ (B stored (n, k)); its backward by W_hh
            let tb = if n >= k { Trans::Yes } else { Trans::No };
            let a: Vec<f32> = (0..m * k).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
            let b: Vec<f32> = (0..n * k).map(|i| ((i * 104_729) % 1000) as f32 / 1000.0 - 0.5).collect();
            let mut c = vec![0f32; m * n];
            let reps = ((2e8 / (m * k * n) as f64) as usize).max(3);
            let gf = 2.0 * (m * k * n) as f64 / 1e9;
            let t_faer = best_of_3(reps, || gemm(&mut c, &a, Trans::No, &b, tb, m, k, n, false));
            println!("{m}×{k}×{n} (B {tb:?}): faer {:.3} ms ({:.0} GFLOP/s)", t_faer * 1e3, gf / t_faer);
            for isa in [Isa::Avx512, Isa::Avx2] {
                let Some(p) = PackedB::with_isa(&b, tb, k, n, isa) else {
                    println!("  no {isa:?} on this CPU");
                    continue;
                };
                let t_packed = best_of_3(reps, || p.gemm(&mut c, &a, m, false));
                let t_pack = best_of_3(3, || drop(std::hint::black_box(PackedB::with_isa(&b, tb, k, n, isa))));
                println!(
                    "  packed {isa:?} {:.3} ms ({:.0} GFLOP/s), {:.2}× faer; packing once {:.3} ms",
                    t_packed * 1e3,
                    gf / t_packed,
                    t_faer / t_packed,
                    t_pack * 1e3
                );
            }
        }
    });
}
