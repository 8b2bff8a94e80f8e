//! A word-level corpus in the WikiText / Mikolov-PTB layout: a directory holding `train.txt`,
//! `valid.txt` and `test.txt`, read exactly as PyTorch's word-language-model `data.py` reads it.
//!
//! * Lines end at `\n`, `\r\n` or `\r` (Python's universal newlines); a last line without a line
//!   break counts; every line, empty ones included, contributes its words and then `<eos>`.
//! * Words are the line split on whitespace as Python's `str.split()` sees it (Unicode
//!   whitespace plus the separators U+001C–U+001F).
//! * [`Corpus::load`] builds the vocabulary over train, valid, test in order of first appearance
//!   (ids `u32`), so no token is ever unknown. [`Corpus::with_vocab`] reads with a vocabulary from
//!   elsewhere (a checkpoint's) and applies the [`Unknown`] policy to tokens outside it.
//!
//! ```
//! use geosparse_tasks::lm::corpus::{Corpus, Unknown, Vocab};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("train.txt"), "the cat\n\nthe dog\n").unwrap();
//! std::fs::write(dir.path().join("valid.txt"), "a cat\n").unwrap();
//! std::fs::write(dir.path().join("test.txt"), "the end").unwrap();
//! let c = Corpus::load(dir.path()).unwrap();
//! assert_eq!(c.vocab.words(), ["the", "cat", "<eos>", "dog", "a", "end"]);
//! assert_eq!(c.train, [0, 1, 2, 2, 0, 3, 2]);          // the empty line is one <eos>
//! assert_eq!(c.test, [0, 5, 2]);
//!
//! // A vocabulary from elsewhere: "a" and "end" are unknown and become <unk>.
//! let v = Vocab::from_words(["<unk>", "the", "cat", "dog", "<eos>"]).unwrap();
//! let c = Corpus::with_vocab(dir.path(), v.clone(), Unknown::Map).unwrap();
//! assert_eq!(c.valid, [0, 2, 4]);
//! assert!(Corpus::with_vocab(dir.path(), v, Unknown::Error).is_err());
//! ```

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The end-of-line token.
pub const EOS: &str = "<eos>";
/// The token unknown words map to under [`Unknown::Map`].
pub const UNK: &str = "<unk>";
/// The three split files, in the order the vocabulary is built.
pub const SPLIT_FILES: [&str; 3] = ["train.txt", "valid.txt", "test.txt"];

/// What to do with a token that is not in a given vocabulary (config: `unknown = "error" | "map"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unknown {
    /// Refuse the corpus, naming the token, file and line (the default).
    #[default]
    Error,
    /// Replace it by `<unk>`, which the vocabulary must contain.
    Map,
}

/// Everything that can be wrong with a corpus directory or a vocabulary.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error(
        "corpus directory {dir} does not exist; it must hold train.txt, valid.txt and test.txt \
         (install Penn Treebank with `geosparse data ptb`)"
    )]
    MissingDir { dir: PathBuf },
    #[error("corpus directory {dir} is not a directory; give the folder holding train.txt, valid.txt and test.txt")]
    NotADir { dir: PathBuf },
    #[error(
        "{path}: file not found; a corpus directory must hold train.txt, valid.txt and test.txt \
         (for Penn Treebank run `geosparse data ptb`)"
    )]
    MissingSplit { path: PathBuf },
    #[error("{path}: the file is empty; every split needs at least one line")]
    EmptySplit { path: PathBuf },
    #[error("{path}: the file holds no words, only blank lines (a model would predict its end-of-line tokens perfectly: perplexity 1); every split needs text")]
    NoWords { path: PathBuf },
    #[error("{path}, line {line}: not UTF-8 text (invalid byte 0x{byte:02x} at byte offset {offset}); the corpus must be UTF-8")]
    NotUtf8 { path: PathBuf, line: usize, offset: usize, byte: u8 },
    #[error(
        "{path}, line {line}: token {token:?} is not in the vocabulary ({size} words); \
         set unknown = \"map\" to replace unknown tokens by <unk>"
    )]
    UnknownToken { path: PathBuf, line: usize, token: String, size: usize },
    #[error("unknown = \"map\" needs the token <unk> in the vocabulary, but the given vocabulary ({size} words) has none")]
    NoUnk { size: usize },
    #[error("vocabulary: the word {word:?} appears twice (ids {first} and {second}); every word must be listed once")]
    DuplicateWord { word: String, first: usize, second: usize },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Words and their ids (the order of first appearance; PyTorch's `Dictionary`).
/// Serialises as the list of words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Vocab {
    words: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Vocab {
    pub fn new() -> Self {
        Self::default()
    }

    /// A vocabulary with ids in the given order; a repeated word is an error.
    pub fn from_words<S: Into<String>>(words: impl IntoIterator<Item = S>) -> Result<Self, CorpusError> {
        let mut v = Vocab::new();
        for w in words {
            let w = w.into();
            if let Some(&first) = v.ids.get(&w) {
                return Err(CorpusError::DuplicateWord { word: w, first: first as usize, second: v.len() });
            }
            v.add(&w);
        }
        Ok(v)
    }

    /// The id of `word`, adding it at the end if new.
    ///
    /// # Panics
    /// Past `u32::MAX` distinct words (about 4 × 10⁹; no corpus comes near).
    pub fn add(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = u32::try_from(self.words.len()).expect("vocabulary larger than u32::MAX words");
        self.words.push(word.to_owned());
        self.ids.insert(word.to_owned(), id);
        id
    }

    pub fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    pub fn word(&self, id: u32) -> Option<&str> {
        self.words.get(id as usize).map(String::as_str)
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

impl TryFrom<Vec<String>> for Vocab {
    type Error = CorpusError;
    fn try_from(words: Vec<String>) -> Result<Self, CorpusError> {
        Vocab::from_words(words)
    }
}

impl From<Vocab> for Vec<String> {
    fn from(v: Vocab) -> Self {
        v.words
    }
}

/// The three splits as token ids, and the vocabulary they index.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    pub vocab: Vocab,
    pub train: Vec<u32>,
    pub valid: Vec<u32>,
    pub test: Vec<u32>,
}

impl Corpus {
    /// Reads `dir`, building the vocabulary over train, valid and test (as `data.py`).
    pub fn load(dir: &Path) -> Result<Self, CorpusError> {
        let texts = read_splits(dir)?;
        let mut vocab = Vocab::new();
        let [train, valid, test] = texts.map(|(_, text)| tokens(&text).map(|(_, w)| vocab.add(w)).collect());
        Ok(Corpus { vocab, train, valid, test })
    }

    /// Reads `dir` with a fixed vocabulary; tokens outside it follow `unknown`.
    pub fn with_vocab(dir: &Path, vocab: Vocab, unknown: Unknown) -> Result<Self, CorpusError> {
        let unk = match unknown {
            Unknown::Error => None,
            Unknown::Map => Some(vocab.id(UNK).ok_or(CorpusError::NoUnk { size: vocab.len() })?),
        };
        let mut out: [Vec<u32>; 3] = Default::default();
        for ((path, text), ids) in read_splits(dir)?.into_iter().zip(out.iter_mut()) {
            for (line, w) in tokens(&text) {
                let id = match (vocab.id(w), unk) {
                    (Some(id), _) => id,
                    (None, Some(unk)) => unk,
                    (None, None) => {
                        let token = w.to_owned();
                        return Err(CorpusError::UnknownToken { path, line, token, size: vocab.len() });
                    }
                };
                ids.push(id);
            }
        }
        let [train, valid, test] = out;
        Ok(Corpus { vocab, train, valid, test })
    }
}

/// Checks `dir` and reads its three split files (path and text each).
fn read_splits(dir: &Path) -> Result<[(PathBuf, String); 3], CorpusError> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CorpusError::MissingDir { dir: dir.to_path_buf() });
        }
        Err(source) => return Err(CorpusError::Io { path: dir.to_path_buf(), source }),
        Ok(m) if !m.is_dir() => return Err(CorpusError::NotADir { dir: dir.to_path_buf() }),
        Ok(_) => {}
    }
    // Check all three exist before reading any: a missing file is reported at once.
    let paths = SPLIT_FILES.map(|f| dir.join(f));
    if let Some(p) = paths.iter().find(|p| !p.is_file()) {
        return Err(CorpusError::MissingSplit { path: p.clone() });
    }
    let mut out: [(PathBuf, String); 3] = Default::default();
    for (p, slot) in paths.into_iter().zip(out.iter_mut()) {
        let text = read_split(&p)?;
        *slot = (p, text);
    }
    Ok(out)
}

/// Reads one split file: it must exist, be non-empty and be UTF-8.
pub fn read_split(path: &Path) -> Result<String, CorpusError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => CorpusError::MissingSplit { path: path.to_path_buf() },
        _ => CorpusError::Io { path: path.to_path_buf(), source },
    })?;
    if bytes.is_empty() {
        return Err(CorpusError::EmptySplit { path: path.to_path_buf() });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // Line breaks before the bad byte: "\n", and "\r" not followed by "\n".
        let breaks = bytes[..offset]
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .count();
        CorpusError::NotUtf8 { path: path.to_path_buf(), line: breaks + 1, offset, byte: bytes[offset] }
    })?;
    if text.split(is_py_space).all(|w| w.is_empty()) {
        return Err(CorpusError::NoWords { path: path.to_path_buf() });
    }
    Ok(text)
}

/// Whitespace as Python's `str.split()` sees it.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The lines of `text` as Python's text-mode file iteration gives them (without terminators).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(i) = rest.find(['\n', '\r']) else {
            return Some(std::mem::take(&mut rest));
        };
        let line = &rest[..i];
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
        Some(line)
    })
}

/// The tokens of `text` with their 1-based line numbers: each line's words, then `<eos>`.
pub fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    lines(text).enumerate().flat_map(|(i, line)| {
        line.split(is_py_space).filter(|w| !w.is_empty()).chain(std::iter::once(EOS)).map(move |w| (i + 1, w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn corpus_dir(train: &[u8], valid: &[u8], test: &[u8]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("train.txt"), train).unwrap();
        fs::write(d.path().join("valid.txt"), valid).unwrap();
        fs::write(d.path().join("test.txt"), test).unwrap();
        d
    }

    fn words(text: &str) -> Vec<&str> {
        tokens(text).map(|(_, w)| w).collect()
    }

    #[test]
    fn lines_follow_python_universal_newlines() {
        // Python: list(io.StringIO('a\rb\r\nc\n\nd')) == ['a\n', 'b\n', 'c\n', '\n', 'd']
        assert_eq!(lines("a\rb\r\nc\n\nd").collect::<Vec<_>>(), ["a", "b", "c", "", "d"]);
        assert_eq!(lines("x\n").collect::<Vec<_>>(), ["x"]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("\n").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn every_line_gets_eos_and_splits_on_python_whitespace() {
        assert_eq!(words(" aer banknote \n\n  the\tN\u{a0}x\u{1c}y \n"), [
            "aer", "banknote", EOS, EOS, "the", "N", "x", "y", EOS
        ]);
        // A last line without a newline still ends with <eos>; no phantom line after a final "\n".
        assert_eq!(words("a b"), ["a", "b", EOS]);
        let numbered: Vec<_> = tokens("a\n\nb c\n").collect();
        assert_eq!(numbered, [(1, "a"), (1, EOS), (2, EOS), (3, "b"), (3, "c"), (3, EOS)]);
    }

    #[test]
    fn vocabulary_spans_splits_in_order_of_first_appearance() {
        let d = corpus_dir(b"b a\n", b"c a\r\nd\n", b"e\n");
        let c = Corpus::load(d.path()).unwrap();
        assert_eq!(c.vocab.words(), ["b", "a", EOS, "c", "d", "e"]);
        assert_eq!(c.train, [0, 1, 2]);
        assert_eq!(c.valid, [3, 1, 2, 4, 2]);
        assert_eq!(c.test, [5, 2]);
        assert_eq!(c.vocab.id("c"), Some(3));
        assert_eq!(c.vocab.word(4), Some("d"));
        assert_eq!(c.vocab.word(6), None);
    }

    #[test]
    fn missing_directory_and_missing_split_say_what_to_do() {
        let d = tempfile::tempdir().unwrap();
        let e = Corpus::load(&d.path().join("nope")).unwrap_err();
        assert!(matches!(e, CorpusError::MissingDir { .. }), "{e}");
        assert!(e.to_string().contains("nope"));

        fs::write(d.path().join("train.txt"), "a\n").unwrap();
        fs::write(d.path().join("test.txt"), "a\n").unwrap();
        let e = Corpus::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("valid.txt") && e.contains("geosparse data ptb"), "{e}");

        let e = Corpus::load(&d.path().join("train.txt")).unwrap_err();
        assert!(matches!(e, CorpusError::NotADir { .. }), "{e}");
    }

    #[test]
    fn empty_split_is_refused() {
        let d = corpus_dir(b"a\n", b"", b"a\n");
        let e = Corpus::load(d.path()).unwrap_err();
        assert!(matches!(e, CorpusError::EmptySplit { .. }));
        assert!(e.to_string().contains("valid.txt") && e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn a_split_of_blank_lines_is_refused() {
        let d = corpus_dir(b"a b\n", b"a\n", b"\n\n  \n\t\n");
        let e = Corpus::load(d.path()).unwrap_err();
        assert!(matches!(e, CorpusError::NoWords { .. }), "{e}");
        assert!(e.to_string().contains("test.txt") && e.to_string().contains("no words"), "{e}");
    }

    #[test]
    fn non_utf8_names_file_line_and_byte() {
        let d = corpus_dir(b"a\n", b"a\n", b"ok\nfine \xff bad\n");
        let e = Corpus::load(d.path()).unwrap_err();
        match &e {
            CorpusError::NotUtf8 { path, line, offset, byte } => {
                assert!(path.ends_with("test.txt"));
                assert_eq!((*line, *offset, *byte), (2, 8, 0xff));
            }
            other => panic!("wrong error {other}"),
        }
        assert!(e.to_string().contains("line 2"), "{e}");
        // "\r\n" is one line break, a lone "\r" another.
        let d = corpus_dir(b"a\r\nb\rc \xc3(\n", b"a\n", b"a\n");
        assert!(matches!(Corpus::load(d.path()), Err(CorpusError::NotUtf8 { line: 3, offset: 7, byte: 0xc3, .. })));
    }

    #[test]
    fn unknown_tokens_error_with_location_or_map_to_unk() {
        let d = corpus_dir(b"a b\n", b"a\n\nzz a\n", b"b\n");
        let v = Vocab::from_words(["a", "b", EOS]).unwrap();
        let e = Corpus::with_vocab(d.path(), v.clone(), Unknown::Error).unwrap_err();
        match &e {
            CorpusError::UnknownToken { path, line, token, .. } => {
                assert!(path.ends_with("valid.txt"));
                assert_eq!((*line, token.as_str()), (3, "zz"));
            }
            other => panic!("wrong error {other}"),
        }
        // Map needs <unk> in the vocabulary.
        let e = Corpus::with_vocab(d.path(), v, Unknown::Map).unwrap_err();
        assert!(matches!(e, CorpusError::NoUnk { size: 3 }), "{e}");

        let v = Vocab::from_words(["a", "b", EOS, UNK]).unwrap();
        let c = Corpus::with_vocab(d.path(), v.clone(), Unknown::Map).unwrap();
        assert_eq!(c.valid, [0, 2, 2, 3, 0, 2]);
        assert_eq!(c.vocab, v, "a given vocabulary is never extended");
        // Error is fine when every token is known.
        let d2 = corpus_dir(b"a b\n", b"b\n", b"a\n");
        assert!(Corpus::with_vocab(d2.path(), v, Unknown::Error).is_ok());
    }

    #[test]
    fn with_vocab_of_load_reproduces_load() {
        let d = corpus_dir(b"x y\nz\n", b"y y\n", b"x\n");
        let a = Corpus::load(d.path()).unwrap();
        let b = Corpus::with_vocab(d.path(), a.vocab.clone(), Unknown::Error).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn vocab_rejects_duplicates_and_round_trips_through_serde() {
        let e = Vocab::from_words(["a", "b", "a"]).unwrap_err();
        assert!(matches!(e, CorpusError::DuplicateWord { first: 0, second: 2, .. }), "{e}");
        let v = Vocab::from_words(["a", EOS]).unwrap();
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"["a","<eos>"]"#);
        assert_eq!(serde_json::from_str::<Vocab>(&json).unwrap(), v);
        assert!(serde_json::from_str::<Vocab>(r#"["a","a"]"#).is_err());
    }

    #[test]
    fn unknown_policy_parses_from_config_strings() {
        assert_eq!(serde_json::from_str::<Unknown>(r#""map""#).unwrap(), Unknown::Map);
        assert_eq!(serde_json::from_str::<Unknown>(r#""error""#).unwrap(), Unknown::Error);
        assert_eq!(Unknown::default(), Unknown::Error);
        let e = serde_json::from_str::<Unknown>(r#""skip""#).unwrap_err().to_string();
        assert!(e.contains("error") && e.contains("map"), "{e}");
    }
}
