//! Navigation data: place-cell codes, trajectory statistics, the decoding metric, batches.
use geosparse_moduli::seed;
use geosparse_tasks::navigation::metric::decoding_error;
use geosparse_tasks::navigation::place_cells::PlaceCells;
use geosparse_tasks::navigation::task::{NavConfig, NavTask};
use geosparse_tasks::navigation::trajectory::{TrajectoryConfig, Trajectories};
use geosparse_tasks::task::{Split, Task};

#[test]
fn place_cell_codes_are_normalised_and_peak_at_the_centre() {
    let pc = PlaceCells::new(256, 2.2, 0.12, 2.0, 3);
    assert!(pc.centres.iter().all(|c| c.abs() <= 1.1));
    let mean_x: f32 = pc.centres.iter().step_by(2).sum::<f32>() / 256.0;
    assert!(mean_x.abs() < 0.15, "{mean_x}");
    for k in [0usize, 17, 100] {
        let c = pc.code(&pc.centres[2 * k..2 * k + 2]);
        assert!((c.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(c.iter().all(|&v| v >= 0.0));
        let argmax = c.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        let d = |i: usize| (pc.centres[2 * i] - pc.centres[2 * k]).hypot(pc.centres[2 * i + 1] - pc.centres[2 * k + 1]);
        assert!(d(argmax) < 0.05, "cell {k}: argmax {argmax} at {} m", d(argmax));
        // the minimum of the shifted code is 0 (u + |min u|)
        assert!(c.iter().copied().fold(f32::INFINITY, f32::min).abs() < 1e-7);
    }
    // same data seed, same cells; another seed, other cells
    assert_eq!(pc.centres, PlaceCells::new(256, 2.2, 0.12, 2.0, 3).centres);
    assert_ne!(pc.centres, PlaceCells::new(256, 2.2, 0.12, 2.0, 4).centres);
}

#[test]
fn trajectory_statistics_match_the_generator() {
    let cfg = TrajectoryConfig::default();
    let t = Trajectories::generate(&cfg, 100, 400, &mut seed::rng(5, "traj"));
    let (mut steps, mut free) = (Vec::new(), Vec::new());
    let mut outside = 0usize;
    for b in 0..400 {
        for s in 0..101 {
            let (a, n) = (t.at(b, s), t.at(b, s + 1));
            // the generator turns away within 3 cm of a wall but does not clip a long step
            // (as the reference): a rat can overshoot a wall by a few cm
            assert!(n[0].abs() <= 1.2 && n[1].abs() <= 1.2, "left the box: {n:?}");
            outside += (n[0].abs() > 1.1 || n[1].abs() > 1.1) as usize;
            let len = ((n[0] - a[0]) as f64).hypot((n[1] - a[1]) as f64);
            steps.push(len);
            if a[0].abs() < 0.9 && a[1].abs() < 0.9 {
                free.push(len);
            }
        }
    }
    // away from walls a step is speed·dt with speed ~ Rayleigh(0.13·2π): mean σ√(π/2)·dt
    let mean_free = free.iter().sum::<f64>() / free.len() as f64;
    let want = 0.13 * std::f64::consts::TAU * (std::f64::consts::PI / 2.0).sqrt() * 0.02;
    assert!((mean_free - want).abs() < 0.03 * want, "mean step {mean_free} vs {want}");
    assert!((outside as f64) < 0.01 * steps.len() as f64, "{outside} positions outside the box");
    // walls slow the rat down: the overall mean is lower
    let mean_all = steps.iter().sum::<f64>() / steps.len() as f64;
    assert!(mean_all < mean_free);
    // start positions cover the box
    let xs: Vec<f32> = (0..400).map(|b| t.at(b, 0)[0]).collect();
    assert!(xs.iter().any(|&x| x < -0.8) && xs.iter().any(|&x| x > 0.8));
}

#[test]
fn heading_noise_has_the_reference_spread() {
    // in the open field the heading changes by dt·ω per step, ω ~ N(0, 11.52 rad/s)
    let t = Trajectories::generate(&TrajectoryConfig::default(), 50, 400, &mut seed::rng(6, "traj"));
    let mut turns = Vec::new();
    for b in 0..400 {
        for s in 0..50 {
            let (p, a, n) = (t.at(b, s), t.at(b, s + 1), t.at(b, s + 2));
            if [p, a, n].iter().any(|q| q[0].abs() > 0.95 || q[1].abs() > 0.95) {
                continue; // near a wall the rat may be turned away
            }
            let h1 = ((a[1] - p[1]) as f64).atan2((a[0] - p[0]) as f64);
            let h2 = ((n[1] - a[1]) as f64).atan2((n[0] - a[0]) as f64);
            turns.push((h2 - h1 + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI);
        }
    }
    let sd = (turns.iter().map(|d| d * d).sum::<f64>() / turns.len() as f64).sqrt();
    assert!((sd - 0.2304).abs() < 0.01, "turn sd {sd} over {} steps", turns.len());
}

#[test]
fn decoding_error_on_hand_made_cases() {
    let mut pc = PlaceCells::new(5, 2.2, 0.12, 2.0, 0);
    pc.centres = vec![0.0, 0.0, 0.3, 0.0, 0.0, 0.3, 1.0, 1.0, -1.0, -1.0];
    // row 0: top 3 = cells 3, 4, 0 → mean (0, 0); truth (0.3, 0.4) → 50 cm
    // row 1: top 3 = cells 0, 1, 2 → (0.1, 0.1); truth (0.1, 0.1) → 0 cm
    let logits = [1.0, -1.0, -2.0, 9.0, 8.0, 5.0, 4.0, 3.0, -7.0, -8.0];
    let e = decoding_error(&pc, &logits, &[0.3, 0.4, 0.1, 0.1], 5);
    assert!((e.mean_cm - 25.0).abs() < 1e-4, "{e:?}");
    assert_eq!((e.frac_ge_10cm, e.frac_ge_20cm, e.frac_ge_50cm), (0.5, 0.5, 0.5));
}

#[test]
fn batches_are_consistent_and_seeded() {
    let cfg = NavConfig { place_cells: 32, hidden: 16, sequence: 7, batch: 5, eval_batches: 2, eval_batch_size: 3, ..NavConfig::default() };
    let task = NavTask::new(&cfg, 9).unwrap();
    let b = task.batch(&mut seed::rng(1, "b"), 5);
    // inputs are the displacements between consecutive targets' positions
    for s in 1..7 {
        for i in 0..5 {
            let o = (s * 5 + i) * 2;
            let p = ((s - 1) * 5 + i) * 2;
            assert!((b.pos[o] - b.pos[p] - b.v[o]).abs() < 1e-5);
        }
    }
    // targets are the codes of the positions
    let c = task.cells.code(&b.pos[6..8]);
    assert_eq!(&b.targets[3 * 32..4 * 32], &c[..]);
    // the validation set is fixed by data_seed, not by the run seed
    let other = NavTask::new(&cfg, 10).unwrap();
    assert_eq!(task.eval_set()[1].pos, other.eval_set()[1].pos);
    assert_ne!(task.model.rnn.layers[0].weight_hh.value, other.model.rnn.layers[0].weight_hh.value);
}

#[test]
fn training_reduces_the_decoding_error() {
    // the soft targets are nearly uniform (u + |min u| lifts every cell), so the loss moves
    // little; the decoding error is what shows learning
    let cfg = NavConfig { place_cells: 64, hidden: 64, sequence: 10, batch: 32, eval_batches: 2, eval_batch_size: 32, ..NavConfig::default() };
    let mut task = NavTask::new(&cfg, 1).unwrap();
    let before = task.evaluate(Split::Valid);
    let mut opt = geosparse_engine::optim::Optimizer::new(geosparse_engine::optim::OptimizerConfig::adam(3e-3));
    for s in 0..300 {
        task.params_mut().into_iter().for_each(|p| p.zero_grad());
        task.train_step(s);
        opt.step(task.params_mut());
    }
    let after = task.evaluate(Split::Valid);
    assert!(after.loss < before.loss - 1e-3, "{} -> {}", before.loss, after.loss);
    assert!(after.metrics["error_cm"] < before.metrics["error_cm"] - 3.0, "{:?} -> {:?}", before.metrics, after.metrics);
}

#[test]
fn bad_configs_are_refused() {
    let bad = NavConfig { place_cells: 0, ..NavConfig::default() };
    assert!(NavTask::new(&bad, 0).err().unwrap().contains("task.place_cells: 0"));
    let bad = NavConfig { sigma: -1.0, ..NavConfig::default() };
    assert!(bad.validate("task").unwrap_err().contains("task.sigma"));
}
