//! Branch-free f32 `exp`, `sigmoid` and `tanh` that the compiler vectorises (AVX2: 8 lanes),
//! accurate to a few ulp (tested against f64 over the whole range). The softmax of a 10 000-word
//! readout and the gate nonlinearities of GRU/LSTM spend most of their time here.
//!
//! ```
//! use geosparse_engine::math::{exp, sigmoid, tanh};
//! assert!((exp(1.0) - std::f32::consts::E).abs() < 1e-6);
//! assert_eq!(sigmoid(0.0), 0.5);
//! assert!((tanh(0.5) - 0.5f32.tanh()).abs() < 1e-6);
//! ```

/// e^x (Cephes' polynomial on [−ln2/2, ln2/2] and an exponent shift). Underflows to 0 below
/// −87.3; saturates near f32::MAX above 88.7; NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const C1: f32 = 0.693_359_4;
    const C2: f32 = -2.121_944_4e-4;
    // NaN → 0 here (restored below) so that every lane is finite for the integer conversion
    let xc = if x.is_nan() { 0.0 } else { x }.clamp(-87.336_55, 88.722_83);
    let n = xc.mul_add(LOG2E, 0.5).floor();
    let r = n.mul_add(-C2, n.mul_add(-C1, xc));
    let mut p = 1.987_569_1e-4f32;
    p = p.mul_add(r, 1.398_199_9e-3);
    p = p.mul_add(r, 8.333_452e-3);
    p = p.mul_add(r, 4.166_579_6e-2);
    p = p.mul_add(r, 1.666_666_5e-1);
    p = p.mul_add(r, 0.5);
    let y = (p * r).mul_add(r, r) + 1.0;
    // SAFETY: n = floor(xc·log2 e + 0.5) with xc finite in [−87.34, 88.73]: n ∈ [−126, 128].
    // (A plain `as` cast saturates and checks NaN lane by lane, which stops vectorisation.)
    let ni: i32 = unsafe { n.to_int_unchecked() };
    // 2^n built as 2^(n−1)·2 so that n = 128 stays representable
    let v = y * f32::from_bits(((ni + 126) as u32) << 23) * 2.0;
    let v = if x < -87.336_55 { 0.0 } else { v };
    if x.is_nan() { f32::NAN } else { v }
}

/// 1 / (1 + e^(−x)).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// tanh(x): a 13/6 rational approximation for |x| < 0.6 (≤ 2.3 ulp), and
/// sign(x)·(1 − 2/(e^(2|x|) + 1)) beyond (≤ 1.2 ulp; ≤ 0.6 ulp for |x| > 1, where a cell's
/// derivative 1 − h² is read off h and needs h's last bits).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let far = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
    let near = tanh_rational(x);
    if a < 0.6 { near } else { far.copysign(x) }
}

#[inline(always)]
fn tanh_rational(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let mut p = -2.760_768_5e-16f32;
    p = p.mul_add(x2, 2.000_188e-13);
    p = p.mul_add(x2, -8.604_672e-11);
    p = p.mul_add(x2, 5.122_297e-8);
    p = p.mul_add(x2, 1.485_722_4e-5);
    p = p.mul_add(x2, 6.372_619_3e-4);
    p = p.mul_add(x2, 4.893_524_6e-3);
    p *= x;
    let mut q = 1.198_258_4e-6f32;
    q = q.mul_add(x2, 1.185_347_1e-4);
    q = q.mul_add(x2, 2.268_434_6e-3);
    q = q.mul_add(x2, 4.893_525e-3);
    p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f32, b: f64) -> f64 {
        let b32 = b as f32;
        (a as f64 - b).abs() / (b32.abs() as f64 * f32::EPSILON as f64).max(f32::MIN_POSITIVE as f64)
    }

    #[test]
    fn exp_is_within_a_few_ulp() {
        let mut worst = 0f64;
        let mut x = -87.0f32;
        while x < 88.5 {
            worst = worst.max(ulps(exp(x), (x as f64).exp()));
            x += 0.0137;
        }
        assert!(worst < 3.0, "exp: {worst} ulp");
        assert_eq!(exp(-100.0), 0.0);
        assert!(exp(f32::NAN).is_nan());
        assert!(exp(88.7).is_finite() && exp(88.7) > 3e38);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn tanh_and_sigmoid_are_accurate() {
        let mut worst_t = 0f64;
        let mut worst_s = 0f64;
        let mut x = -20.0f32;
        while x < 20.0 {
            let t = (x as f64).tanh();
            worst_t = worst_t.max((tanh(x) as f64 - t).abs() / t.abs().max(1e-30));
            let s = 1.0 / (1.0 + (-(x as f64)).exp());
            worst_s = worst_s.max((sigmoid(x) as f64 - s).abs() / s);
            x += 0.000_913;
        }
        assert!(worst_t < 3e-7, "tanh relative error {worst_t}");
        assert!(worst_s < 1e-6, "sigmoid relative error {worst_s}");
        for tiny in [1e-3f32, 1e-6, -1e-8] {
            assert!(((tanh(tiny) - tiny) / tiny).abs() < 1e-6);
        }
    }
}
