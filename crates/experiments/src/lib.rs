//! # geosparse-experiments — runs, sweeps, reports and plots
//!
//! The top of the library stack: it turns the geometry, the engine and the tasks into
//! artifacts a researcher reads (run directories, tables, figures).
//!
//! ```no_run
//! use geosparse_moduli::spec::{RegularizerSpec, SpaceName, InhibitorName};
//! let mut spec = RegularizerSpec::new(SpaceName::Klein, InhibitorName::Dog);
//! spec.invert = true;
//! let reg = spec.resolve(Some(512), 7).unwrap().build().unwrap();
//! geosparse_experiments::regularizer_dir::write(&reg, "out/klein".as_ref(), false).unwrap();
//! ```

pub mod analyze;
pub mod bench;
pub mod config;
pub mod demo;
pub mod fuzz;
pub mod import;
pub mod memory;
pub mod model_file;
pub mod plot;
pub mod report;
pub mod run;
pub mod sweep;
pub mod regularizer_dir;
