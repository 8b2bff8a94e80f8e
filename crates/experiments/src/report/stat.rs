//! Mean ± population standard deviation (ddof 0) over seeds, as the report prints it.
//!
//! ```
//! use geosparse_experiments::report::Stat;
//! let s = Stat::of(&[10.0, 12.0]);
//! assert_eq!((s.mean, s.std, s.n), (11.0, 1.0, 2));
//! assert_eq!(s.cell(), "11.00 ± 1.00 (n=2)");
//! ```

/// Mean, population standard deviation and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl Stat {
    pub fn of(v: &[f64]) -> Stat {
        let n = v.len();
        if n == 0 {
            return Stat { mean: f64::NAN, std: f64::NAN, n };
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        Stat { mean, std, n }
    }
    /// `mean ± std (n=…)`: 2 decimals, or 3 significant digits for values below 0.1 (an MSE).
    pub fn cell(&self) -> String {
        if self.n == 0 {
            return "—".into();
        }
        let small = self.mean.abs() < 0.1 && self.mean != 0.0;
        let d = if small { (2 - self.mean.abs().log10().floor() as i32).max(2) as usize } else { 2 };
        format!("{:.d$} ± {:.d$} (n={})", self.mean, self.std, self.n)
    }
}

/// Mean ± std of a list of series of different lengths, position by position.
pub fn band(series: &[Vec<f64>]) -> Vec<(f64, f64)> {
    let len = series.iter().map(|s| s.len()).max().unwrap_or(0);
    (0..len).map(|i| {
        let v: Vec<f64> = series.iter().filter_map(|s| s.get(i).copied()).filter(|x| x.is_finite()).collect();
        let st = Stat::of(&v);
        (st.mean, st.std)
    }).collect()
}
