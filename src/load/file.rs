//! Reading a file that a template names (an `AWS::Include` location, a SAM `DefinitionUri`): only a
//! regular file, at most [`MAX_FILE_BYTES`] long, is opened, so a directory, a FIFO or a device never
//! hangs or floods a run.
//!
//! [`FileSource`] is the seam: [`DiskFiles`] reads the file system; tests serve texts from memory.
//! [`BoundedFiles`] is the repository boundary over another source: a path whose canonical form
//! (after `..` and symbolic links) is outside every checked root is refused with
//! [`FileError::Outside`] before anything is opened (see [`crate::repository`]).
//!
//! A file read here is not a template the user named or discovery found, so when it does not
//! parse its text is never echoed: [`LocalText::parse_failure`] says where, not what.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::repository::CheckedRoot;

/// Largest file read for a template (16 MiB: far beyond any API definition API Gateway imports; the
/// parser's node and depth limits apply to it as to every template).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file is not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// It resolves (after `..` and links) outside the checked root: never opened.
    #[error("it is outside the repository, not read")]
    Outside,
    /// Missing, not a regular file, too large, or an I/O error (the reason, in words).
    #[error("{0}")]
    Io(String),
}

impl FileError {
    /// Whether the boundary refused the file.
    pub fn is_outside(&self) -> bool {
        matches!(self, FileError::Outside)
    }
}

impl From<String> for FileError {
    fn from(reason: String) -> FileError {
        FileError::Io(reason)
    }
}

/// Where files named by templates are read from.
pub trait FileSource {
    /// The file's canonical path (symbolic links and `..` followed), when it exists.
    fn canonical(&self, path: &Path) -> Result<PathBuf, FileError>;
    /// The bytes of a regular file of at most [`MAX_FILE_BYTES`].
    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError>;
}

/// The repository boundary: `inner`'s files whose canonical path is inside one of `roots` (each
/// checked path's root); every other path is [`FileError::Outside`]. A file is read by its
/// canonical path, the one that was checked.
pub struct BoundedFiles<F> {
    pub roots: Vec<CheckedRoot>,
    pub inner: F,
}

impl<F: FileSource> FileSource for BoundedFiles<F> {
    fn canonical(&self, path: &Path) -> Result<PathBuf, FileError> {
        let canonical = self.inner.canonical(path)?;
        if self.roots.iter().any(|root| root.contains(&canonical)) {
            Ok(canonical)
        } else {
            Err(FileError::Outside)
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError> {
        let canonical = self.canonical(path)?;
        self.inner.read(&canonical)
    }
}

/// A local file a template names (a definition, a nested stack), read and decoded.
pub struct LocalText {
    pub text: String,
    /// By its extension: parsed as JSON, else YAML.
    pub is_json: bool,
    /// The text is not UTF-8 (it was decoded lossily).
    pub encoding_error: Option<super::LoadError>,
}

impl LocalText {
    /// Why the text is not read, without a byte of it: the format and the place of the parse
    /// error (a parser's message may quote the offending token, so it is left out).
    pub fn parse_failure(&self, error: &super::LoadError) -> String {
        let format = if self.encoding_error.is_some() {
            "UTF-8"
        } else if self.is_json {
            "JSON"
        } else {
            "YAML"
        };
        let at = crate::source::SourceFile::new("", self.text.clone()).line_col(error.span.start);
        let what = fixed_part(&error.message)
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        format!(
            "not valid {format} (line {}, column {}{what})",
            at.line, at.column
        )
    }
}

/// The part of a parse error's message that is the parser's own words, never the input's: a
/// libyaml problem (a fixed text; iamlint's YAML messages that quote the input hold a backtick),
/// or a JSON message without its `, found X`.
pub fn fixed_part(message: &str) -> Option<&str> {
    if let Some(problem) = message.strip_prefix("invalid YAML: ") {
        return (!problem.contains('`')).then_some(problem);
    }
    let json = message.strip_prefix("invalid JSON: ")?;
    let fixed = json
        .rsplit_once(", found ")
        .map_or(json, |(fixed, _)| fixed);
    (!fixed.contains('\n')).then_some(fixed)
}

/// Reads `path` through `files`: its text, how to parse it, and an encoding error; the reason
/// when it cannot be read.
pub fn read_local(files: &dyn FileSource, path: &Path) -> Result<LocalText, FileError> {
    let bytes = files.read(path)?;
    let (text, encoding_error) = super::decode(bytes);
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Ok(LocalText {
        text,
        is_json,
        encoding_error,
    })
}

/// The file system.
pub struct DiskFiles;

impl FileSource for DiskFiles {
    fn canonical(&self, path: &Path) -> Result<PathBuf, FileError> {
        std::fs::canonicalize(path).map_err(|e| FileError::Io(crate::discover::io_reason(&e)))
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError> {
        // `metadata` follows symbolic links and opens nothing: a FIFO is refused before `open` would
        // wait for a writer.
        let meta = std::fs::metadata(path).map_err(|e| crate::discover::io_reason(&e))?;
        check_regular(&meta)?;
        let file = std::fs::File::open(path).map_err(|e| crate::discover::io_reason(&e))?;
        // The file may have been swapped between the two looks: check what was opened.
        let meta = file
            .metadata()
            .map_err(|e| crate::discover::io_reason(&e))?;
        check_regular(&meta)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| crate::discover::io_reason(&e))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large().into());
        }
        Ok(bytes)
    }
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), String> {
    if meta.is_dir() {
        return Err("it is a folder, not a file".to_string());
    }
    if !meta.is_file() {
        return Err("it is not a regular file (a FIFO, socket or device)".to_string());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(())
}

fn too_large() -> String {
    format!(
        "it is larger than {} MiB, iamlint's limit",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// Files served from memory, by path (`..` and `.` resolved lexically): for tests and embedding.
#[derive(Debug, Default, Clone)]
pub struct MemoryFiles {
    files: HashMap<PathBuf, Vec<u8>>,
}

impl MemoryFiles {
    pub fn new(files: &[(&str, &str)]) -> MemoryFiles {
        MemoryFiles {
            files: files
                .iter()
                .map(|(path, text)| (normalize(Path::new(path)), text.as_bytes().to_vec()))
                .collect(),
        }
    }
}

impl FileSource for MemoryFiles {
    fn canonical(&self, path: &Path) -> Result<PathBuf, FileError> {
        let path = normalize(path);
        if self.files.contains_key(&path) {
            Ok(path)
        } else {
            Err(FileError::Io("No such file or directory".to_string()))
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError> {
        let bytes = self
            .files
            .get(&normalize(path))
            .ok_or_else(|| FileError::Io("No such file or directory".to_string()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large().into());
        }
        Ok(bytes.clone())
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (a leading `..` stays).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots_lexically() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.yaml")),
            Path::new("a/c.yaml")
        );
        assert_eq!(normalize(Path::new("a/../../c")), Path::new("../c"));
        assert_eq!(normalize(Path::new("/../c")), Path::new("/c"));
        assert_eq!(normalize(Path::new("./api.yaml")), Path::new("api.yaml"));
    }

    #[test]
    fn folders_and_missing_files_are_refused() {
        let dir = std::env::temp_dir();
        assert!(
            DiskFiles
                .read(&dir)
                .unwrap_err()
                .to_string()
                .contains("folder")
        );
        assert!(
            DiskFiles
                .read(&dir.join("iamlint-no-such-file.yaml"))
                .is_err()
        );
    }

    #[test]
    fn a_parse_failure_keeps_only_the_parsers_own_words() {
        let local = |text: &str, is_json: bool| LocalText {
            text: text.to_string(),
            is_json,
            encoding_error: None,
        };
        let yaml = local("a: [x\n", false);
        let error = crate::load::read_template(&yaml.text, false).unwrap_err();
        assert!(
            yaml.parse_failure(&error)
                .starts_with("not valid YAML (line 2, column 1: ")
        );
        let json = local("{\"a\": SECRET}", true);
        let error = crate::load::read_template(&json.text, true).unwrap_err();
        let failure = json.parse_failure(&error);
        assert!(!failure.contains("SECRET"), "{failure}");
        assert!(
            failure.starts_with("not valid JSON (line 1, column 7: "),
            "{failure}"
        );
        let quoting = crate::load::LoadError::new(
            "invalid YAML: duplicate anchor `SECRET`",
            crate::source::Span::at(0),
        );
        assert_eq!(
            yaml.parse_failure(&quoting),
            "not valid YAML (line 1, column 1)"
        );
    }

    #[test]
    fn the_boundary_refuses_what_resolves_outside_its_roots() {
        let dir = std::env::temp_dir().join(format!("iamlint-bounded-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        std::fs::write(dir.join("repo/api.yaml"), "openapi: 3.0.1\n").unwrap();
        std::fs::write(dir.join("secret"), "aws_access_key_id = X\n").unwrap();
        let files = BoundedFiles {
            roots: vec![CheckedRoot::at(&dir.join("repo"))],
            inner: DiskFiles,
        };
        assert!(files.read(&dir.join("repo/api.yaml")).is_ok());
        assert_eq!(
            files.read(&dir.join("repo/../secret")),
            Err(FileError::Outside)
        );
        assert_eq!(
            files.canonical(&dir.join("secret")),
            Err(FileError::Outside)
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret"), dir.join("repo/link.yaml")).unwrap();
            assert_eq!(
                files.read(&dir.join("repo/link.yaml")),
                Err(FileError::Outside)
            );
        }
        let nothing = BoundedFiles {
            roots: Vec::new(),
            inner: DiskFiles,
        };
        assert_eq!(
            nothing.read(&dir.join("repo/api.yaml")),
            Err(FileError::Outside)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_opening_it() {
        let dir = std::env::temp_dir().join(format!("iamlint-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("api.yaml");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening a FIFO for reading would block until a writer comes: this returns at once.
            assert!(
                DiskFiles
                    .read(&fifo)
                    .unwrap_err()
                    .to_string()
                    .contains("not a regular file")
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
