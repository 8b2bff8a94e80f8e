use super::*;
use crate::sparse::naive;
use crate::sparse::testutil::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn step_matches_naive((n, k, dens, empty, batch, seed) in case(), act in prop_oneof![Just(Act::Relu), Just(Act::Tanh), Just(Act::Identity)]) {
        let w = rand_csr(n, k, dens, empty, seed);
        let h = rand_vec(batch * k, seed ^ 1);
        let xw = rand_vec(batch * n, seed ^ 2);
        let (mut fast, mut slow) = (vec![9.0; batch * n], vec![9.0; batch * n]);
        step(&w, &h, &xw, &mut fast, batch, act);
        naive::step(&w, &h, &xw, &mut slow, batch, act);
        assert_close(&fast, &slow, k);
    }

    #[test]
    fn spmm_nt_matches_naive((n, k, dens, empty, batch, seed) in case()) {
        let w = rand_csr(n, k, dens, empty, seed);
        let a = rand_vec(batch * k, seed ^ 3);
        let mut fast = rand_vec(batch * n, seed ^ 4);
        let mut slow = fast.clone();
        spmm_nt(&mut fast, &a, &w, batch);
        naive::spmm_nt(&mut slow, &a, &w, batch);
        assert_close(&fast, &slow, k);
    }
}

#[test]
fn step_in_place_reads_xw_from_the_output() {
    let w = rand_csr(20, 30, 0.3, true, 5);
    let h = rand_vec(3 * 30, 6);
    let xw = rand_vec(3 * 20, 7);
    let mut a = vec![0.0; 60];
    step(&w, &h, &xw, &mut a, 3, Act::Relu);
    let mut b = xw.clone();
    step_in_place(&w, &h, &mut b, 3, Act::Relu);
    assert_eq!(a, b);
    assert!(a.iter().all(|&v| v >= 0.0) && a.iter().any(|&v| v > 0.0));
}

#[test]
fn large_steps_are_thread_count_independent_and_match_naive() {
    // big enough to split into tasks (PAR_WORK), with uneven rows
    let w = rand_csr(700, 600, 0.2, true, 8);
    assert!(with_threads(3, || crate::sparse::par::parts_for(w.nnz())) > 1);
    for batch in [1, 5, 16, 64] {
        let h = rand_vec(batch * 600, 9);
        let xw = rand_vec(batch * 700, 10);
        let run = |t| {
            with_threads(t, || {
                let mut o = vec![0.0; batch * 700];
                step(&w, &h, &xw, &mut o, batch, Act::Tanh);
                o
            })
        };
        let one = run(1);
        assert_eq!(one, run(3), "batch {batch}");
        let mut slow = vec![0.0; batch * 700];
        naive::step(&w, &h, &xw, &mut slow, batch, Act::Tanh);
        assert_close(&one, &slow, 600);
    }
}

#[test]
fn wide_column_indices_match_naive() {
    // cols > 65536: u32 indices take the portable paths of every kernel
    let (n, k) = (5, 70_000);
    let w = rand_csr(n, k, 0.002, true, 16);
    assert_eq!(w.col_idx().width(), 4);
    for batch in [1, 3] {
        let (h, xw) = (rand_vec(batch * k, 17), rand_vec(batch * n, 18));
        let (mut fast, mut slow) = (vec![0.0; batch * n], vec![0.0; batch * n]);
        step(&w, &h, &xw, &mut fast, batch, Act::Relu);
        naive::step(&w, &h, &xw, &mut slow, batch, Act::Relu);
        assert_close(&fast, &slow, k);
        let (mut c1, mut c2) = (rand_vec(batch * k, 19), rand_vec(batch * k, 19));
        crate::sparse::spmm_nn(&mut c1, &xw, &w, batch);
        naive::spmm_nn(&mut c2, &xw, &w, batch);
        assert_close(&c1, &c2, n);
        let (mut g1, mut g2) = (vec![0.0; w.nnz()], vec![0.0; w.nnz()]);
        crate::sparse::sddmm(&mut g1, &xw, &h, &w, batch);
        naive::sddmm(&mut g2, &xw, &h, &w, batch);
        assert_close(&g1, &g2, batch);
    }
}

#[test]
fn batch_chunks_cover_the_batch_in_at_most_64_rows_of_whole_lane_groups() {
    for batch in 1..=400 {
        let c = batch_chunks(batch);
        assert_eq!((c[0], *c.last().unwrap(), c.len() - 1), (0, batch, batch.div_ceil(64)), "batch {batch}");
        for (i, w) in c.windows(2).enumerate() {
            let size = w[1] - w[0];
            assert!(size > 0 && size <= 64, "batch {batch}: chunk {i} has {size} rows");
            assert!(w[1] == batch || size % 8 == 0, "batch {batch}: chunk {i} has {size} rows");
        }
    }
    assert_eq!(batch_chunks(200), vec![0, 56, 104, 152, 200]);
    // an empty batch is one empty chunk, and the step does nothing
    assert_eq!(batch_chunks(0), vec![0, 0]);
    let w = rand_csr(5, 4, 0.5, false, 30);
    let mut out: Vec<f32> = vec![];
    step(&w, &[], &[], &mut out, 0, Act::Relu);
}

#[test]
fn batches_of_several_chunks_are_thread_count_independent_and_match_naive() {
    // 2 threads take whole chunks (4 chunks of B = 200), 3 split each chunk's rows
    let w = rand_csr(300, 260, 0.3, true, 21);
    assert!(w.nnz() * 200 >= crate::sparse::PAR_WORK);
    for batch in [130, 200] {
        let h = rand_vec(batch * 260, 22);
        let xw = rand_vec(batch * 300, 23);
        let run = |t| {
            with_threads(t, || {
                let mut o = vec![0.0; batch * 300];
                step(&w, &h, &xw, &mut o, batch, Act::Relu);
                o
            })
        };
        let one = run(1);
        assert_eq!(one, run(2), "batch {batch}");
        assert_eq!(one, run(3), "batch {batch}");
        let mut slow = vec![0.0; batch * 300];
        naive::step(&w, &h, &xw, &mut slow, batch, Act::Relu);
        assert_close(&one, &slow, 260);
    }
}
