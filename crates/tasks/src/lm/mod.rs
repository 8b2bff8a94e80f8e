//! Word-level language modelling (SPEC §3.2).

pub mod model;
