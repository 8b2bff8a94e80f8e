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
    /// Every cell by its config name.
    pub const ALL: [Cell; 4] = [Cell::Lstm, Cell::Gru, Cell::ElmanTanh, Cell::ElmanRelu];

    /// The config name (`"lstm"`, `"gru"`, `"elman-tanh"`, `"elman-relu"`).
    pub fn name(self) -> &'static str {
        match self {
            Cell::Lstm => "lstm",
            Cell::Gru => "gru",
            Cell::ElmanTanh => "elman-tanh",
            Cell::ElmanRelu => "elman-relu",
        }
    }

    pub fn kind(self) -> CellKind {
        match self {
            Cell::Lstm => CellKind::Lstm,
            Cell::Gru => CellKind::Gru,
            Cell::ElmanTanh => CellKind::Elman(Activation::Tanh),
            Cell::ElmanRelu => CellKind::Elman(Activation::Relu),
        }
    }
}
