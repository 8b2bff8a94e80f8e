//! Gradients for trainable embeddings against finite differences: every inhibitor's f′(d), every
//! space's ∇ d (tangent directions on the spheres, steps retracted by `canonicalize`), and the
//! penalty's gradient over the points for every space × inhibitor, inverted or not.
use geosparse_moduli::inhibitor::Inhibitor;
use geosparse_moduli::seed;
use geosparse_moduli::space::Space;
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};
use geosparse_moduli::trainable::{coordinate_grad, penalty_of_points, prices_and_grad};
use rand::Rng;
use std::sync::Arc;

fn inhibitors() -> Vec<Inhibitor> {
    vec![
        Inhibitor::Square { amplitude: 1.5 },
        Inhibitor::Gauss { amplitude: 3.0, width: 2.0 },
        Inhibitor::dog(),
        Inhibitor::Ripple { offset: 1.0, amplitude: 2.0, frequency: 1.3 },
        Inhibitor::Identity { amplitude: 0.7 },
        Inhibitor::Constant { value: 2.0 },
    ]
}

fn space(name: SpaceName) -> Arc<dyn Space> {
    let mut spec = RegularizerSpec::new(name, InhibitorName::Dog);
    if name == SpaceName::Grid {
        spec.shape = Some(vec![2, 2, 2]);
    }
    spec.resolve(Some(8), 1).unwrap().spec.geometry.space().unwrap()
}

#[test]
fn inhibitor_slopes_match_finite_differences() {
    for f in inhibitors() {
        for d in [0.05, 0.3, 0.888, 1.7, 3.2, 6.0] {
            let h = 1e-5;
            let fd = (f.eval(d + h) - f.eval(d - h)) / (2.0 * h);
            let g = f.derivative(d);
            assert!((fd - g).abs() <= 1e-5 * (1.0 + g.abs()), "{} at {d}: f′ {g} vs finite difference {fd}", f.name());
        }
    }
}

/// A direction along the space at `a`: tangent on the spheres (their coordinates are unit vectors).
fn tangent(sp: &dyn Space, a: &[f32], rng: &mut impl Rng) -> Vec<f64> {
    let mut v: Vec<f64> = (0..sp.coord_dim()).map(|_| rng.random::<f64>() - 0.5).collect();
    if sp.diameter().is_some() && a.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sub_one_abs() < 1e-3 {
        let dot: f64 = v.iter().zip(a).map(|(v, &x)| v * x as f64).sum();
        v.iter_mut().zip(a).for_each(|(v, &x)| *v -= dot * x as f64);
    }
    v
}

trait SubOneAbs {
    fn sub_one_abs(self) -> f64;
}
impl SubOneAbs for f64 {
    fn sub_one_abs(self) -> f64 {
        (self - 1.0).abs()
    }
}

/// a + t·v, retracted onto the space.
fn moved(sp: &dyn Space, a: &[f32], v: &[f64], t: f64) -> Vec<f32> {
    let mut p: Vec<f32> = a.iter().zip(v).map(|(&x, &v)| (x as f64 + t * v) as f32).collect();
    sp.canonicalize(&mut p).unwrap();
    p
}

/// Central difference of `g` along t, or None at a kink (the one-sided slopes disagree: a cut
/// locus of the nearest image or an antipode).
fn slope(g: impl Fn(f64) -> f64, h: f64) -> Option<f64> {
    let (m, z, p) = (g(-h), g(0.0), g(h));
    let (fwd, bwd) = ((p - z) / h, (z - m) / h);
    ((fwd - bwd).abs() <= 0.05 * (1.0 + fwd.abs().max(bwd.abs()))).then_some((p - m) / (2.0 * h))
}

#[test]
fn every_space_gives_the_slope_of_its_distance() {
    for name in SpaceName::ALL {
        let sp = space(name);
        let k = sp.coord_dim();
        let mut rng = seed::rng(7, "distance grad");
        let pts = sp.sample(60, &mut rng);
        let (mut checked, mut g) = (0, vec![0f64; k]);
        for pair in 0..30 {
            let (a, b) = (&pts[2 * pair * k..(2 * pair + 1) * k], &pts[(2 * pair + 1) * k..(2 * pair + 2) * k]);
            let d = sp.distance_grad(a, b, &mut g);
            assert!((d - sp.distance(a, b)).abs() < 1e-9, "{name:?}: distance_grad's d");
            let v = tangent(sp.as_ref(), a, &mut rng);
            let Some(fd) = slope(|t| sp.distance(&moved(sp.as_ref(), a, &v, t), b), 2e-3) else { continue };
            let an: f64 = g.iter().zip(&v).map(|(g, v)| g * v).sum();
            assert!((fd - an).abs() <= 3e-3 * (1.0 + an.abs()), "{name:?} pair {pair}: ∇d·v {an} vs finite difference {fd}");
            checked += 1;
        }
        assert!(checked >= 24, "{name:?}: only {checked} of 30 pairs away from kinks");
    }
}

#[test]
fn the_penalty_gradient_over_the_points_matches_finite_differences() {
    let n = 6;
    for name in SpaceName::ALL {
        let sp = space(name);
        let k = sp.coord_dim();
        for f in inhibitors() {
            for invert in [false, true] {
                let mut rng = seed::rng(11, "coordinate grad");
                let x = sp.sample(n, &mut rng);
                let s: Vec<f64> = (0..n * n).map(|_| rng.random::<f64>()).collect();
                let g = coordinate_grad(sp.as_ref(), &f, invert, &x, n, &s);
                let mut checked = 0;
                for i in 0..n {
                    let v = tangent(sp.as_ref(), &x[i * k..(i + 1) * k], &mut rng);
                    let p = |t: f64| {
                        let mut y = x.clone();
                        y[i * k..(i + 1) * k].copy_from_slice(&moved(sp.as_ref(), &x[i * k..(i + 1) * k], &v, t));
                        penalty_of_points(sp.as_ref(), &f, invert, &y, n, &s)
                    };
                    let Some(fd) = slope(p, 2e-3) else { continue };
                    let an: f64 = g[i * k..(i + 1) * k].iter().zip(&v).map(|(g, v)| g * v).sum();
                    let scale = 1.0 + an.abs() + fd.abs();
                    assert!((fd - an).abs() <= 5e-3 * scale, "{name:?} {} invert {invert} point {i}: ∂P·v {an} vs finite difference {fd}", f.name());
                    checked += 1;
                }
                assert!(checked >= 4, "{name:?} {}: only {checked} of {n} points away from kinks", f.name());
                if f.is_constant() {
                    assert!(g.iter().all(|&x| x == 0.0), "a constant R does not move the points");
                }
            }
        }
    }
}

#[test]
fn value_and_slope_together_are_each_bit_for_bit() {
    for f in inhibitors() {
        for d in [0.0, 0.05, 0.3, 0.888, 1.7, 3.2, 6.0, 40.0] {
            let (v, g) = f.eval_and_derivative(d);
            assert_eq!((v.to_bits(), g.to_bits()), (f.eval(d).to_bits(), f.derivative(d).to_bits()), "{} at {d}", f.name());
        }
    }
}

/// Every space × inhibitor, inverted or not, at n = 150 (three tiles of 64, the last one short):
/// the one-pass R equals the regularizer's own R from the same points and the one-pass
/// gradient equals `coordinate_grad`'s, up to rounding (S has zero pairs, which both skip).
#[test]
fn one_pass_prices_and_gradient_match_the_two_passes() {
    let n = 150;
    for name in SpaceName::ALL {
        for f in inhibitors() {
            for invert in [false, true] {
                let mut spec = RegularizerSpec::new(name, InhibitorName::Dog);
                if name == SpaceName::Grid {
                    spec.shape = Some(vec![5, 5, 6]);
                }
                let mut resolved = spec.resolve(Some(n), 3).unwrap();
                (resolved.spec.inhibitor, resolved.spec.invert) = (f.clone(), invert);
                let reg = resolved.build().unwrap();
                let (sp, x) = (reg.space().unwrap().clone(), reg.embedding().unwrap().coords.clone());
                let mut rng = seed::rng(5, "one pass");
                let s: Vec<f64> = (0..n * n).map(|_| if rng.random::<f64>() < 0.3 { 0.0 } else { rng.random::<f64>() }).collect();
                let (r, g) = prices_and_grad(sp.as_ref(), &f, invert, &x, n, &s).unwrap();
                let r_max = reg.matrix().iter().fold(0f32, |m, v| m.max(v.abs())).max(1.0);
                for (a, b) in r.iter().zip(reg.matrix()) {
                    assert!((a - b).abs() <= 1e-5 * r_max, "{name:?} {} invert {invert}: R {a} against {b}", f.name());
                }
                let g2 = coordinate_grad(sp.as_ref(), &f, invert, &x, n, &s);
                let g_max = g2.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
                for (a, b) in g.iter().zip(&g2) {
                    assert!((a - b).abs() <= 1e-9 * g_max, "{name:?} {} invert {invert}: gradient {a} against {b}", f.name());
                }
            }
        }
    }
}

#[test]
fn one_pass_gives_the_same_bits_for_any_thread_count() {
    let n = 200;
    let sp = space(SpaceName::Klein);
    let x = sp.sample(n, &mut seed::rng(9, "threads"));
    let mut rng = seed::rng(10, "threads s");
    let s: Vec<f64> = (0..n * n).map(|_| rng.random::<f64>()).collect();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| prices_and_grad(sp.as_ref(), &Inhibitor::dog(), true, &x, n, &s).unwrap())
    };
    let (r1, g1) = run(1);
    for threads in [2, 3] {
        let (r, g) = run(threads);
        assert!(r.iter().zip(&r1).all(|(a, b)| a.to_bits() == b.to_bits()), "R with {threads} threads");
        assert!(g.iter().zip(&g1).all(|(a, b)| a.to_bits() == b.to_bits()), "gradient with {threads} threads");
    }
}
