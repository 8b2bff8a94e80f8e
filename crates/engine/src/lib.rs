//! # geosparse-engine — training recurrent networks by hand-written BPTT
//!
//! Elman (ReLU/tanh), GRU and LSTM layers with PyTorch's names, shapes and gate order; linear,
//! embedding and dropout layers; soft cross-entropy, cross-entropy and MSE; SGD, Adam and AdamW
//! with PyTorch's update rules; pruning masks honoured everywhere; the moduli penalty; and
//! safetensors checkpoints. Forward and backward passes sit side by side in each layer file,
//! with shapes in comments. Every product and parallel loop goes through [`ops`].
//!
//! ```
//! use geosparse_engine::layers::linear::Linear;
//! use geosparse_engine::loss::mse;
//! use geosparse_engine::optim::{Optimizer, OptimizerConfig};
//! use geosparse_engine::param::Module;
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let mut lin = Linear::new("fc", 2, 1, true, &mut rng);
//! let mut opt = Optimizer::new(OptimizerConfig::adam(0.05));
//! let x = [1.0f32, 2.0, -1.0, 0.5];
//! let y = [1.0f32, -1.0];
//! let mut last = f64::MAX;
//! for _ in 0..200 {
//!     lin.zero_grad();
//!     let pred = lin.forward(&x, 2);
//!     let (loss, dpred) = mse(&pred, &y);
//!     lin.backward(&x, &dpred, 2, false);
//!     opt.step(lin.params_mut());
//!     last = loss;
//! }
//! assert!(last < 1e-3);
//! ```

pub mod checkpoint;
pub mod communicability;
pub mod error;
pub mod expm;
pub mod layers;
pub mod lambda_schedule;
pub mod loss;
pub mod math;
pub mod ops;
pub mod optim;
pub mod param;
pub mod profile;
pub mod regularize;
pub mod sparse;

pub use error::EngineError;
pub use param::{Module, Param, ParamKind};
