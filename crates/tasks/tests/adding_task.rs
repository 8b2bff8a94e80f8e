//! The adding task: the held-out sets, the baseline, and learning below it.
use geosparse_tasks::adding::task::{AddingConfig, AddingTask};
use geosparse_tasks::task::{Split, Task};

#[test]
fn learns_below_the_trivial_baseline_on_short_sequences() {
    let cfg = AddingConfig { sequence: 6, hidden: 24, batch: 32, samples_per_epoch: 32 * 400, eval_samples: 512, ..AddingConfig::default() };
    let mut task = AddingTask::new(&cfg, 1).unwrap();
    let before = task.evaluate(Split::Test);
    assert!((before.metrics["baseline_mse"] - 1.0 / 6.0).abs() < 0.03);
    let mut opt = geosparse_engine::optim::Optimizer::new(geosparse_engine::optim::OptimizerConfig::adam(1e-2));
    for s in 0..task.steps_per_epoch() {
        task.params_mut().into_iter().for_each(|p| p.zero_grad());
        task.train_step(s);
        opt.step(task.params_mut());
    }
    let after = task.evaluate(Split::Test);
    assert!(after.metrics["mse"] < 0.5 * after.metrics["baseline_mse"], "{:?} -> {:?}", before.metrics, after.metrics);
    // validation and test are different fixed sets
    assert_ne!(task.evaluate(Split::Valid).metrics["baseline_mse"], after.metrics["baseline_mse"]);
}

#[test]
fn an_epoch_is_exactly_samples_per_epoch() {
    let cfg = AddingConfig { samples_per_epoch: 10_000, batch: 32, ..AddingConfig::default() };
    let task = AddingTask::new(&AddingConfig { eval_samples: 8, ..cfg }, 0).unwrap();
    assert_eq!(task.steps_per_epoch(), 313); // 312 full batches and one of 16
    assert!(AddingTask::new(&AddingConfig { sequence: 1, ..AddingConfig::default() }, 0).err().unwrap().contains("task.sequence"));
}
