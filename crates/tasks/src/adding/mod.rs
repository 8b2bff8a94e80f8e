//! The adding problem (SPEC §3.3): a sequence of (value, marker) pairs with exactly two marked
//! steps; the network must output the sum of the two marked values.
//!
//! * [`data`]: seeded batches, sequence-first, and the held-out test set.
//!
//! ```
//! use geosparse_tasks::adding::data::{batch, DEFAULT_T};
//! let b = batch(7, 0, DEFAULT_T, 32).unwrap();
//! assert_eq!((b.inputs.len(), b.targets.len()), (50 * 32 * 2, 32));
//! ```

pub mod data;
pub mod task;
