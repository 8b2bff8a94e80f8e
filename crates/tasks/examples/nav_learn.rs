use geosparse_engine::optim::{Optimizer, OptimizerConfig};
use geosparse_tasks::navigation::task::{NavConfig, NavTask};
use geosparse_tasks::task::{Split, Task};
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let hidden: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(256);
    let lr: f32 = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(1e-3);
    let steps: u64 = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(2000);
    let seq: usize = args.get(4).map(|s| s.parse().unwrap()).unwrap_or(20);
    let np: usize = args.get(5).map(|s| s.parse().unwrap()).unwrap_or(256);
    let cfg = NavConfig { place_cells: np, hidden, sequence: seq, batch: 100, eval_batches: 2, eval_batch_size: 100, ..NavConfig::default() };
    let mut task = NavTask::new(&cfg, 1).unwrap();
    let mut opt = Optimizer::new(OptimizerConfig::adamw(lr, 0.01));
    let t0 = Instant::now();
    for s in 0..steps {
        task.params_mut().into_iter().for_each(|p| p.zero_grad());
        let l = task.train_step(s);
        opt.step(task.params_mut());
        if s % (steps / 10) == 0 || s == steps - 1 {
            let e = task.evaluate(Split::Valid);
            println!("step {s} train {l:.4} val {:.4} err {:.1} cm  ({:.1}s)", e.loss, e.metrics["error_cm"], t0.elapsed().as_secs_f64());
        }
    }
}
