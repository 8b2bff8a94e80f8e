//! The four products of sparse training against faer's dense GEMM of the same shape, same
//! process, same data: y = x Wᵀ (`spmm_nt`), dx = dy W (`spmm_nn`, and `spmm_nt` on Wᵀ with
//! the transpose's cost), dW at the kept entries (`sddmm`). Prints ms per product, the sparse
//! kernels' GFLOP/s (counting only the kept entries' work) and the speed-up over dense.
//!
//!     cargo run --release -p geosparse-engine --example sparse_train_kernels -- [N K B M DENSITY THREADS]
//!
//! W is (N, K). Defaults: elman-2048's recurrent products (N = K = 2048, B = 200 per step,
//! M = T·B = 4000 rows for the weight gradient, 10 % kept, 2 threads); its decoder is
//! `512 2048 4000 4000`.
use geosparse_engine::ops::{Trans, gemm};
use geosparse_engine::sparse::{Csr, sddmm, spmm_nn, spmm_nt};
mod common;
use common::best_of_3;

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: f64| a.get(i).map(|s| s.parse::<f64>().expect("numbers: N K B M DENSITY THREADS")).unwrap_or(d);
    let (n, k, b, m) = (arg(0, 2048.0) as usize, arg(1, 2048.0) as usize, arg(2, 200.0) as usize, arg(3, 4000.0) as usize);
    let (density, threads) = (arg(4, 0.1), arg(5, 2.0) as usize);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    // a deterministic pseudo-random mask and values
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let w: Vec<f32> = (0..n * k).map(|_| if next() < density { next() as f32 - 0.5 } else { 0.0 }).collect();
    let csr = Csr::from_dense(&w, n, k);
    let x: Vec<f32> = (0..m.max(b) * k).map(|_| next() as f32 - 0.5).collect(); // (M, K)
    let d: Vec<f32> = (0..m.max(b) * n).map(|_| next() as f32 - 0.5).collect(); // (M, N)
    let nnz = csr.nnz() as f64;
    println!("W ({n}, {k}), {:.1} % kept ({} entries), B = {b}, M = {m}, {threads} threads", 100.0 * nnz / (n * k) as f64, csr.nnz());
    println!("| product | dense ms | sparse ms | sparse GFLOP/s | speed-up |");
    println!("|---|---|---|---|---|");
    pool.install(|| {
        let row = |name: &str, dense: f64, sparse: f64, rows: usize| {
            let gf = 2.0 * nnz * rows as f64 / 1e9;
            println!("| {name} | {:.3} | {:.3} | {:.1} | {:.2}× |", dense * 1e3, sparse * 1e3, gf / sparse, dense / sparse);
        };
        let reps = ((2e9 / (2.0 * nnz * b as f64)) as usize).clamp(3, 200);
        let mut y = vec![0f32; b * n]; // (B, N)
        let t_dense = best_of_3(reps, || gemm(&mut y, &x[..b * k], Trans::No, &w, Trans::Yes, b, k, n, false));
        let t_sparse = best_of_3(reps, || {
            y.fill(0.0);
            spmm_nt(&mut y, &x[..b * k], &csr, b)
        });
        row("y = x Wᵀ (spmm_nt)", t_dense, t_sparse, b);
        let mut dx = vec![0f32; b * k]; // (B, K)
        let t_dense = best_of_3(reps, || gemm(&mut dx, &d[..b * n], Trans::No, &w, Trans::No, b, n, k, false));
        let t_nn = best_of_3(reps, || {
            dx.fill(0.0);
            spmm_nn(&mut dx, &d[..b * n], &csr, b)
        });
        row("dx = dy W (spmm_nn)", t_dense, t_nn, b);
        let wt = csr.transpose();
        let t_nt = best_of_3(reps, || {
            dx.fill(0.0);
            spmm_nt(&mut dx, &d[..b * n], &wt, b)
        });
        row("dx = dy W (spmm_nt on Wᵀ)", t_dense, t_nt, b);
        let t_tr = best_of_3(reps, || drop(std::hint::black_box(csr.transpose())));
        println!("| the transpose Wᵀ, once | | {:.3} | | |", t_tr * 1e3);
        let reps = (reps * b / m).max(3);
        let mut gw = vec![0f32; n * k];
        let t_dense = best_of_3(reps, || gemm(&mut gw, &d[..m * n], Trans::Yes, &x[..m * k], Trans::No, n, m, k, false));
        let mut g = vec![0f32; csr.nnz()];
        let t_sparse = best_of_3(reps, || {
            g.fill(0.0);
            sddmm(&mut g, &d[..m * n], &x[..m * k], &csr, m)
        });
        row("dW = dyᵀ x at the kept entries (sddmm)", t_dense, t_sparse, m);
    });
}
