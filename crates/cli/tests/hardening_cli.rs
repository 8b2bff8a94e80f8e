//! Inputs a hostile or careless user types (issue 18): each one is refused with a clear message
//! and exit status 2 before any work, never aborts, hangs, runs silently or destroys a file.
mod common;
use common::{geosparse, ok, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shared toy, pruned per tensor (one global threshold strips its penalised W_hh).
static TOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!("{}scope = \"per-tensor\"\n", common::TOY));

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit status 2, no panic, and every `wants` in the message.
fn refused(o: &Output, wants: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {err}", String::from_utf8_lossy(&o.stdout));
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    for w in wants {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
}

fn train(cfg: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--threads", "2", "train", "--config", s(cfg), "--out", s(out), "--no-plots", "--quiet"];
    args.extend_from_slice(extra);
    geosparse(&args)
}

/// A trained toy run in `dir/run`.
fn trained(dir: &Path) -> PathBuf {
    let cfg = write(dir, "toy.toml", &TOY);
    let run = dir.join("run");
    ok(&train(&cfg, &run, &[]));
    run
}

fn npy(path: &Path, shape: &[usize], data: &[f32]) {
    geosparse_io::npy::write_f32(path, shape, data).unwrap();
}

/// |i − j| distances among `n` neurons (symmetric, zero diagonal).
fn line_distances(n: usize) -> Vec<f32> {
    (0..n * n).map(|k| ((k / n) as f32 - (k % n) as f32).abs()).collect()
}

#[test]
fn distance_and_point_files_in_a_training_config_are_accepted() {
    let d = tempfile::tempdir().unwrap();
    let dist = d.path().join("D.npy");
    npy(&dist, &[24, 24], &line_distances(24));
    let cfg = TOY.replace("space = \"torus\"\n", &format!("distances = {:?}\n", s(&dist)));
    let o = train(&write(d.path(), "dist.toml", &cfg), &d.path().join("a"), &[]);
    ok(&o);
    // points on the torus, read with its metric
    let pts = d.path().join("P.npy");
    npy(&pts, &[24, 2], &(0..48).map(|i| (i % 10) as f32 * 0.9).collect::<Vec<_>>());
    let cfg = TOY.replace("space = \"torus\"\n", &format!("space = \"torus\"\npoints = {:?}\n", s(&pts)));
    ok(&train(&write(d.path(), "pts.toml", &cfg), &d.path().join("b"), &[]));
    // a file with another N names both numbers
    npy(&dist, &[32, 32], &line_distances(32));
    let cfg = TOY.replace("space = \"torus\"\n", &format!("distances = {:?}\n", s(&dist)));
    refused(&train(&write(d.path(), "bad.toml", &cfg), &d.path().join("c"), &[]), &["penalty.regularizer.distances", "32 rows", "task.hidden is 24"]);
}

#[test]
fn sizes_that_do_not_fit_in_memory_are_refused_before_allocating() {
    let d = tempfile::tempdir().unwrap();
    for (key, value) in [("hidden", "1000000"), ("place_cells", "100000000"), ("batch", "1000000000"), ("sequence", "1000000000"), ("eval_batch_size", "1000000000")] {
        let cfg = write(d.path(), "big.toml", &TOY.replace(&format!("\n{key} = "), &format!("\n{key} = {value}\n#")));
        let o = train(&cfg, &d.path().join("never"), &[]);
        refused(&o, &["needs about", "available", "--no-memory-check"]);
        assert!(!d.path().join("never").exists(), "{key}: a refused run must not create its folder");
    }
    refused(&geosparse(&["regularizer", "--space", "torus", "--inhibitor", "dog", "--neurons", "1000000", "--out", s(&d.path().join("r"))]), &["--neurons 1000000", "needs about"]);
    // a sweep checks its largest run before starting any worker
    write(d.path(), "base.toml", &TOY);
    let sweep = write(d.path(), "sweep.toml", "base = \"base.toml\"\nname = \"big\"\n[axes]\n\"task.hidden\" = [24, 1000000]\n");
    refused(&geosparse(&["sweep", "--config", s(&sweep), "--out", s(&d.path().join("sw"))]), &["run 1", "needs about"]);
}

#[test]
fn infer_refuses_a_model_file_whose_embedded_config_does_not_fit() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let file = d.path().join("m.safetensors");
    ok(&geosparse(&["export", s(&run), "--out", s(&file)]));
    let huge = d.path().join("huge.safetensors");
    rewrite(&file, &huge, |meta, _| {
        meta["config"]["task"]["eval_batch_size"] = 2_000_000_000u64.into();
        meta["config"]["task"]["eval_batches"] = 1_000_000u64.into();
    });
    refused(&geosparse(&["infer", s(&huge)]), &["embedded config", "needs about"]);
}

#[test]
fn absurd_thread_counts_and_step_counts_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "toy.toml", &TOY);
    let out = d.path().join("never");
    refused(&geosparse(&["--threads", "100000", "train", "--config", s(&cfg), "--out", s(&out)]), &["--threads", "100000"]);
    refused(&geosparse(&["--threads", "0", "train", "--config", s(&cfg), "--out", s(&out)]), &["--threads"]);
    let t = write(d.path(), "t.toml", &format!("threads = 100000\n{}", *TOY));
    refused(&geosparse(&["train", "--config", s(&t), "--out", s(&out)]), &["threads: 100000"]);
    refused(&train(&cfg, &out, &["--max-steps", "0"]), &["--max-steps: 0"]);
    refused(&train(&cfg, &out, &["--resume", "--force"]), &["--resume and --force"]);
    assert!(!out.exists());
}

#[test]
fn a_config_without_a_task_is_refused() {
    let d = tempfile::tempdir().unwrap();
    for (i, text) in ["", "   \n\t\n", "# just a comment\n# and another\n", "seed = 3\n[train]\nepochs = 2\n"].iter().enumerate() {
        let cfg = write(d.path(), &format!("c{i}.toml"), text);
        refused(&train(&cfg, &d.path().join("never"), &[]), &["task", "no [task]", "navigation"]);
    }
}

#[test]
fn out_of_range_floats_and_negative_flags_get_clear_messages() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "l.toml", &TOY.replace("lambda = 0.1", "lambda = 1e300"));
    refused(&train(&cfg, &d.path().join("never"), &[]), &["penalty.lambda", "1e300", "out of range"]);
    refused(&geosparse(&["regularizer", "--space", "torus", "--inhibitor", "dog", "--neurons", "-1", "--out", s(&d.path().join("r"))]), &["--neurons: -1 is not allowed"]);
    let o = geosparse(&["train", "--config", s(&cfg), "--max-steps", "-3"]);
    refused(&o, &["--max-steps", "-3"]);
    assert!(!stderr(&o).contains("unexpected argument"), "{}", stderr(&o));
}

#[test]
fn files_are_never_overwritten_silently() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let model = std::fs::read(run.join("model.safetensors")).unwrap();
    // exporting over the run's own model is refused, even with --force
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["export", s(&run), "--out", "PLACEHOLDER"];
        let target = run.join("model.safetensors");
        args[3] = s(&target);
        args.extend_from_slice(extra);
        refused(&geosparse(&args), &["--out", "the run's own model.safetensors"]);
    }
    assert_eq!(std::fs::read(run.join("model.safetensors")).unwrap(), model);
    // an existing file needs --force
    let mine = write(d.path(), "mine.safetensors", "precious");
    refused(&geosparse(&["export", s(&run), "--out", s(&mine)]), &["already exists", "--force"]);
    assert_eq!(std::fs::read(&mine).unwrap(), b"precious");
    ok(&geosparse(&["export", s(&run), "--out", s(&mine), "--force"]));
    assert_ne!(std::fs::read(&mine).unwrap(), b"precious");
    // import: the same
    let torch = d.path().join("t.safetensors");
    ok(&geosparse(&["export", s(&run), "--out", s(&torch), "--format", "torch"]));
    let cfg = write(d.path(), "toy2.toml", &TOY);
    let keep = write(d.path(), "keep.safetensors", "precious");
    refused(&geosparse(&["import", s(&torch), "--config", s(&cfg), "--out", s(&keep)]), &["already exists", "--force"]);
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious");
    refused(&geosparse(&["import", s(&torch), "--config", s(&cfg), "--out", s(&torch), "--force"]), &["is the state dict being imported"]);
}

#[test]
fn force_replaces_only_a_run_folder() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "toy.toml", &TOY);
    let thesis = d.path().join("thesis");
    std::fs::create_dir(&thesis).unwrap();
    write(&thesis, "thesis.tex", "years of work");
    refused(&train(&cfg, &thesis, &["--force"]), &["--force", "not a run folder"]);
    assert_eq!(std::fs::read_to_string(thesis.join("thesis.tex")).unwrap(), "years of work");
    // a run folder is replaced whole
    let run = trained(d.path());
    write(&run, "stale.txt", "old");
    ok(&train(&cfg, &run, &["--force"]));
    assert!(!run.join("stale.txt").exists());
    assert!(run.join("summary.json").exists());
}

#[test]
fn sweeps_refuse_run_folders_and_other_sweeps() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    write(d.path(), "base.toml", &TOY);
    let a = write(d.path(), "a.toml", "base = \"base.toml\"\nname = \"alpha\"\n[axes]\nseed = [1]\n");
    let b = write(d.path(), "b.toml", "base = \"base.toml\"\nname = \"beta\"\n[axes]\nseed = [2]\n");
    refused(&geosparse(&["sweep", "--config", s(&a), "--out", s(&run)]), &["is a run folder"]);
    assert!(!run.join("runs").exists() && !run.join("sweep.json").exists());
    let out = d.path().join("sw");
    ok(&geosparse(&["--threads", "1", "sweep", "--config", s(&a), "--out", s(&out)]));
    let index = std::fs::read_to_string(out.join("sweep.json")).unwrap();
    refused(&geosparse(&["sweep", "--config", s(&b), "--out", s(&out)]), &["holds the sweep 'alpha'", "--force"]);
    assert_eq!(std::fs::read_to_string(out.join("sweep.json")).unwrap(), index);
    // the same sweep again is a resume (nothing to do)
    ok(&geosparse(&["--threads", "1", "sweep", "--config", s(&a), "--out", s(&out)]));
}

#[test]
fn a_second_writer_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "toy.toml", &TOY);
    let run = d.path().join("busy");
    std::fs::create_dir(&run).unwrap();
    let held = geosparse_io::lock::lock_dir(&run).unwrap();
    refused(&train(&cfg, &run, &[]), &["another geosparse process is writing"]);
    write(d.path(), "base.toml", &TOY);
    let sweep = write(d.path(), "sw.toml", "base = \"base.toml\"\nname = \"s\"\n[axes]\nseed = [1]\n");
    let sw = d.path().join("sw");
    std::fs::create_dir(&sw).unwrap();
    let held2 = geosparse_io::lock::lock_dir(&sw).unwrap();
    refused(&geosparse(&["sweep", "--config", s(&sweep), "--out", s(&sw)]), &["another geosparse process is writing"]);
    drop((held, held2));
    // released: the same commands work
    ok(&train(&cfg, &run, &[]));
    ok(&geosparse(&["--threads", "1", "sweep", "--config", s(&sweep), "--out", s(&sw)]));
}

/// PIDs of processes whose command line mentions `needle` and `--index`.
fn workers_of(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else { continue };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) && cmd.contains("--index") {
            pids.push(pid);
        }
    }
    pids
}

#[test]
#[cfg(target_os = "linux")]
fn a_killed_sweep_leaves_no_worker_behind() {
    let d = tempfile::tempdir().unwrap();
    // runs that would take hours: killed mid-way
    write(d.path(), "base.toml", &TOY.replace("steps_per_epoch = 4", "steps_per_epoch = 10000000"));
    let sweep = write(d.path(), "sw.toml", "base = \"base.toml\"\nname = \"slow\"\n[axes]\nseed = [1, 2]\n");
    let out = d.path().join("slow-sweep-out");
    let mut parent = Command::new(env!("CARGO_BIN_EXE_geosparse")).args(["--threads", "2", "sweep", "--config", s(&sweep), "--out", s(&out), "--jobs", "2"]).spawn().unwrap();
    let needle = s(&out).to_string();
    let t0 = std::time::Instant::now();
    while workers_of(&needle).len() < 2 {
        assert!(t0.elapsed().as_secs() < 60, "workers never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    parent.kill().unwrap(); // SIGKILL: the sweep gets no chance to clean up
    parent.wait().unwrap();
    let t0 = std::time::Instant::now();
    while !workers_of(&needle).is_empty() && t0.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let survivors = workers_of(&needle);
    for pid in &survivors {
        unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
    }
    assert!(survivors.is_empty(), "workers outlived their sweep: {survivors:?}");
}

#[test]
fn report_refuses_unknown_keys_and_metrics_and_prints_numbers_as_written() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let rep = d.path().join("rep");
    refused(&geosparse(&["report", s(&run), "--out", s(&rep), "--by", "nosuchkey"]), &["--by", "nosuchkey", "shorthand"]);
    let o = geosparse(&["report", s(&run), "--out", s(&rep), "--metric", "val_eror_cm"]);
    refused(&o, &["val_eror_cm", "val_error_cm", "test_error_cm", "val_task_loss"]);
    let o = geosparse(&["report", s(&run), "--out", s(&rep), "--by", "lambda"]);
    let out = stdout(&o);
    assert!(out.contains("lambda=0.1 ") || out.contains("lambda=0.1|") || out.contains("lambda=0.1\n") || out.contains("| lambda=0.1 |"), "{out}");
    assert!(!out.contains("0.10000000149011612"), "{out}");
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains(r"ρ(\|W\|, d)") && !md.contains("ρ(|W|, d)"), "{md}");
    // an OS error names its path
    let file = write(d.path(), "afile", "x");
    let o = geosparse(&["report", s(&run), "--out", s(&file.join("sub"))]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains(s(&file)), "{}", stderr(&o));
}

/// Rewrites an exported model file with `edit` applied to its header and tensors.
fn rewrite(src: &Path, dst: &Path, edit: impl FnOnce(&mut serde_json::Value, &mut Vec<(String, Vec<usize>, Vec<u8>)>)) {
    let bytes = std::fs::read(src).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&header.metadata().as_ref().unwrap()["geosparse_model"]).unwrap();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = st.tensors().into_iter().map(|(n, v)| (n, v.shape().to_vec(), v.data().to_vec())).collect();
    edit(&mut meta, &mut tensors);
    let dtypes: std::collections::HashMap<String, safetensors::Dtype> = st.tensors().into_iter().map(|(n, v)| (n, v.dtype())).collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> =
        tensors.iter().map(|(n, shape, data)| (n.clone(), safetensors::tensor::TensorView::new(dtypes[n], shape.clone(), data).unwrap())).collect();
    let md = std::collections::HashMap::from([("geosparse_model".to_string(), meta.to_string())]);
    safetensors::serialize_to_file(views, Some(md), dst).unwrap();
}

#[test]
fn infer_refuses_non_finite_weights_bad_cells_and_misshapen_csr() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let file = d.path().join("m.safetensors");
    ok(&geosparse(&["export", s(&run), "--out", s(&file)]));
    let nan = d.path().join("nan.safetensors");
    rewrite(&file, &nan, |_, t| {
        let v = t.iter_mut().find(|x| x.0 == "rnn.weight_hh_l0.csr.values").unwrap();
        v.2[0..4].copy_from_slice(&f32::NAN.to_le_bytes());
    });
    refused(&geosparse(&["infer", s(&nan)]), &["rnn.weight_hh_l0", "NaN", "finite"]);
    let inf = d.path().join("inf.safetensors");
    rewrite(&file, &inf, |_, t| {
        let v = t.iter_mut().find(|x| x.0 == "decoder.weight" || x.0 == "decoder.weight.csr.values").unwrap();
        v.2[4..8].copy_from_slice(&f32::INFINITY.to_le_bytes());
    });
    refused(&geosparse(&["infer", s(&inf)]), &["inf", "finite"]);
    let cell = d.path().join("cell.safetensors");
    rewrite(&file, &cell, |m, _| m["cell"] = "bogus".into());
    refused(&geosparse(&["infer", s(&cell)]), &["cell 'bogus'", "elman-relu"]);
    let csr = d.path().join("csr.safetensors");
    rewrite(&file, &csr, |_, t| {
        let v = t.iter_mut().find(|x| x.0 == "rnn.weight_hh_l0.csr.values").unwrap();
        let n = v.1[0];
        assert!(n % 2 == 0 || n > 1);
        let rows = if n % 2 == 0 { 2 } else { 1 };
        v.1 = vec![rows, n / rows];
    });
    refused(&geosparse(&["infer", s(&csr)]), &["must be 1-D"]);
    refused(&geosparse(&["infer", s(&file), "--data-dir", s(d.path())]), &["--data-dir", "language model", "navigation"]);
}

#[test]
fn infer_evaluates_a_checkpoint_with_its_config_and_reports_the_task_loss() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let train = &summary["train"];
    let (val_loss, task_loss, penalty) = (train["val_loss"].as_f64().unwrap(), train["val_task_loss"].as_f64().unwrap(), train["penalty"].as_f64().unwrap());
    assert!(penalty > 0.0 && (task_loss + penalty - val_loss).abs() < 1e-9 * val_loss.abs().max(1.0), "{train}");
    // the run's model.safetensors is a checkpoint: infer takes it with the run's config
    let o = geosparse(&["--threads", "2", "infer", s(&run.join("model.safetensors")), "--config", s(&run.join("config.toml")), "--split", "valid", "--dense"]);
    let out = stdout(&o);
    let loss: f64 = out.lines().find(|l| l.trim_start().starts_with("loss ")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!((loss - task_loss).abs() <= 1e-5 * task_loss.abs().max(1.0), "{loss} vs {task_loss}: {out}");
    assert!(out.contains("without the penalty"), "{out}");
}

#[test]
fn resolved_configs_record_threads_and_run_names_stay_under_runs() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let saved = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(saved.lines().any(|l| l.trim() == "threads = 2"), "{saved}");
    // a name that would leave runs/
    let cfg = write(d.path(), "evil.toml", &format!("name = \"../../evil\"\n{}", *TOY));
    let o = Command::new(env!("CARGO_BIN_EXE_geosparse")).current_dir(d.path()).args(["train", "--config", s(&cfg), "--no-plots", "--quiet"]).output().unwrap();
    refused(&o, &["name", "../../evil", "--out"]);
    assert!(!d.path().join("../evil").exists());
}

#[test]
fn missing_inputs_and_unwritable_targets_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let lm = "[task]\nkind = \"lm\"\ndata_dir = \"/nonexistent/corpus\"\nhidden = 8\nlayers = 1\n[train]\nepochs = 1\n[penalty]\nlambda = 0.0\n";
    refused(&train(&write(d.path(), "lm.toml", lm), &d.path().join("a"), &[]), &["task.data_dir", "/nonexistent/corpus"]);
    let cfg = write(d.path(), "init.toml", &TOY.replace("[train]\n", "[train]\ninit_from = \"/nonexistent/model.safetensors\"\n"));
    refused(&train(&cfg, &d.path().join("b"), &[]), &["train.init_from", "/nonexistent/model.safetensors"]);
    let file = write(d.path(), "plainfile", "x");
    refused(&train(&write(d.path(), "toy.toml", &TOY), &file.join("run"), &[]), &["--out", s(&file)]);
}

#[test]
fn regularizer_distance_files_must_be_distances() {
    let d = tempfile::tempdir().unwrap();
    let run = |dist: &Path| geosparse(&["regularizer", "--distances", s(dist), "--inhibitor", "gauss", "--out", s(&d.path().join("out"))]);
    let f = d.path().join("D.npy");
    let mut m = line_distances(4);
    m[1] = 5.0; // (0, 1) ≠ (1, 0)
    npy(&f, &[4, 4], &m);
    refused(&run(&f), &["symmetric", "(1, 0)"]);
    let mut m = line_distances(4);
    m[5] = 0.5; // diagonal
    npy(&f, &[4, 4], &m);
    refused(&run(&f), &["entry (1, 1) = 0.5", "itself must be 0"]);
    npy(&f, &[4, 4], &[0.0; 16]);
    refused(&run(&f), &["every entry is 0"]);
    npy(&f, &[0, 0], &[]);
    let o = run(&f);
    refused(&o, &["distances", "empty"]);
    assert!(!stderr(&o).contains("--neurons"), "{}", stderr(&o));
    npy(&f, &[4, 4], &line_distances(4));
    ok(&run(&f));
    // every inhibitor parameter has help text
    let help = stdout(&geosparse(&["regularizer", "--help"]));
    for flag in ["--width <WIDTH>", "--width2 <WIDTH2>", "--offset <OFFSET>", "--frequency <FREQUENCY>"] {
        let line = help.lines().find(|l| l.contains(flag)).unwrap_or_else(|| panic!("{flag} in {help}"));
        let after = line.split(flag).nth(1).unwrap().trim();
        let next = help.lines().skip_while(|l| !l.contains(flag)).nth(1).unwrap_or("").trim().to_string();
        assert!(!after.is_empty() || (!next.is_empty() && !next.starts_with("--")), "{flag} has no help: {help}");
    }
}

#[test]
fn a_tensor_pruned_away_is_warned_about() {
    let d = tempfile::tempdir().unwrap();
    // one global threshold strips the penalised W_hh of this toy (measured: 100 %)
    let cfg = write(d.path(), "g.toml", &TOY.replace("scope = \"per-tensor\"", "scope = \"global\""));
    let o = train(&cfg, &d.path().join("g"), &[]);
    ok(&o);
    let err = stderr(&o);
    assert!(err.contains("warning: rnn.weight_hh_l0 is 100.0 % pruned"), "{err}");
    let summary = std::fs::read_to_string(d.path().join("g/summary.json")).unwrap();
    assert!(summary.contains("rnn.weight_hh_l0 is 100.0 % pruned"), "{summary}");
    // per tensor: no warning
    let o = train(&write(d.path(), "p.toml", &TOY), &d.path().join("p"), &[]);
    ok(&o);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn resumed_metrics_are_the_same_text_as_an_uninterrupted_run() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "toy.toml", &TOY);
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    ok(&train(&cfg, &a, &[]));
    ok(&train(&cfg, &b, &["--max-steps", "5"]));
    ok(&train(&cfg, &b, &["--resume"]));
    let lines = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p.join("metrics.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                // drop the wall-clock field, keep every other byte
                let i = l.find("\"wall_s\":").unwrap();
                let j = l[i..].find([',', '}']).unwrap() + i;
                format!("{}{}", &l[..i], &l[j..])
            })
            .collect()
    };
    assert_eq!(lines(&a), lines(&b));
    let sa = std::fs::read_to_string(a.join("summary.json")).unwrap();
    let sb = std::fs::read_to_string(b.join("summary.json")).unwrap();
    let strip = |t: &str| t.lines().filter(|l| !l.contains("wall_s")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&sa), strip(&sb));
}
