//! What the engine's timing examples share: the CLI's allocator (large buffers stay mapped
//! between calls) and a best-of-3 timer.

use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Seconds per call of `f`: one untimed call, then the best of 3 runs of `reps` calls.
pub fn best_of_3(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..3)
        .map(|_| {
            let t = Instant::now();
            (0..reps).for_each(|_| f());
            t.elapsed().as_secs_f64() / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}
