//! The matrix exponential and seRNN's communicability cost against committed reference values:
//! scipy.linalg.expm / expm_frechet, and seRNN's own formula (its Keras orientation) through
//! PyTorch's autograd in float64 (`tools/make_comms_fixtures.py` regenerates the file).

use faer::Mat;
use geosparse_engine::communicability::Communicability;
use geosparse_engine::expm::{expm, expm_frechet};
use serde_json::Value;
use std::sync::Arc;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/communicability.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn mat(v: &Value, n: usize) -> Mat<f64> {
    let x = floats(v);
    Mat::from_fn(n, n, |i, j| x[i * n + j])
}

fn max_rel(a: &Mat<f64>, want: &[f64]) -> f64 {
    let n = a.nrows();
    let scale = want.iter().fold(0f64, |m, x| m.max(x.abs()));
    (0..n * n).map(|k| (a[(k / n, k % n)] - want[k]).abs()).fold(0.0, f64::max) / scale
}

#[test]
fn expm_and_its_frechet_derivative_match_scipy() {
    let f = fixture();
    for case in f["expm"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let (a, e) = (mat(&case["a"], n), mat(&case["e"], n));
        let r = expm(a.as_ref());
        assert!(max_rel(&r, &floats(&case["expm"])) < 1e-12, "expm n {n}: {}", max_rel(&r, &floats(&case["expm"])));
        let (r2, l) = expm_frechet(a.as_ref(), e.as_ref());
        assert!(max_rel(&r2, &floats(&case["expm"])) < 1e-12);
        assert!(max_rel(&l, &floats(&case["frechet"])) < 1e-11, "frechet n {n}: {}", max_rel(&l, &floats(&case["frechet"])));
    }
}

#[test]
fn the_cost_and_its_gradient_match_sernn_through_pytorch_autograd() {
    let f = fixture();
    for case in f["cost"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let factor = case["factor"].as_f64().unwrap();
        let w: Vec<f32> = floats(&case["w"]).iter().map(|&x| x as f32).collect();
        let r: Vec<f32> = floats(&case["dist"]).iter().map(|&x| x as f32).collect();
        // the fixture's weights and distances are f64, ours f32: the tolerances allow for that
        let cost = Communicability::new(Arc::new(r), n, n, 1.0, factor).unwrap();
        let mut g = vec![0f32; n * n];
        let v = cost.value_and_grad(&w, None, &mut g) * (n * n) as f64; // geosparse: a mean
        let want = case["sum"].as_f64().unwrap();
        assert!((v - want).abs() < 2e-6 * want.abs(), "n {n} factor {factor}: {v} vs {want}");
        let gw = floats(&case["grad_sum"]);
        let scale = gw.iter().fold(0f64, |m, x| m.max(x.abs()));
        for k in 0..n * n {
            let ours = g[k] as f64 * (n * n) as f64;
            assert!((ours - gw[k]).abs() < 2e-5 * scale, "n {n} factor {factor} entry {k}: {ours} vs {}", gw[k]);
        }
    }
}
