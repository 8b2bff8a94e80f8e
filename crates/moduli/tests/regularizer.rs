//! R = f(D): reference fractions, invert/permute, determinism, and bad specs.
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};
use geosparse_moduli::{Inhibitor, ModuliError};

fn build(space: SpaceName, inh: InhibitorName, invert: bool, permute: bool, n: usize, seed: u64) -> geosparse_moduli::Regularizer {
    let mut s = RegularizerSpec::new(space, inh);
    s.invert = invert;
    s.permute = permute;
    s.resolve(Some(n), seed).unwrap().build().unwrap()
}

#[test]
fn inverted_dog_reference_fractions_n2048() {
    // SPEC §1.3 table (fractions are N-free): mean R and share below 10 / 20.
    let cases = [
        (SpaceName::Torus, 66.3, 0.041, 0.069),
        (SpaceName::Klein, 66.3, 0.041, 0.069),
        (SpaceName::Circle, 71.4, 0.043, 0.067),
        (SpaceName::Sphere, 76.6, 0.013, 0.022),
        (SpaceName::Torus6, 80.8, 0.0, 0.0001),
        (SpaceName::S3, 80.8, 0.0004, 0.0008),
    ];
    for (space, mean, b10, b20) in cases {
        let r = build(space, InhibitorName::Dog, true, false, 2048, 5);
        let s = r.stats();
        let tol = |x: f64| 0.004f64.max(0.1 * x);
        assert!((s.mean - mean).abs() < 0.6, "{space:?} mean {}", s.mean);
        assert!((s.frac_below_10 - b10).abs() < tol(b10), "{space:?} R<10: {}", s.frac_below_10);
        assert!((s.frac_below_20 - b20).abs() < tol(b20), "{space:?} R<20: {}", s.frac_below_20);
        // realised max M ≈ 81.14 where many pairs sit near d* (not in T⁶ / S³)
        if !matches!(space, SpaceName::Torus6 | SpaceName::S3) {
            assert!((s.max - 81.14).abs() < 0.05, "{space:?} max {}", s.max);
        }
    }
}

#[test]
fn invert_and_permute_keep_the_multiset() {
    let plain = build(SpaceName::Torus, InhibitorName::Dog, false, false, 200, 9);
    let perm = build(SpaceName::Torus, InhibitorName::Dog, false, true, 200, 9);
    let inv = build(SpaceName::Torus, InhibitorName::Dog, true, false, 200, 9);
    let both = build(SpaceName::Torus, InhibitorName::Dog, true, true, 200, 9);
    let sorted = |v: &[f32]| {
        let mut v = v.to_vec();
        v.sort_by(f32::total_cmp);
        v
    };
    assert_eq!(sorted(plain.matrix()), sorted(perm.matrix()));
    assert_ne!(plain.matrix(), perm.matrix(), "permute must move entries");
    assert_eq!(sorted(inv.matrix()), sorted(both.matrix()));
    let max = plain.stats().max;
    for (a, b) in plain.matrix().iter().zip(inv.matrix()) {
        assert_eq!(*b, max - a);
    }
    // unpermuted R is symmetric with f(0) on the diagonal
    let n = 200;
    let m = plain.matrix();
    for i in 0..n {
        assert_eq!(m[i * n + i], 0.0);
        for j in 0..n {
            assert_eq!(m[i * n + j], m[j * n + i]);
        }
    }
}

#[test]
fn same_seed_same_bits_other_seed_other_r() {
    let a = build(SpaceName::Klein, InhibitorName::Dog, true, true, 128, 3);
    let b = build(SpaceName::Klein, InhibitorName::Dog, true, true, 128, 3);
    let c = build(SpaceName::Klein, InhibitorName::Dog, true, true, 128, 4);
    assert_eq!(a.matrix(), b.matrix());
    assert_eq!(a.embedding().unwrap().coords, b.embedding().unwrap().coords);
    assert_ne!(a.matrix(), c.matrix());
}

#[test]
fn r_is_f_of_d() {
    let r = build(SpaceName::Sphere, InhibitorName::Gauss, false, false, 64, 2);
    let d = r.distances();
    let f = Inhibitor::Gauss { amplitude: 100.0, width: 3.0 };
    for (rv, dv) in r.matrix().iter().zip(&d) {
        assert!((rv - f.eval(*dv as f64) as f32).abs() < 1e-3);
    }
    assert!((r.distance(3, 7) as f32 - d[3 * 64 + 7]).abs() < 1e-5);
}

#[test]
fn user_points_and_distances() {
    let dir = tempfile::tempdir().unwrap();
    // four points on the torus, one given outside [0, 10) (wrapped on load)
    let pts = [0.5f32, 0.5, 9.5, 0.5, 0.5, 9.5, 10.5, 10.5];
    let p = dir.path().join("pts.npy");
    geosparse_io::npy::write_f32(&p, &[4, 2], &pts).unwrap();
    let spec = RegularizerSpec {
        space: Some(SpaceName::Torus),
        points: Some(p.clone()),
        inhibitor: Some(InhibitorName::Identity),
        ..Default::default()
    };
    let r = spec.resolve(None, 0).unwrap().build().unwrap();
    assert_eq!(r.neurons(), 4);
    let m = r.matrix();
    assert!((m[1] - 1.0).abs() < 1e-5 && (m[2] - 1.0).abs() < 1e-5 && m[3].abs() < 1e-5, "{m:?}");
    // a distance matrix replaces the geometry
    let d = [0.0f32, 2.0, 2.0, 0.0];
    let dp = dir.path().join("d.npy");
    geosparse_io::npy::write_f32(&dp, &[2, 2], &d).unwrap();
    let spec = RegularizerSpec { distances: Some(dp.clone()), inhibitor: Some(InhibitorName::Square), ..Default::default() };
    let r = spec.resolve(Some(2), 0).unwrap().build().unwrap();
    assert_eq!(r.matrix(), &[0.0, 4.0, 4.0, 0.0]);
    assert!(r.embedding().is_none());
    // wrong shapes are clear errors
    let e = RegularizerSpec { distances: Some(dp), inhibitor: Some(InhibitorName::Square), ..Default::default() }
        .resolve(Some(3), 0)
        .unwrap_err();
    assert!(e.to_string().contains("distances") && e.to_string().contains("neurons is 3"), "{e}");
    let e = RegularizerSpec { space: Some(SpaceName::Sphere), points: Some(p), inhibitor: Some(InhibitorName::Dog), ..Default::default() }
        .resolve(None, 0)
        .unwrap_err();
    assert!(e.to_string().contains("N × 3"), "{e}");
}

#[test]
fn bad_specs_name_the_field() {
    let mut s = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
    assert!(matches!(s.resolve(Some(0), 0), Err(ModuliError::Invalid { field: "neurons", .. })));
    s.side = Some(-1.0);
    let e = s.resolve(Some(4), 0).unwrap_err().to_string();
    assert!(e.starts_with("side: -1"), "{e}");
    s.side = None;
    s.radius = Some(2.0);
    let e = s.resolve(Some(4), 0).unwrap_err().to_string();
    assert!(e.contains("radius does not apply to space 'torus'"), "{e}");
    let mut s = RegularizerSpec::new(SpaceName::Sphere, InhibitorName::Dog);
    s.radius = Some(0.0);
    assert!(s.resolve(Some(4), 0).unwrap_err().to_string().starts_with("radius: 0"));
    let mut s = RegularizerSpec::new(SpaceName::Sphere, InhibitorName::Constant);
    s.invert = true;
    let e = s.resolve(Some(4), 0).unwrap_err().to_string();
    assert!(e.contains("B1") && e.contains("invert"), "{e}");
    s.compat_l1_inverted = true;
    let r = s.resolve(Some(4), 0).unwrap().build().unwrap();
    assert!(r.matrix().iter().all(|&v| v == 0.0));
    let e = SpaceName::parse("tours").unwrap_err().to_string();
    assert!(e.contains("'tours'") && e.contains("klein") && e.contains("projective"), "{e}");
    let e = InhibitorName::parse("doge").unwrap_err().to_string();
    assert!(e.contains("ripple"), "{e}");
    let mut s = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Gauss);
    s.frequency = Some(1.0);
    let e = s.resolve(Some(4), 0).unwrap_err().to_string();
    assert!(e.contains("frequency") && e.contains("amplitude, width"), "{e}");
}

#[test]
fn with_defaults_spells_out_every_applicable_constant_and_resolves_the_same() {
    let mut s = RegularizerSpec::new(SpaceName::Klein, InhibitorName::Dog);
    s.invert = true;
    let full = s.with_defaults().unwrap();
    assert_eq!((full.side, full.amplitude, full.width, full.width2), (Some(10.0), Some(100.0), Some(5.0), Some(0.25)));
    assert_eq!(full.radius, None);
    assert_eq!(full.resolve(Some(8), 1).unwrap().spec, s.resolve(Some(8), 1).unwrap().spec);
    let s3 = RegularizerSpec::new(SpaceName::S3, InhibitorName::Ripple).with_defaults().unwrap();
    assert_eq!((s3.radius, s3.dim, s3.offset), (Some(10.0), None, Some(50.0)));
}

#[test]
fn a_grid_is_the_sernn_lattice_with_euclidean_distances() {
    let mut s = RegularizerSpec::new(SpaceName::Grid, InhibitorName::Identity);
    s.shape = Some(vec![5, 5, 4]);
    let r = s.resolve(Some(100), 3).unwrap().build().unwrap();
    let m = r.matrix();
    // neuron 0 = (0, 0, 0), 1 = (0, 0, 1), 4 = (0, 1, 0), 20 = (1, 0, 0), 99 = (4, 4, 3)
    assert_eq!((m[1], m[4], m[20]), (1.0, 1.0, 1.0));
    assert!((m[99] - 41f32.sqrt()).abs() < 1e-5);
    assert!((0..100).all(|i| m[i * 100 + i] == 0.0));
    // the lattice is the same whatever the seed
    assert_eq!(s.resolve(Some(100), 9).unwrap().build().unwrap().matrix(), m);
    // shape and N must agree; shape is required, non-empty, >= 1 per axis; and grid-only
    let e = s.resolve(Some(99), 0).unwrap_err().to_string();
    assert!(e.contains("shape") && e.contains("100 points") && e.contains("N = 99"), "{e}");
    for bad in [None, Some(vec![]), Some(vec![5, 0, 4])] {
        s.shape = bad;
        let e = s.resolve(Some(100), 0).unwrap_err().to_string();
        assert!(e.starts_with("shape") && e.contains("e.g. shape = [5, 5, 4]"), "{e}");
    }
    s.shape = Some(vec![10, 10]);
    s.side = Some(3.0);
    assert!(s.resolve(Some(100), 0).unwrap_err().to_string().contains("side"));
    let mut t = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
    t.shape = Some(vec![2, 2]);
    let e = t.resolve(Some(4), 0).unwrap_err().to_string();
    assert!(e.contains("shape") && e.contains("grid"), "{e}");
}
