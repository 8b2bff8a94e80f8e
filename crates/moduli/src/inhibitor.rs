//! Inhibitor functions f(d): the price of a recurrent weight between neurons at distance d.
//!
//! Reference constants are the defaults. The reference always ran the difference of Gaussians
//! *inverted* (R = max R − f(D)), which makes a cheap ring at d ≈ 0.89; inversion is a separate,
//! explicit switch of the regularizer (see [`crate::spec`]), never hidden in `dog` itself.
//!
//! ```
//! use geosparse_moduli::inhibitor::Inhibitor;
//! let dog = Inhibitor::dog();
//! let peak = (20f64.ln() / 3.8).sqrt();              // d* ≈ 0.888
//! assert!((dog.eval(peak) - 81.14).abs() < 0.01);
//! assert_eq!(Inhibitor::Constant { value: 1.0 }.eval(3.0), 1.0);
//! ```

use serde::{Deserialize, Serialize};

/// A resolved inhibitor with every parameter explicit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Inhibitor {
    /// amplitude · d² ("diffusion").
    Square { amplitude: f64 },
    /// amplitude · exp(−d²/width).
    Gauss { amplitude: f64, width: f64 },
    /// amplitude · (exp(−d²/width) − exp(−d²/width2)); reference 100, 5, 0.25.
    Dog { amplitude: f64, width: f64, width2: f64 },
    /// offset + amplitude · cos(frequency · d).
    Ripple { offset: f64, amplitude: f64, frequency: f64 },
    /// amplitude · d.
    Identity { amplitude: f64 },
    /// value everywhere: plain L1 (p = 1) or L2 (p = 2).
    Constant { value: f64 },
}

impl Inhibitor {
    /// The reference difference of Gaussians 100·(e^(−d²/5) − e^(−4d²)).
    pub fn dog() -> Self {
        Inhibitor::Dog { amplitude: 100.0, width: 5.0, width2: 0.25 }
    }

    /// f(d).
    #[inline]
    pub fn eval(&self, d: f64) -> f64 {
        match *self {
            Inhibitor::Square { amplitude } => amplitude * d * d,
            Inhibitor::Gauss { amplitude, width } => amplitude * (-d * d / width).exp(),
            Inhibitor::Dog { amplitude, width, width2 } => {
                amplitude * ((-d * d / width).exp() - (-d * d / width2).exp())
            }
            Inhibitor::Ripple { offset, amplitude, frequency } => offset + amplitude * (frequency * d).cos(),
            Inhibitor::Identity { amplitude } => amplitude * d,
            Inhibitor::Constant { value } => value,
        }
    }

    /// f′(d), the slope that carries the penalty's gradient into the neurons' coordinates
    /// (trainable embeddings).
    #[inline]
    pub fn derivative(&self, d: f64) -> f64 {
        match *self {
            Inhibitor::Square { amplitude } => 2.0 * amplitude * d,
            Inhibitor::Gauss { amplitude, width } => -2.0 * d / width * amplitude * (-d * d / width).exp(),
            Inhibitor::Dog { amplitude, width, width2 } => {
                amplitude * (-2.0 * d / width * (-d * d / width).exp() + 2.0 * d / width2 * (-d * d / width2).exp())
            }
            Inhibitor::Ripple { amplitude, frequency, .. } => -amplitude * frequency * (frequency * d).sin(),
            Inhibitor::Identity { amplitude } => amplitude,
            Inhibitor::Constant { .. } => 0.0,
        }
    }

    /// (f(d), f′(d)) together, the exponentials shared: each value as [`Inhibitor::eval`] and
    /// [`Inhibitor::derivative`] compute it, bit for bit.
    #[inline]
    pub fn eval_and_derivative(&self, d: f64) -> (f64, f64) {
        match *self {
            Inhibitor::Gauss { amplitude, width } => {
                let e = (-d * d / width).exp();
                (amplitude * e, -2.0 * d / width * amplitude * e)
            }
            Inhibitor::Dog { amplitude, width, width2 } => {
                let (e1, e2) = ((-d * d / width).exp(), (-d * d / width2).exp());
                (amplitude * (e1 - e2), amplitude * (-2.0 * d / width * e1 + 2.0 * d / width2 * e2))
            }
            _ => (self.eval(d), self.derivative(d)),
        }
    }

    /// The name used in configs and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Inhibitor::Square { .. } => "square",
            Inhibitor::Gauss { .. } => "gauss",
            Inhibitor::Dog { .. } => "dog",
            Inhibitor::Ripple { .. } => "ripple",
            Inhibitor::Identity { .. } => "identity",
            Inhibitor::Constant { .. } => "constant",
        }
    }

    /// True when f does not depend on d.
    pub fn is_constant(&self) -> bool {
        matches!(self, Inhibitor::Constant { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dog_reference_values_inverted() {
        // SPEC §1.3: M − dog at d = 0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5 with M = 81.14.
        let dog = Inhibitor::dog();
        let dstar = (20f64.ln() / 3.8).sqrt();
        let m = dog.eval(dstar);
        let table = [
            (0.0, 81.1), (0.25, 60.3), (0.5, 22.8), (0.75, 2.3), (1.0, 1.1),
            (1.5, 17.4), (2.0, 36.2), (3.0, 64.6), (5.0, 80.5),
        ];
        for (d, want) in table {
            let got = m - dog.eval(d);
            assert!((got - want).abs() < 0.06, "d={d}: {got} vs {want}");
        }
    }

    #[test]
    fn dog_peak_is_the_maximum() {
        let dog = Inhibitor::dog();
        let dstar = (20f64.ln() / 3.8).sqrt();
        assert!((dstar - 0.888).abs() < 1e-3);
        for i in 0..2000 {
            let d = i as f64 * 0.005;
            assert!(dog.eval(d) <= dog.eval(dstar) + 1e-12, "d={d}");
        }
    }

    #[test]
    fn other_shapes() {
        let g = Inhibitor::Gauss { amplitude: 100.0, width: 3.0 };
        assert_eq!(g.eval(0.0), 100.0);
        assert!((g.eval(3f64.sqrt()) - 100.0 / std::f64::consts::E).abs() < 1e-9);
        let r = Inhibitor::Ripple { offset: 50.0, amplitude: 50.0, frequency: 2.0 };
        assert_eq!(r.eval(0.0), 100.0);
        assert!(r.eval(std::f64::consts::FRAC_PI_2).abs() < 1e-9);
        assert_eq!(Inhibitor::Square { amplitude: 1.0 }.eval(3.0), 9.0);
        assert_eq!(Inhibitor::Identity { amplitude: 1.0 }.eval(3.0), 3.0);
    }
}
