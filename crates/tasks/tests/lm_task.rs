//! The language-model task on hand-made corpora: truncated BPTT state carrying, the accuracy
//! denominator, the perplexity of a uniform model, and corpus errors.
use geosparse_engine::layers::rnn::State;
use geosparse_tasks::cell::Cell;
use geosparse_tasks::lm::task::{Layout, LmTask, LmTaskConfig};
use geosparse_tasks::task::{Split, Task};
use std::path::Path;

fn corpus(dir: &Path) {
    let words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"];
    let line = |i: usize| (0..7).map(|k| words[(i * 3 + k * 5) % words.len()]).collect::<Vec<_>>().join(" ");
    let text = |n: usize, off: usize| (0..n).map(|i| line(i + off)).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(dir.join("train.txt"), text(40, 0)).unwrap();
    std::fs::write(dir.join("valid.txt"), text(10, 3)).unwrap();
    std::fs::write(dir.join("test.txt"), text(12, 7)).unwrap();
}

fn cfg(dir: &Path, cell: Cell) -> LmTaskConfig {
    LmTaskConfig { data_dir: dir.to_path_buf(), cell, hidden: 6, layers: 2, batch: 3, eval_batch: 2, bptt: 5, ..LmTaskConfig::default() }
}

#[test]
fn hidden_state_is_carried_across_chunks_and_reset_each_epoch() {
    let d = tempfile::tempdir().unwrap();
    corpus(d.path());
    let mut task = LmTask::new(&cfg(d.path(), Cell::Lstm), 1).unwrap();
    task.begin_epoch(0);
    assert!(task.carried_state().iter().all(|&x| x == 0.0));
    task.train_step(0);
    let after0 = task.carried_state();
    assert!(after0.iter().any(|&x| x != 0.0), "the state after a chunk is not carried");
    // chunk 1 continues from chunk 0's final state: recompute it by hand
    let mut model = task.model.clone();
    let ids = geosparse_tasks::lm::corpus::Corpus::load(d.path()).unwrap().train;
    let src = geosparse_tasks::lm::batchify::batchify(&ids, 3).unwrap();
    let (inp, tgt, t) = geosparse_tasks::lm::batchify::get_batch(&src, 5, 5);
    let n = 2 * 3 * 6;
    let mut carried = State { h: after0[..n].to_vec(), c: Some(after0[n..].to_vec()) };
    let mut rng = geosparse_moduli::seed::rng(0, "x");
    let with_state = model.step(inp, tgt, t, 3, &mut carried, false, &mut rng).loss;
    let mut zero = model.zero_state(3);
    let from_zero = model.step(inp, tgt, t, 3, &mut zero, false, &mut rng).loss;
    let mut task_eval = LmTask::new(&cfg(d.path(), Cell::Lstm), 1).unwrap();
    task_eval.begin_epoch(0);
    task_eval.train_step(0);
    let loss1 = task_eval.train_step(1); // dropout 0: the same forward as by hand
    assert!((loss1 - with_state).abs() < 1e-9, "{loss1} vs carried {with_state}");
    assert!((loss1 - from_zero).abs() > 1e-6, "chunk 1 ignored the carried state");
    task_eval.begin_epoch(1);
    assert!(task_eval.carried_state().iter().all(|&x| x == 0.0), "a new epoch starts from zeros");
}

#[test]
fn a_uniform_model_has_perplexity_equal_to_the_vocabulary() {
    let d = tempfile::tempdir().unwrap();
    corpus(d.path());
    let mut task = LmTask::new(&cfg(d.path(), Cell::Gru), 2).unwrap();
    task.model.decoder.weight.value.fill(0.0);
    task.model.decoder.bias.as_mut().unwrap().value.fill(0.0);
    let v = task.vocab_size as f64;
    assert_eq!(v, 9.0); // 8 words + <eos>
    for split in [Split::Valid, Split::Test] {
        let e = task.evaluate(split);
        assert!((e.metrics["ppl"] - v).abs() < 1e-4, "{split:?}: ppl {}", e.metrics["ppl"]);
    }
}

#[test]
fn accuracy_divides_by_the_number_of_predicted_tokens() {
    let d = tempfile::tempdir().unwrap();
    corpus(d.path());
    let mut task = LmTask::new(&cfg(d.path(), Cell::ElmanTanh), 3).unwrap();
    // always predict "the" (id 0): accuracy = share of "the" among the predicted targets
    task.model.decoder.weight.value.fill(0.0);
    let b = task.model.decoder.bias.as_mut().unwrap();
    b.value.fill(0.0);
    b.value[0] = 5.0;
    let e = task.evaluate(Split::Test);
    let ids = geosparse_tasks::lm::corpus::Corpus::load(d.path()).unwrap().test;
    let src = geosparse_tasks::lm::batchify::batchify(&ids, 2).unwrap();
    // every row but the first is a target; the reference divided by (last chunk length × (rows − 1))
    let targets = &src.as_slice()[2..];
    let want = targets.iter().filter(|&&t| t == 0).count() as f64 / targets.len() as f64;
    assert_eq!(e.metrics["tokens"], targets.len() as f64);
    assert!((e.metrics["accuracy"] - want).abs() < 1e-12, "{} vs {want}", e.metrics["accuracy"]);
}

#[test]
fn training_lowers_the_validation_perplexity() {
    let d = tempfile::tempdir().unwrap();
    corpus(d.path());
    let mut task = LmTask::new(&cfg(d.path(), Cell::Lstm), 4).unwrap();
    let before = task.evaluate(Split::Valid).metrics["ppl"];
    let mut opt = geosparse_engine::optim::Optimizer::new(geosparse_engine::optim::OptimizerConfig::adam(1e-2));
    for epoch in 0..6 {
        task.begin_epoch(epoch);
        for s in 0..task.steps_per_epoch() {
            task.params_mut().into_iter().for_each(|p| p.zero_grad());
            task.train_step(epoch as u64 * task.steps_per_epoch() + s);
            opt.step(task.params_mut());
        }
    }
    let after = task.evaluate(Split::Valid).metrics["ppl"];
    assert!(after < 0.6 * before, "{before} -> {after}");
}

#[test]
fn missing_or_malformed_corpora_are_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    let e = LmTask::new(&cfg(&d.path().join("nope"), Cell::Lstm), 0).err().unwrap();
    assert!(e.contains("task.data_dir") && e.contains("geosparse data ptb"), "{e}");
    corpus(d.path());
    std::fs::remove_file(d.path().join("test.txt")).unwrap();
    let e = LmTask::new(&cfg(d.path(), Cell::Lstm), 0).err().unwrap();
    assert!(e.contains("test.txt"), "{e}");
    std::fs::write(d.path().join("test.txt"), "").unwrap();
    let e = LmTask::new(&cfg(d.path(), Cell::Lstm), 0).err().unwrap();
    assert!(e.contains("test.txt") && e.contains("empty"), "{e}");
    // a split too short for the batch size
    std::fs::write(d.path().join("test.txt"), "a\n").unwrap();
    let e = LmTask::new(&cfg(d.path(), Cell::Lstm), 0).err().unwrap();
    assert!(e.contains("test split"), "{e}");
    // the WikiText-2 stand-in needs only valid.txt and test.txt
    corpus(d.path());
    std::fs::remove_file(d.path().join("train.txt")).unwrap();
    let t = LmTask::new(&LmTaskConfig { layout: Layout::Valtrain, ..cfg(d.path(), Cell::Lstm) }, 0).unwrap();
    assert!(t.steps_per_epoch() >= 1);
}
