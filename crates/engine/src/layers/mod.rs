//! Layers with paired `forward` / `backward` functions (llm.c style, shapes in comments).

pub mod dropout;
pub mod elman;
pub mod embedding;
pub mod gru;
pub mod layer;
pub mod linear;
pub mod lstm;
pub mod rnn;
pub mod sparse_weight;
