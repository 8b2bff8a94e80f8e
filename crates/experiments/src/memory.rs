//! Will it fit? A run's memory is estimated from its config and compared with the memory the
//! machine has free *before* anything is allocated, so a typo such as `hidden = 100000` is a
//! clear refusal instead of an allocation abort or a machine that starts swapping.
//!
//! The estimate (`TaskConfig::memory_estimate` plus the regularizer's N × N matrices) is rough
//! and errs high; `--no-memory-check` (or `GEOSPARSE_NO_MEMORY_CHECK=1`, which the flag sets
//! for a sweep's workers too) skips the check.
//!
//! ```
//! use geosparse_experiments::{config::RunConfig, memory};
//! let cfg = RunConfig::from_toml_str("[task]\nkind = \"navigation\"\nhidden = 64\nplace_cells = 32", &[]).unwrap();
//! assert!(memory::run_estimate(&cfg) < 1e9);
//! assert!(memory::check(1e18, "task.hidden = 1000000").unwrap_err().contains("task.hidden = 1000000"));
//! ```

use crate::config::RunConfig;

/// The environment variable that turns the check off.
pub const SKIP_VAR: &str = "GEOSPARSE_NO_MEMORY_CHECK";

/// The environment variable that caps the memory a run may use, in bytes (e.g. a cluster job's
/// limit; the fuzz harness uses it to stay small). The smaller of it and the free memory counts.
pub const LIMIT_VAR: &str = "GEOSPARSE_MEMORY_LIMIT";

/// Bytes the run of `cfg` needs at most, roughly: the task's estimate plus, with a penalty,
/// the distance and regularizer matrices (f32, N × N, per recurrent matrix and gate block).
pub fn run_estimate(cfg: &RunConfig) -> f64 {
    let n = cfg.task.hidden() as f64;
    let layers = match &cfg.task {
        geosparse_tasks::config::TaskConfig::Lm(c) => c.layers as f64,
        _ => 1.0,
    };
    let blocks = if cfg.penalty.per_gate { cfg.task.gates() as f64 } else { 1.0 };
    let regularizer = if cfg.penalty.lambda > 0.0 { 3.0 * 4.0 * n * n * layers * blocks } else { 0.0 };
    cfg.task.memory_estimate() + regularizer
}

/// Memory a run may use now, in bytes: Linux's `MemAvailable`, capped by
/// `GEOSPARSE_MEMORY_LIMIT`; None when neither is known.
pub fn available() -> Option<f64> {
    // a malformed limit is refused by `check` before this is used
    let limit = parse_limit(std::env::var(LIMIT_VAR).ok().as_deref()).ok().flatten();
    let free = (|| {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024.0)
    })();
    match (free, limit) {
        (Some(f), Some(l)) => Some(f.min(l)),
        (f, l) => f.or(l),
    }
}

/// The value of `GEOSPARSE_MEMORY_LIMIT`: unset → None; a number of bytes > 0, else an error
/// naming the variable.
pub fn parse_limit(value: Option<&str>) -> Result<Option<f64>, String> {
    let Some(v) = value else { return Ok(None) };
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(Some(x)),
        _ => Err(format!("{LIMIT_VAR}: '{v}' is not allowed; give a number of bytes > 0 (e.g. 8e9), or unset it")),
    }
}

/// Whether the user turned the check off.
pub fn skipped() -> bool {
    std::env::var_os(SKIP_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Human-readable bytes.
pub fn show(bytes: f64) -> String {
    let gib = bytes / (1u64 << 30) as f64;
    if gib >= 1e6 { format!("{gib:.2e} GiB") } else if gib >= 0.1 { format!("{gib:.1} GiB") } else { format!("{:.0} MiB", bytes / (1u64 << 20) as f64) }
}

/// Refuses `need` bytes when they exceed the memory available; `what` names the sizes asked
/// for. Passes when the check is skipped or the available memory cannot be read.
pub fn check(need: f64, what: &str) -> Result<(), String> {
    if skipped() {
        return Ok(());
    }
    parse_limit(std::env::var(LIMIT_VAR).ok().as_deref())?;
    let Some(have) = available() else { return Ok(()) };
    if need > have {
        return Err(format!(
            "{what}: this needs about {} of memory and the machine has {} available; choose smaller sizes, or pass --no-memory-check to try anyway",
            show(need),
            show(have)
        ));
    }
    Ok(())
}

/// The sizes of a config that drive its memory, for messages.
pub fn sizes(cfg: &RunConfig) -> String {
    use geosparse_tasks::config::TaskConfig as T;
    match &cfg.task {
        T::Navigation(c) => format!(
            "task.hidden = {}, place_cells = {}, sequence = {}, batch = {}, eval_batches = {} × eval_batch_size = {}",
            c.hidden, c.place_cells, c.sequence, c.batch, c.eval_batches, c.eval_batch_size
        ),
        T::Lm(c) => format!("task.hidden = {}, embed = {}, layers = {}, batch = {}, eval_batch = {}, bptt = {}", c.hidden, c.embed, c.layers, c.batch, c.eval_batch, c.bptt),
        T::Adding(c) => format!("task.hidden = {}, sequence = {}, batch = {}, samples_per_epoch = {}, eval_samples = {}", c.hidden, c.sequence, c.batch, c.samples_per_epoch, c.eval_samples),
    }
}

/// Checks a run config (see [`check`]).
pub fn check_run(cfg: &RunConfig) -> Result<(), String> {
    check(run_estimate(cfg), &sizes(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_limit_variable_is_checked() {
        assert_eq!(parse_limit(None), Ok(None));
        assert_eq!(parse_limit(Some("8e9")), Ok(Some(8e9)));
        assert_eq!(parse_limit(Some(" 1024 ")), Ok(Some(1024.0)));
        for bad in ["abc", "0", "-5", "inf", ""] {
            let e = parse_limit(Some(bad)).unwrap_err();
            assert!(e.contains(LIMIT_VAR) && e.contains(&format!("'{bad}'")), "{e}");
        }
    }
}
