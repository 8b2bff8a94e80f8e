//! README.md opens with the two commands, and .ci/run runs exactly the README's test command.
#[test]
fn ci_runs_the_readme_test_command() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block: Vec<&str> = readme.split("```bash").nth(1).unwrap().split("```").next().unwrap().lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(block.len(), 2, "the README opens with exactly two commands: {block:?}");
    let cmd = |l: &str| l.split('#').next().unwrap().trim().to_string();
    assert!(cmd(block[0]).contains("train"), "the first command runs the main job: {}", block[0]);
    let test = cmd(block[1]);
    assert!(test.starts_with("cargo test"), "{test}");
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let last = ci.lines().rfind(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).unwrap().trim().to_string();
    assert_eq!(last, test, ".ci/run must end with the README's test command");
}
