//! The seeds: every template-like file under the corpus folder (`fixtures/` by default), alone and
//! with the other files of its folder (one deployment, as the fixture tests check them).

use std::path::{Path, PathBuf};

/// One file of an input set: its path inside the set (relative, `/`-separated) and its bytes.
#[derive(Debug, Clone)]
pub struct File {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl File {
    /// A project config (`.iamlint.yaml`/`.yml`): read by the CLI runs only, never as a template.
    pub fn is_config(&self) -> bool {
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        name == ".iamlint.yaml" || name == ".iamlint.yml"
    }

    /// A file the CLI would discover as a template candidate.
    pub fn is_template(&self) -> bool {
        !self.is_config()
            && [".yaml", ".yml", ".json", ".template"]
                .iter()
                .any(|ext| self.path.ends_with(ext))
    }
}

/// The files of one run: one deployment.
pub type InputSet = Vec<File>;

/// Most files in a folder seed; larger folders give their direct files only.
const MAX_FILES_PER_SET: usize = 6;

pub struct Corpus {
    /// Every seed file alone, named by its file name.
    pub files: Vec<File>,
    /// Every folder with its files (and subfolders' when few), named relative to the folder.
    pub sets: Vec<InputSet>,
}

/// Reads the seeds under `root`.
pub fn load(root: &Path) -> std::io::Result<Corpus> {
    let mut all = Vec::new();
    collect(root, &mut all, 0)?;
    all.sort();
    let mut files = Vec::new();
    let mut sets = Vec::new();
    let mut folders: Vec<PathBuf> = all
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    folders.sort();
    folders.dedup();
    for path in &all {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(File {
            path: name,
            bytes: std::fs::read(path)?,
        });
    }
    for folder in folders {
        let below: Vec<&PathBuf> = all.iter().filter(|p| p.starts_with(&folder)).collect();
        let chosen: Vec<&PathBuf> = if below.len() <= MAX_FILES_PER_SET {
            below
        } else {
            all.iter()
                .filter(|p| p.parent() == Some(folder.as_path()))
                .take(MAX_FILES_PER_SET)
                .collect()
        };
        let mut set = Vec::new();
        for path in chosen {
            let relative = path.strip_prefix(&folder).unwrap_or(path);
            set.push(File {
                path: relative.to_string_lossy().replace('\\', "/"),
                bytes: std::fs::read(path)?,
            });
        }
        if set.iter().any(File::is_template) {
            sets.push(set);
        }
    }
    Ok(Corpus { files, sets })
}

/// Seed files below `dir`: templates, configs and `samconfig.toml` files.
fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(&path, out, depth + 1)?;
        } else if kind.is_file() {
            let name = path.to_string_lossy();
            if [".yaml", ".yml", ".json", ".template", ".toml"]
                .iter()
                .any(|ext| name.ends_with(ext))
            {
                out.push(path);
            }
        }
    }
    Ok(())
}
