//! # geosparse-prune — which weights survive
//!
//! * [`magnitude`]: masks that remove the k smallest |w| over a set of tensors, with one
//!   global threshold (the paper) or one per tensor.
//! * [`schedule`]: when to prune and to what fraction — the paper's per-epoch linear ramp,
//!   Zhu & Gupta's cubic schedule, and an optional extra phase toward a higher target.
//! * [`controls`]: a random mask with the same per-tensor densities.
//! * [`report`]: the sparsity of each tensor and overall.
//!
//! ```
//! use geosparse_engine::param::{Param, ParamKind};
//! use geosparse_prune::magnitude::{prune, Scope};
//! let mut a = Param::zeros("a", &[2, 2], ParamKind::Weight);
//! a.value = vec![0.1, -0.5, 0.3, 0.0];
//! let mut b = Param::zeros("b", &[2], ParamKind::Weight);
//! b.value = vec![2.0, -0.2];
//! prune(&mut [&mut a, &mut b], 0.5, Scope::Global);   // 3 of 6 go: 0.0, 0.1, −0.2
//! assert_eq!(a.mask.as_deref(), Some(&[0, 1, 1, 0][..]));
//! assert_eq!(b.value, [2.0, 0.0]);
//! ```

pub mod controls;
pub mod dynamic;
pub mod magnitude;
pub mod report;
pub mod schedule;
