//! Navigation / path integration (SPEC §3.1): from a start position (given as a place-cell
//! code) and velocity inputs, a ReLU RNN predicts the place-cell code along the trajectory.

pub mod metric;
pub mod model;
pub mod place_cells;
pub mod task;
pub mod trajectory;
