//! # geosparse-moduli — the geometry under moduli regularization
//!
//! Pure geometry, no ML code: every hidden neuron gets a point on a manifold ([`space`]); an
//! inhibitor function ([`inhibitor`]) turns the distance between neurons i and j into the price
//! R_ij of the recurrent weight W_ij ([`regularizer`]); the penalty λ·mean(R ⊙ |W|ᵖ) and its
//! gradient ([`penalty`]) are what the training engine calls each step.
//!
//! ```
//! use geosparse_moduli::spec::{RegularizerSpec, SpaceName, InhibitorName};
//! use geosparse_moduli::penalty::{Penalty, Power};
//!
//! // The reference's best geometry: inverted difference of Gaussians on the 2-torus.
//! let mut spec = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
//! spec.invert = true;
//! let reg = spec.resolve(Some(128), 42).unwrap().build().unwrap();
//! let pen = Penalty::new(reg.shared_matrix(), 128, 0.1, Power::One).unwrap();
//! let w = vec![0.01f32; 128 * 128];
//! let mut grad = vec![0.0f32; w.len()];
//! let value = pen.value_and_grad(&w, None, &mut grad);
//! assert!((value - 0.1 * 0.01 * reg.stats().mean).abs() < 1e-6);
//! ```

pub mod error;
pub mod inhibitor;
pub mod penalty;
pub mod regularizer;
pub mod seed;
pub mod space;
pub mod spec;
pub mod swap;
pub mod trainable;

pub use error::ModuliError;
pub use inhibitor::Inhibitor;
pub use penalty::{Penalty, Power};
pub use regularizer::{Embedding, RStats, Regularizer};
pub use spec::{InhibitorName, RegularizerSpec, ResolvedSpec, SpaceName};
