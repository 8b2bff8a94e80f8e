//! Optional timing of the engine's kernels: set `GEOSPARSE_PROFILE=1` and every GEMM (by shape)
//! and every named pass is timed; [`report`] prints the totals. Off, a scope costs one load of
//! an already-initialised flag.
//!
//! ```
//! let _t = geosparse_engine::profile::scope("my pass");
//! ```

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static ON: OnceLock<bool> = OnceLock::new();
static TOTALS: Mutex<BTreeMap<String, (u64, f64)>> = Mutex::new(BTreeMap::new());

/// True when `GEOSPARSE_PROFILE` is set (to anything but 0).
#[inline]
pub fn enabled() -> bool {
    *ON.get_or_init(|| std::env::var("GEOSPARSE_PROFILE").is_ok_and(|v| v != "0"))
}

/// A timer that adds its lifetime to `name`'s total when dropped.
pub struct Scope {
    name: Option<(String, Instant)>,
}

/// Starts timing `name` (a no-op unless profiling is on).
#[inline]
pub fn scope(name: &str) -> Scope {
    Scope { name: enabled().then(|| (name.to_string(), Instant::now())) }
}

/// Like [`scope`], with a name built only when profiling is on.
#[inline]
pub fn scope_with(name: impl FnOnce() -> String) -> Scope {
    Scope { name: enabled().then(|| (name(), Instant::now())) }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let Some((n, t)) = self.name.take() {
            let mut m = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
            let e = m.entry(n).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += t.elapsed().as_secs_f64();
        }
    }
}

/// Forgets the totals so far (e.g. the warm-up steps of a benchmark).
pub fn reset() {
    TOTALS.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// Totals so far, largest first: (name, calls, seconds).
pub fn totals() -> Vec<(String, u64, f64)> {
    let m = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    let mut v: Vec<_> = m.iter().map(|(k, (c, s))| (k.clone(), *c, *s)).collect();
    v.sort_by(|a, b| b.2.total_cmp(&a.2));
    v
}

/// Prints the totals to stderr (nothing when profiling is off).
pub fn report() {
    if !enabled() {
        return;
    }
    eprintln!("profile (GEOSPARSE_PROFILE): total ms, calls, name");
    for (n, c, s) in totals() {
        eprintln!("{:10.1} {:8} {n}", s * 1e3, c);
    }
}
