//! The recurrent cell as a config string: `"lstm"`, `"gru"`, `"elman-tanh"` or `"elman-relu"`.
//!
//! ```
//! use geosparse_tasks::cell::Cell;
//! let c: Cell = serde_json::from_str("\"elman-tanh\"").unwrap();
//! assert_eq!(c.kind().gates(), 1);
//! ```

use geosparse_engine::layers::rnn::{Activation, CellKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cell {
    Lstm,
    Gru,
    ElmanTanh,
    ElmanRelu,
}

impl Cell {
    pub fn kind(self) -> CellKind {
        match self {
            Cell::Lstm => CellKind::Lstm,
            Cell::Gru => CellKind::Gru,
            Cell::ElmanTanh => CellKind::Elman(Activation::Tanh),
            Cell::ElmanRelu => CellKind::Elman(Activation::Relu),
        }
    }
}
