//! Finding the templates of a deployment: explicit files as given, folders searched recursively.
//!
//! In folders, files ending in `.yaml`, `.yml`, `.json` or `.template` are candidates; hidden folders
//! (`.git`, `.aws-sam`, which holds SAM's build copies) and `node_modules` are skipped. Whether a
//! candidate is really a template is decided after reading it (see `load::may_be_template`).

use std::path::{Path, PathBuf};

/// Extensions of template files.
pub const TEMPLATE_EXTENSIONS: [&str; 4] = ["yaml", "yml", "json", "template"];

/// Folders never searched.
const SKIPPED_DIRS: [&str; 2] = ["node_modules", "target"];

/// Deepest folder nesting searched.
const MAX_DIR_DEPTH: usize = 32;

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line: always analysed, even if it does not look like a template.
    pub explicit: bool,
}

/// The candidates under `paths`, in a stable order, and one message per path that cannot be read.
pub fn discover(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<String>) {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, 0, &mut candidates, &mut errors),
            Ok(_) => candidates.push(Candidate {
                path: path.clone(),
                explicit: true,
            }),
            Err(error) => errors.push(format!(
                "cannot read {}: {}",
                path.display(),
                io_reason(&error)
            )),
        }
    }
    // The same file named twice (`dir` and `./dir/a.yaml`) is one stack, not two.
    let mut seen = std::collections::HashSet::new();
    candidates
        .retain(|c| seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())));
    (candidates, errors)
}

fn walk(dir: &Path, depth: usize, candidates: &mut Vec<Candidate>, errors: &mut Vec<String>) {
    if depth > MAX_DIR_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            errors.push(format!(
                "cannot read {}: {}",
                dir.display(),
                io_reason(&error)
            ));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                walk(&path, depth + 1, candidates, errors);
            }
        } else if kind.is_file() && has_template_extension(&path) {
            candidates.push(Candidate {
                path,
                explicit: false,
            });
        }
    }
}

pub fn has_template_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        TEMPLATE_EXTENSIONS
            .iter()
            .any(|t| t.eq_ignore_ascii_case(e))
    })
}

/// An I/O error without Rust's "(os error 2)" suffix.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text.get(..at).unwrap_or(&text).to_string(),
        None => text,
    }
}
