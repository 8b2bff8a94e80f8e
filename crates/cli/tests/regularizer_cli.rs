//! `geosparse regularizer` end to end: the files, and clear refusals of bad input.
use std::path::Path;
use std::process::Output;
mod common;
use common::geosparse;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A user mistake: exit status 2, one line naming the problem, no panic or backtrace.
fn assert_refused(o: &Output, must_contain: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {e}");
    assert!(!e.contains("panicked") && !e.contains("RUST_BACKTRACE"), "{e}");
    for m in must_contain {
        assert!(e.contains(m), "expected {m:?} in: {e}");
    }
}

#[test]
fn writes_all_files_with_consistent_contents() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("klein");
    let o = geosparse(&["regularizer", "--space", "klein", "--inhibitor", "dog", "--invert", "--neurons", "300", "--seed", "7", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (es, emb) = geosparse_io::npy::read_f32(&out.join("embedding.npy")).unwrap();
    let (ds, dist) = geosparse_io::npy::read_f32(&out.join("distance.npy")).unwrap();
    let (rs, r) = geosparse_io::npy::read_f32(&out.join("regularizer.npy")).unwrap();
    assert_eq!((es, ds, rs.clone()), (vec![300, 2], vec![300, 300], vec![300, 300]));
    assert!(emb.iter().all(|&x| (0.0..10.0).contains(&x)));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("regularizer.json")).unwrap()).unwrap();
    assert_eq!(json["spec"]["geometry"]["kind"], "klein");
    assert_eq!(json["spec"]["inhibitor"]["width2"], 0.25);
    assert_eq!(json["spec"]["invert"], true);
    let mean = r.iter().map(|&v| v as f64).sum::<f64>() / r.len() as f64;
    assert!((json["stats"]["mean"].as_f64().unwrap() - mean).abs() < 1e-6);
    let below = r.iter().filter(|&&v| v < 10.0).count() as f64 / r.len() as f64;
    assert_eq!(json["stats"]["frac_below_10"].as_f64().unwrap(), below);
    // R = M − dog(D) entry by entry
    let m = json["stats"]["max"].as_f64().unwrap();
    for (rv, dv) in r.iter().zip(&dist).step_by(97) {
        let d = *dv as f64;
        let dog = 100.0 * ((-d * d / 5.0).exp() - (-4.0 * d * d).exp());
        assert!((*rv as f64 - (m - dog)).abs() < 1e-3);
    }
    let png = std::fs::read(out.join("regularizer.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // the same seed gives the same bytes
    let out2 = d.path().join("again");
    geosparse(&["regularizer", "--space", "klein", "--inhibitor", "dog", "--invert", "--neurons", "300", "--seed", "7", "--out", out2.to_str().unwrap()]);
    assert_eq!(std::fs::read(out.join("regularizer.npy")).unwrap(), std::fs::read(out2.join("regularizer.npy")).unwrap());
}

#[test]
fn distances_file_replaces_the_geometry() {
    let d = tempfile::tempdir().unwrap();
    let dm = d.path().join("d.npy");
    geosparse_io::npy::write_f32(&dm, &[3, 3], &[0., 1., 2., 1., 0., 1., 2., 1., 0.]).unwrap();
    let out = d.path().join("o");
    let o = geosparse(&["regularizer", "--distances", dm.to_str().unwrap(), "--inhibitor", "square", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("embedding.npy").exists());
    let (_, r) = geosparse_io::npy::read_f32(&out.join("regularizer.npy")).unwrap();
    assert_eq!(r, vec![0., 1., 4., 1., 0., 1., 4., 1., 0.]);
}

#[test]
fn bad_input_is_refused_clearly() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let o = out.to_str().unwrap();
    assert_refused(&geosparse(&["regularizer", "--space", "tours", "--inhibitor", "dog", "--neurons", "8", "--out", o]), &["--space", "'tours'", "torus", "klein", "projective"]);
    assert_refused(&geosparse(&["regularizer", "--space", "torus", "--inhibitor", "doh", "--neurons", "8", "--out", o]), &["--inhibitor", "'doh'", "dog", "ripple"]);
    assert_refused(&geosparse(&["regularizer", "--space", "torus", "--inhibitor", "dog", "--neurons", "0", "--out", o]), &["--neurons", "0"]);
    assert_refused(&geosparse(&["regularizer", "--space", "sphere", "--inhibitor", "dog", "--neurons", "8", "--radius", "-2", "--out", o]), &["--radius", "-2", "> 0"]);
    assert_refused(&geosparse(&["regularizer", "--space", "torus", "--inhibitor", "dog", "--neurons", "8", "--side", "-1", "--out", o]), &["--side", "-1"]);
    assert_refused(&geosparse(&["regularizer", "--space", "torus", "--inhibitor", "dog", "--neurons", "8", "--radius", "3", "--out", o]), &["--radius does not apply"]);
    assert_refused(&geosparse(&["regularizer", "--space", "torus", "--inhibitor", "constant", "--invert", "--neurons", "8", "--out", o]), &["--invert", "B1"]);
    // a points file whose shape does not fit
    let pts = d.path().join("p.npy");
    geosparse_io::npy::write_f32(&pts, &[5, 2], &[1.0; 10]).unwrap();
    assert_refused(&geosparse(&["regularizer", "--space", "torus", "--points", pts.to_str().unwrap(), "--inhibitor", "dog", "--neurons", "8", "--out", o]), &["--points", "5 rows", "neurons is 8"]);
    assert_refused(&geosparse(&["regularizer", "--space", "sphere", "--points", pts.to_str().unwrap(), "--inhibitor", "dog", "--out", o]), &["--points", "N × 3"]);
    assert_refused(&geosparse(&["regularizer", "--space", "torus", "--points", "/nonexistent.npy", "--inhibitor", "dog", "--out", o]), &["/nonexistent.npy"]);
    assert!(!Path::new(o).exists(), "nothing may be written for refused input");
}

#[test]
fn a_folder_with_files_is_kept_unless_force() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("precious.txt"), b"keep me").unwrap();
    let args = ["regularizer", "--space", "circle", "--inhibitor", "gauss", "--neurons", "16", "--out", out.to_str().unwrap()];
    assert_refused(&geosparse(&args), &["--out", "already holds files", "--force"]);
    assert_eq!(std::fs::read(out.join("precious.txt")).unwrap(), b"keep me");
    let mut forced = args.to_vec();
    forced.push("--force");
    let o = geosparse(&forced);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("precious.txt").exists() && out.join("regularizer.npy").exists());
}
