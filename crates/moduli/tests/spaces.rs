//! Metric properties of every built-in space, on random samples.
use geosparse_moduli::seed;
use geosparse_moduli::space::{Euclidean, Klein, Projective, Space, Sphere, Torus};
use proptest::prelude::*;

fn spaces() -> Vec<(&'static str, Box<dyn Space>)> {
    vec![
        ("circle", Box::new(Sphere { dim: 1, radius: 5.0 })),
        ("sphere", Box::new(Sphere { dim: 2, radius: 5.0 })),
        ("s3", Box::new(Sphere { dim: 3, radius: 10.0 })),
        ("torus", Box::new(Torus { dim: 2, side: 10.0 })),
        ("torus6", Box::new(Torus { dim: 6, side: 10.0 })),
        ("klein", Box::new(Klein { side: 10.0 })),
        ("euclidean", Box::new(Euclidean { dim: 3, scale: 1.0 })),
        ("projective", Box::new(Projective { radius: 5.0 })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn metric_axioms(s in any::<u64>()) {
        for (name, space) in spaces() {
            let k = space.coord_dim();
            let pts = space.sample(3, &mut seed::rng(s, name));
            let (a, b, c) = (&pts[..k], &pts[k..2 * k], &pts[2 * k..]);
            let ab = space.distance(a, b);
            prop_assert!(ab >= 0.0 && ab.is_finite(), "{name}: d = {ab}");
            prop_assert!((ab - space.distance(b, a)).abs() < 1e-9, "{name}: not symmetric");
            prop_assert!(space.distance(a, a).abs() < 1e-3, "{name}: d(a, a) = {}", space.distance(a, a));
            let (bc, ac) = (space.distance(b, c), space.distance(a, c));
            prop_assert!(ac <= ab + bc + 1e-6, "{name}: triangle {ac} > {ab} + {bc}");
            if let Some(diam) = space.diameter() {
                prop_assert!(ab <= diam + 1e-6, "{name}: {ab} beyond diameter {diam}");
            }
        }
    }

    #[test]
    fn klein_matches_brute_force_over_many_images(s in any::<u64>()) {
        let k = Klein { side: 10.0 };
        let pts = k.sample(2, &mut seed::rng(s, "klein-bf"));
        let (a, b) = (&pts[..2], &pts[2..]);
        let mut brute = f64::INFINITY;
        for m in -4..=4 {
            for n in -4..=4 {
                let (x, y) = k.image(m, n, b[0] as f64, b[1] as f64);
                brute = brute.min(((a[0] as f64 - x).powi(2) + (a[1] as f64 - y).powi(2)).sqrt());
            }
        }
        prop_assert!((k.distance(a, b) - brute).abs() < 1e-9, "9 images {} vs brute {}", k.distance(a, b), brute);
    }

    #[test]
    fn klein_identifications_are_distance_zero(s in any::<u64>(), m in -3i32..=3, n in -3i32..=3) {
        let k = Klein { side: 10.0 };
        let p = k.sample(1, &mut seed::rng(s, "klein-id"));
        let (x, y) = k.image(m, n, p[0] as f64, p[1] as f64);
        let mut q = [x as f32, y as f32];
        k.canonicalize(&mut q).unwrap();
        prop_assert!(k.distance(&p, &q) < 1e-4, "γ^{m}τ^{n}: {:?} -> {:?}, d = {}", p, q, k.distance(&p, &q));
        if m.abs() <= 1 && n.abs() <= 1 {
            // the raw image (outside the domain) is also at distance 0
            prop_assert!(k.distance(&p, &[x as f32, y as f32]) < 1e-4);
        }
    }

    #[test]
    fn torus_is_periodic(s in any::<u64>(), shift in -3i32..=3, axis in 0usize..2) {
        let t = Torus { dim: 2, side: 10.0 };
        let p = t.sample(2, &mut seed::rng(s, "torus-per"));
        let mut q = [p[2], p[3]];
        q[axis] += shift as f32 * 10.0;
        prop_assert!((t.distance(&p[..2], &p[2..]) - t.distance(&p[..2], &q)).abs() < 1e-4);
    }

    #[test]
    fn sphere_antipodes_are_pi_r(s in any::<u64>()) {
        for (dim, r) in [(1usize, 5.0f64), (2, 5.0), (3, 10.0)] {
            let sp = Sphere { dim, radius: r };
            let a = sp.sample(1, &mut seed::rng(s, "antipode"));
            let b: Vec<f32> = a.iter().map(|x| -x).collect();
            prop_assert!((sp.distance(&a, &b) - std::f64::consts::PI * r).abs() < 1e-3);
        }
    }
}

#[test]
fn klein_boundary_glue() {
    let k = Klein { side: 10.0 };
    // (0, y) is glued to (10, 10 − y): neighbours across the glide edge
    assert!(k.distance(&[0.05, 3.0], &[9.95, 7.0]) < 0.1 + 1e-5);
    // (x, 0) is glued to (x, 10)
    assert!(k.distance(&[4.0, 0.05], &[4.0, 9.95]) < 0.1 + 1e-5);
    // but not twisted across y: (0, 3) and (10, 3) are far apart
    assert!(k.distance(&[0.05, 3.0], &[9.95, 3.0]) > 3.9);
}

#[test]
fn samples_are_uniform_enough() {
    // torus: each coordinate has mean L/2 and variance L²/12
    let t = Torus { dim: 2, side: 10.0 };
    let p = t.sample(20000, &mut seed::rng(3, "u"));
    let mean = p.iter().map(|&x| x as f64).sum::<f64>() / p.len() as f64;
    let var = p.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / p.len() as f64;
    assert!((mean - 5.0).abs() < 0.1, "{mean}");
    assert!((var - 100.0 / 12.0).abs() < 0.2, "{var}");
    // sphere S²: z is uniform on [-1, 1] (Archimedes)
    let s = Sphere { dim: 2, radius: 1.0 };
    let q = s.sample(20000, &mut seed::rng(3, "s"));
    let below = q.chunks(3).filter(|v| v[2] < -0.5).count() as f64 / 20000.0;
    assert!((below - 0.25).abs() < 0.015, "{below}");
    for v in q.chunks(3) {
        let n: f32 = v.iter().map(|x| x * x).sum();
        assert!((n - 1.0).abs() < 1e-5);
    }
}

#[test]
fn sampling_is_deterministic_per_seed() {
    for (name, space) in spaces() {
        let a = space.sample(10, &mut seed::rng(11, name));
        let b = space.sample(10, &mut seed::rng(11, name));
        let c = space.sample(10, &mut seed::rng(12, name));
        assert_eq!(a, b, "{name}");
        assert_ne!(a, c, "{name}");
    }
}
