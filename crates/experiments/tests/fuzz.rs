//! A short run of the config / model-file fuzzer (`examples/fuzz.rs` runs it for minutes):
//! a few hundred mutated inputs of each kind, none may panic.
use geosparse_experiments::fuzz::{Fuzzer, Target, feed, seed_corpus};

#[test]
fn mutated_configs_and_model_files_are_refused_without_panics() {
    // SAFETY: the only test of this binary; set before any thread starts
    unsafe { std::env::set_var(geosparse_experiments::memory::LIMIT_VAR, (256u64 << 20).to_string()) };
    let work = tempfile::tempdir().unwrap();
    let seeds = seed_corpus(work.path(), None).unwrap();
    // the seeds themselves parse, except the --format torch export (plain PyTorch tensors, no
    // geosparse header: infer refuses it, but its mutations still exercise the header parser)
    let accepted: Vec<bool> = seeds.iter().map(|(t, s)| feed(*t, s)).collect();
    assert_eq!(accepted.iter().filter(|a| !**a).count(), 1, "{accepted:?}");
    assert!(!accepted[accepted.len() - 1], "the torch export is the refused one");
    let stats = Fuzzer::new(11, seeds).run(|_| false, 1500);
    assert_eq!(stats.executions, 1500);
    assert!(stats.config_runs > 100 && stats.model_runs > 100, "{stats:?}");
    // mutation must produce both refusals and (mostly harmless) acceptances
    assert!(stats.accepted > 0 && stats.accepted < stats.executions, "accepted {}", stats.accepted);
    for (t, input, msg) in &stats.panics {
        eprintln!("panic on {t:?} input ({} bytes): {msg}\n{}", input.len(), String::from_utf8_lossy(&input[..input.len().min(400)]));
    }
    assert!(stats.panics.is_empty(), "{} panics", stats.panics.len());
}

#[test]
fn mutation_is_seeded() {
    let seeds = vec![(Target::Config, b"[task]\nkind = \"adding\"\nhidden = 12".to_vec())];
    let a: Vec<Vec<u8>> = { let mut f = Fuzzer::new(3, seeds.clone()); (0..50).map(|_| f.mutate(&seeds[0].1)).collect() };
    let b: Vec<Vec<u8>> = { let mut f = Fuzzer::new(3, seeds.clone()); (0..50).map(|_| f.mutate(&seeds[0].1)).collect() };
    assert_eq!(a, b);
    assert!(a.iter().any(|m| m != &seeds[0].1));
}
