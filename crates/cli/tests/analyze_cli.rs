//! `geosparse analyze` end to end: a noisy circle has Betti (1, 1, 0); hexagonal ratemaps
//! score high and noise low; a toy navigation run gets graph statistics, ratemaps, grid scores
//! and activity topology; bad inputs exit with status 2 and name what is wrong.
mod common;
use common::{TOY, geosparse, ok};
use std::path::{Path, PathBuf};
use std::process::Output;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small deterministic generator (xorshift) in [−1, 1).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

fn npy(dir: &Path, name: &str, shape: &[usize], data: &[f32]) -> PathBuf {
    let p = dir.join(name);
    geosparse_io::npy::write_f32(&p, shape, data).unwrap();
    p
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn refused(o: &Output, wants: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {err}", String::from_utf8_lossy(&o.stdout));
    assert!(!err.contains("panicked"), "{err}");
    for w in wants {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
}

#[test]
fn a_noisy_circle_has_one_component_and_one_loop() {
    let d = tempfile::tempdir().unwrap();
    let mut noise = Noise(7);
    let m = 300;
    let pts: Vec<f32> = (0..m)
        .flat_map(|i| {
            let a = i as f32 * std::f32::consts::TAU / m as f32;
            [a.cos() + 0.05 * noise.next(), a.sin() + 0.05 * noise.next(), 0.05 * noise.next()]
        })
        .collect();
    let cloud = npy(d.path(), "circle.npy", &[m, 3], &pts);
    let out = d.path().join("out");
    ok(&geosparse(&["analyze", "--points", s(&cloud), "--landmarks", "60", "--out", s(&out)]));
    let v = json(&out.join("analysis.json"));
    assert_eq!(v["homology"]["betti"], serde_json::json!([1, 1, 0]), "{v:#}");
    assert_eq!(v["homology"]["points"], 300);
    assert_eq!(v["homology"]["landmarks"], 60);
    assert_eq!(v["homology"]["rule"]["name"], "long-bar");
    let bars = json(&out.join("barcodes.json"));
    assert_eq!(bars.as_array().unwrap().len(), 3);
    assert!(bars[0].as_array().unwrap().iter().any(|b| b[1].is_null()), "H0 has an essential bar");
    assert!(out.join("persistence_diagram.png").is_file());
}

/// Three plane waves 60° apart (a hexagonal grid), `spacing` bins, on an n × n map.
fn hexagonal(n: usize, spacing: f32) -> Vec<f32> {
    let k = 4.0 * std::f32::consts::PI / (3f32.sqrt() * spacing);
    (0..n * n)
        .map(|i| {
            let (x, y) = ((i % n) as f32, (i / n) as f32);
            (0..3).map(|j| { let a = j as f32 * std::f32::consts::FRAC_PI_3 + 0.2; (k * (a.cos() * x + a.sin() * y)).cos() }).sum::<f32>().max(0.0)
        })
        .collect()
}

#[test]
fn hexagonal_ratemaps_score_high_and_noise_low() {
    let d = tempfile::tempdir().unwrap();
    let n = 20;
    let mut noise = Noise(3);
    let mut maps = hexagonal(n, 7.0);
    maps.extend(hexagonal(n, 9.0));
    maps.extend((0..n * n).map(|_| noise.next()));
    let p = npy(d.path(), "maps.npy", &[3, n, n], &maps);
    let out = d.path().join("out");
    ok(&geosparse(&["analyze", "--ratemaps", s(&p), "--out", s(&out)]));
    let (shape, scores) = geosparse_io::npy::read_f32(&out.join("grid_scores.npy")).unwrap();
    assert_eq!(shape, vec![3]);
    assert!(scores[0] > 0.5 && scores[1] > 0.5, "{scores:?}");
    assert!(scores[2] < 0.3, "{scores:?}");
    let v = json(&out.join("analysis.json"));
    assert!((v["grid"]["fraction_above_threshold"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9, "{v:#}");
    // both grids beat their own block shuffles; the noise map is not a grid cell
    let (_, null) = geosparse_io::npy::read_f32(&out.join("grid_null_q95.npy")).unwrap();
    assert!(scores[0] > null[0] && scores[1] > null[1], "{scores:?} vs {null:?}");
    assert!((v["grid"]["fraction_grid_cells"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9, "{v:#}");
    assert_eq!(v["grid"]["shuffles"], 50);
    assert!(out.join("ratemaps_top.png").is_file() && out.join("grid_scores.png").is_file());
    // no null test on request; an absurd shuffle count is refused
    ok(&geosparse(&["analyze", "--ratemaps", s(&p), "--shuffles", "0", "--out", s(&out)]));
    assert!(json(&out.join("analysis.json"))["grid"]["fraction_grid_cells"].is_null());
    refused(&geosparse(&["analyze", "--ratemaps", s(&p), "--shuffles", "20000", "--out", s(&out)]), &["--shuffles", "20000"]);
}

fn finite(v: &serde_json::Value, path: &[&str]) -> f64 {
    let mut x = v;
    for k in path {
        x = if let Ok(i) = k.parse::<usize>() { &x[i] } else { &x[*k] };
    }
    let f = x.as_f64().unwrap_or_else(|| panic!("{path:?} is {x} in {v:#}"));
    assert!(f.is_finite(), "{path:?} = {f}");
    f
}

#[test]
fn a_toy_navigation_run_gets_graph_ratemaps_and_topology() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("toy.toml");
    // global 90 % prunes the toy's W_hh away entirely: keep half of each matrix
    std::fs::write(&cfg, TOY.replace("target = 0.9", "target = 0.5\nscope = \"per-tensor\"")).unwrap();
    let run = d.path().join("run");
    ok(&geosparse(&["--threads", "2", "train", "--config", s(&cfg), "--out", s(&run), "--no-plots", "--quiet"]));
    let o = geosparse(&["--threads", "2", "analyze", s(&run), "--trajectories", "200", "--min-visits", "3", "--activity-points", "300", "--landmarks", "40", "--permutations", "20", "--shuffles", "5"]);
    ok(&o);
    let out = run.join("analysis");
    let v = json(&out.join("analysis.json"));
    assert_eq!(v["task"], "navigation");
    let g = &v["graphs"][0];
    assert_eq!(g["param"], "rnn.weight_hh_l0");
    for p in [&["wiring", "cost"][..], &["wiring", "null_mean"], &["modularity", "q"], &["clustering", "onnela"], &["degrees", "in", "mean"]] {
        finite(g, p);
    }
    let frac = finite(&v, &["grid", "fraction_above_threshold"]);
    assert!((0.0..=1.0).contains(&frac));
    let betti = v["activity"]["betti"].as_array().unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(betti.len(), 3);
    assert!(betti[0].as_u64().unwrap() >= 1);
    assert_eq!(v["activity"]["pca"]["components"], 6);
    let (shape, maps) = geosparse_io::npy::read_f32(&out.join("ratemaps.npy")).unwrap();
    assert_eq!(shape, vec![24, 20, 20]);
    assert!(maps.iter().any(|x| x.is_finite()));
    // bins visited fewer than --min-visits times are left out (NaN in every map)
    let (_, visits) = geosparse_io::npy::read_f32(&out.join("visits.npy")).unwrap();
    let rare = visits.iter().filter(|&&c| c > 0.0 && c < 3.0).count();
    assert_eq!(v["grid"]["bins_below_min_visits"], rare);
    assert!(visits.iter().enumerate().all(|(i, &c)| (c >= 3.0) == maps[i].is_finite()), "{visits:?}");
    let (ashape, _) = geosparse_io::npy::read_f32(&out.join("activity.npy")).unwrap();
    assert_eq!(ashape, vec![300, 24]);
    assert!(out.join("activity/barcodes.json").is_file() && out.join("grid_scores.npy").is_file());
    // a run folder is not a stack of ratemaps
    refused(&geosparse(&["analyze", "--ratemaps", s(&run)]), &["--ratemaps", "navigation run folder"]);
    refused(&geosparse(&["analyze", s(&run), "--split", "train"]), &["--split", "train"]);
    // the report picks the analysis up: its own section and analysis.csv
    let rep = d.path().join("report");
    ok(&geosparse(&["report", s(&run), "--out", s(&rep)]));
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("What the nets became") && !md.contains("have no analysis"), "{md}");
    assert!(std::fs::read_to_string(rep.join("analysis.csv")).unwrap().lines().count() == 2);
    // --records: the run without its weights; the report made from the record alone is the same
    // report (geometry and analysis included), and the run with its record counts once
    let md_run = md.clone();
    let o = geosparse(&["report", s(&run), "--out", s(&rep), "--records"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("wrote 1 new run records"));
    let rec = rep.join("runs").join("run");
    assert!(rec.join("summary.json").is_file() && rec.join("analysis/analysis.json").is_file() && rec.join("geometry.json").is_file());
    assert!(!rec.join("model.safetensors").exists() && !rec.join("checkpoint.safetensors").exists());
    let rep2 = d.path().join("report-from-records");
    ok(&geosparse(&["report", s(&rep.join("runs")), "--out", s(&rep2)]));
    let md_rec = std::fs::read_to_string(rep2.join("report.md")).unwrap();
    assert!(md_rec.contains("Geometry recovery") && md_rec.contains("What the nets became"), "{md_rec}");
    assert_eq!(md_rec, md_run);
    assert!(rep2.join("weight_profile.png").is_file());
    ok(&geosparse(&["report", s(&run), s(&rep.join("runs")), "--out", s(&rep2)]));
    assert_eq!(std::fs::read_to_string(rep2.join("report.md")).unwrap(), md_run, "one run, counted once");
    // without an analysis the report says how to make one; --analyze makes it
    std::fs::remove_dir_all(&out).unwrap();
    ok(&geosparse(&["report", s(&run), "--out", s(&rep)]));
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("1 completed run(s) have no analysis") && md.contains("--analyze"), "{md}");
    ok(&geosparse(&["--threads", "2", "report", s(&run), "--out", s(&rep), "--analyze"]));
    assert!(out.join("analysis.json").is_file() && std::fs::read_to_string(rep.join("report.md")).unwrap().contains("What the nets became"));
}

#[test]
fn bad_inputs_are_refused_with_status_2() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let out = p.join("out");
    let mut nan = vec![0.0f32; 30];
    nan[7] = f32::NAN;
    let cases: Vec<(Vec<&str>, PathBuf, Vec<&str>)> = vec![
        (vec!["--points"], npy(p, "nan.npy", &[10, 3], &nan), vec!["--points", "non-finite", "index 7"]),
        (vec!["--points"], npy(p, "rank3.npy", &[2, 3, 5], &[0.5; 30]), vec!["--points", "2-d array"]),
        (vec!["--points"], npy(p, "two.npy", &[2, 3], &[0.5; 6]), vec!["--points", "at least 3 points"]),
        (vec!["--points"], p.join("missing.npy"), vec!["--points", "does not exist"]),
        (vec!["--maxdim", "3", "--points"], npy(p, "ok.npy", &[10, 3], &[0.5; 30]), vec!["--maxdim", "3"]),
        (vec!["--ratemaps"], npy(p, "flat.npy", &[10, 3], &[0.5; 30]), vec!["--ratemaps", "3-d array"]),
        (vec!["--ratemaps"], npy(p, "inf.npy", &[1, 5, 6], &[f32::INFINITY; 30]), vec!["--ratemaps", "non-finite"]),
        (vec!["--ratemaps"], npy(p, "tiny.npy", &[2, 3, 5], &[0.5; 30]), vec!["--ratemaps", "too small"]),
    ];
    for (flags, file, wants) in cases {
        let mut args = vec!["analyze", "--out", s(&out)];
        args.extend(flags);
        args.push(s(&file));
        refused(&geosparse(&args), &wants);
    }
    refused(&geosparse(&["analyze", s(p)]), &["RUN", "summary.json"]);
}

#[test]
fn an_adding_run_gets_the_graph_only_and_no_ratemaps() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("add.toml");
    let text = "seed = 2\n[task]\nkind = \"adding\"\ncell = \"gru\"\nhidden = 8\nsequence = 5\nbatch = 4\nsamples_per_epoch = 8\neval_samples = 4\n[train]\nepochs = 1\n[prune]\nkind = \"none\"\n";
    std::fs::write(&cfg, text).unwrap();
    let run = d.path().join("run");
    ok(&geosparse(&["--threads", "1", "train", "--config", s(&cfg), "--out", s(&run), "--no-plots", "--quiet"]));
    let out = d.path().join("analysis");
    ok(&geosparse(&["analyze", s(&run), "--out", s(&out), "--permutations", "10"]));
    let v = json(&out.join("analysis.json"));
    assert_eq!(v["task"], "adding");
    assert_eq!(v["graphs"][0]["gate_blocks"], 3, "a GRU's W_hh holds three gate blocks: {v:#}");
    finite(&v["graphs"][0], &["wiring", "cost"]);
    finite(&v["graphs"][0], &["modularity", "q"]);
    assert!(v["activity"].is_null() && v["grid"].is_null());
    assert!(v["note"].as_str().unwrap().contains("navigation runs only"));
    assert!(!out.join("ratemaps.npy").exists());
    refused(&geosparse(&["analyze", "--ratemaps", s(&run)]), &["--ratemaps", "task adding", "only for navigation"]);
}
