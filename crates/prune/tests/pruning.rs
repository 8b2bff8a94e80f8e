//! Pruning: exact counts per schedule, the global threshold, ties, and the random-mask control.
use geosparse_engine::param::{Param, ParamKind};
use geosparse_prune::controls::random_like;
use geosparse_prune::magnitude::{Scope, count, masks_for, prune};
use geosparse_prune::report::Sparsity;
use geosparse_prune::schedule::{Kind, Schedule};
use proptest::prelude::*;

fn param(name: &str, v: Vec<f32>) -> Param {
    let mut p = Param::zeros(name, &[v.len()], ParamKind::Weight);
    p.value = v;
    p
}

proptest! {
    #[test]
    fn global_prunes_exactly_k_smallest(a in prop::collection::vec(-1.0f32..1.0, 1..60), b in prop::collection::vec(-1.0f32..1.0, 1..60), f in 0.0f64..1.0) {
        let mut pa = param("a", a.clone());
        let mut pb = param("b", b.clone());
        let k = prune(&mut [&mut pa, &mut pb], f, Scope::Global);
        prop_assert_eq!(k, count(f, a.len() + b.len()));
        let all: Vec<(f32, u8)> = a.iter().zip(pa.mask.as_ref().unwrap()).chain(b.iter().zip(pb.mask.as_ref().unwrap())).map(|(&w, &m)| (w.abs(), m)).collect();
        let max_pruned = all.iter().filter(|x| x.1 == 0).map(|x| x.0).fold(0.0f32, f32::max);
        let min_kept = all.iter().filter(|x| x.1 == 1).map(|x| x.0).fold(f32::INFINITY, f32::min);
        prop_assert!(max_pruned <= min_kept);
        // baked: pruned values are exact zeros, kept values unchanged
        for (p, orig) in [(&pa, &a), (&pb, &b)] {
            for ((&v, &m), &o) in p.value.iter().zip(p.mask.as_ref().unwrap()).zip(orig.iter()) {
                prop_assert_eq!(v, if m == 0 { 0.0 } else { o });
            }
        }
    }

    #[test]
    fn per_tensor_prunes_each_to_its_count(a in prop::collection::vec(-1.0f32..1.0, 1..60), b in prop::collection::vec(-1.0f32..1.0, 1..60), f in 0.0f64..1.0) {
        let mut pa = param("a", a.clone());
        let mut pb = param("b", b.clone());
        prune(&mut [&mut pa, &mut pb], f, Scope::PerTensor);
        prop_assert_eq!(pa.mask.unwrap().iter().filter(|&&m| m == 0).count(), count(f, a.len()));
        prop_assert_eq!(pb.mask.unwrap().iter().filter(|&&m| m == 0).count(), count(f, b.len()));
    }
}

#[test]
fn one_global_threshold_starves_the_small_tensor() {
    // B15: the global threshold does not give every tensor the target sparsity
    let mut big = param("big", (0..90).map(|i| 1.0 + i as f32).collect());
    let mut small = param("small", (0..10).map(|i| 0.01 * (i + 1) as f32).collect());
    prune(&mut [&mut big, &mut small], 0.1, Scope::Global);
    let s = Sparsity::of(&[&big, &small]);
    assert_eq!(s.per_tensor["small"], 1.0);
    assert_eq!(s.per_tensor["big"], 0.0);
    assert!((s.overall - 0.1).abs() < 1e-12);
}

#[test]
fn ties_break_by_position_and_zeros_go_first() {
    let m = masks_for(&[&[0.5, 0.0, 0.5, 0.5], &[0.5, 0.0]], 3);
    assert_eq!(m, vec![vec![0, 0, 1, 1], vec![1, 0]]);
    // re-pruning to a higher fraction keeps what was pruned
    let mut w = param("w", vec![0.3, -0.1, 0.2, 0.05, -0.4, 0.25]);
    prune(&mut [&mut w], 1.0 / 3.0, Scope::Global);
    let first = w.mask.clone().unwrap();
    prune(&mut [&mut w], 0.5, Scope::Global);
    let second = w.mask.clone().unwrap();
    assert!(first.iter().zip(&second).all(|(a, b)| *a == 1 || *b == 0));
    assert_eq!(second, vec![1, 0, 0, 0, 1, 1]);
}

#[test]
fn linear_schedule_exact_fractions_and_counts() {
    let s = Schedule { kind: Kind::Linear, target: 0.9, ..Default::default() };
    let e = 30;
    let fr: Vec<Option<f64>> = (0..e).map(|ep| s.at(ep, 0, ep as u64 * 1000, e)).collect();
    assert_eq!(fr[0], None);
    for (ep, f) in fr.iter().enumerate().skip(1) {
        assert!((f.unwrap() - 0.9 * ep as f64 / 29.0).abs() < 1e-15);
    }
    // counts on the paper's navigation set: Σ numel = 20 979 712
    assert_eq!(count(fr[1].unwrap(), 20_979_712), 651_095);
    assert_eq!(count(fr[29].unwrap(), 20_979_712), 18_881_741);
    assert!((1..1000).all(|st| s.at(3, st, 3000 + st, e).is_none()));
}

#[test]
fn extra_phase_may_and_april_forms() {
    let s = Schedule { kind: Kind::Linear, target: 0.9, extra_epochs: 5, extra_target: 0.98, ..Default::default() };
    let got: Vec<f64> = (30..35).map(|ep| s.at(ep, 0, 0, 30).unwrap()).collect();
    for (g, w) in got.iter().zip([0.916, 0.932, 0.948, 0.964, 0.980]) {
        assert!((g - w).abs() < 1e-12, "{got:?}");
    }
    let april = Schedule { april_compat: true, ..s.clone() };
    let got: Vec<f64> = (30..35).map(|ep| april.at(ep, 0, 0, 30).unwrap()).collect();
    for (g, w) in got.iter().zip([0.840, 0.868, 0.896, 0.924, 0.952]) {
        assert!((g - w).abs() < 1e-12, "{got:?}");
    }
    assert_eq!(s.total_epochs(30), 35);
}

#[test]
fn cubic_schedule_follows_zhu_and_gupta() {
    let s = Schedule { kind: Kind::Cubic, target: 0.9, initial: 0.0, begin_step: 100, end_step: 1100, frequency: 250, ..Default::default() };
    let events: Vec<(u64, f64)> = (0..2000).filter_map(|t| s.at((t / 500) as usize, t % 500, t, 4).map(|f| (t, f))).collect();
    let steps: Vec<u64> = events.iter().map(|e| e.0).collect();
    assert_eq!(steps, vec![100, 350, 600, 850, 1100]);
    let want = [0.0, 0.9 * (1.0 - 0.75f64.powi(3)), 0.9 * (1.0 - 0.5f64.powi(3)), 0.9 * (1.0 - 0.25f64.powi(3)), 0.9];
    for ((_, f), w) in events.iter().zip(want) {
        assert!((f - w).abs() < 1e-12);
    }
    // end_step 0 resolves to the end of the main epochs
    let r = Schedule { end_step: 0, ..s.clone() }.resolved(4, 500);
    assert_eq!(r.end_step, 1999);
}

#[test]
fn validation_names_the_field() {
    let bad = Schedule { target: 1.0, ..Default::default() };
    assert!(bad.validate("prune").unwrap_err().starts_with("prune.target: 1"));
    let bad = Schedule { target: -0.1, ..Default::default() };
    assert!(bad.validate("prune").is_err());
    let bad = Schedule { extra_epochs: 2, extra_target: 0.5, ..Default::default() };
    assert!(bad.validate("prune").unwrap_err().contains("extra_target"));
    let bad = Schedule { kind: Kind::Cubic, frequency: 0, ..Default::default() };
    assert!(bad.validate("prune").unwrap_err().contains("frequency"));
}

#[test]
fn random_mask_keeps_densities_and_moves_entries() {
    let m: Vec<Vec<u8>> = vec![(0..1000).map(|i| (i < 100) as u8).collect(), (0..10).map(|i| (i % 2) as u8).collect()];
    let r = random_like(&m, 3);
    for (a, b) in m.iter().zip(&r) {
        assert_eq!(a.iter().filter(|&&k| k == 1).count(), b.iter().filter(|&&k| k == 1).count());
    }
    assert_ne!(m[0], r[0]);
    assert_ne!(r, random_like(&m, 4));
}

#[test]
fn linear_lm_and_held_epochs() {
    // LM: n = 1..15, a = 0.9·n/15 for n ≥ 2 (epoch 1 dense)
    let s = Schedule { kind: Kind::LinearLm, target: 0.9, ..Default::default() };
    assert_eq!(s.at(0, 0, 0, 15), None);
    assert!((s.at(1, 0, 0, 15).unwrap() - 0.12).abs() < 1e-12);
    assert!((s.at(14, 0, 0, 15).unwrap() - 0.9).abs() < 1e-12);
    // adding (October 2024): 50 ramp epochs to 0.9, then 3 epochs with the final mask
    let a = Schedule { kind: Kind::Linear, target: 0.9, hold_epochs: 3, ..Default::default() };
    assert_eq!(a.total_epochs(50), 53);
    assert!((a.at(49, 0, 0, 50).unwrap() - 0.9).abs() < 1e-12);
    assert!((50..53).all(|e| a.at(e, 0, 0, 50).is_none()));
    // held epochs come before an extra phase
    let x = Schedule { hold_epochs: 2, extra_epochs: 2, extra_target: 0.98, ..a };
    assert_eq!(x.at(51, 0, 0, 50), None);
    assert!((x.at(52, 0, 0, 50).unwrap() - 0.94).abs() < 1e-12);
    assert!((x.at(53, 0, 0, 50).unwrap() - 0.98).abs() < 1e-12);
}
