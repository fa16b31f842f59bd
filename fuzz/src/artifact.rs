//! Artifacts: an input set that broke an invariant, written as a folder (its files, and
//! `FINDING.txt` saying what broke and how to run it again), and the worker's `.current` file (the set
//! it is running, so the supervisor can save it when the worker dies or hangs).

use std::path::{Path, PathBuf};

use crate::corpus::{File, InputSet};

/// The run an input set was given: in process (every format), or one command line.
#[derive(Debug, Clone)]
pub enum Command {
    InProcess,
    Cli(Vec<String>),
}

impl Command {
    pub fn describe(&self) -> String {
        match self {
            Command::InProcess => {
                "in-process (every format of check, graph and routes)".to_string()
            }
            Command::Cli(args) => format!("iamlint {}", args.join(" ")),
        }
    }
}

/// Separates the arguments of a CLI command in `.current`.
const ARG_SEPARATOR: char = '\u{1f}';

/// Writes the set being run to `path` (one small file, rewritten before every run).
pub fn write_current(path: &Path, set: &InputSet, command: &Command) -> std::io::Result<()> {
    let mut out = Vec::new();
    match command {
        Command::InProcess => out.extend_from_slice(b"in-process\n"),
        Command::Cli(args) => {
            out.extend_from_slice(b"cli ");
            out.extend_from_slice(args.join(&ARG_SEPARATOR.to_string()).as_bytes());
            out.push(b'\n');
        }
    }
    for file in set {
        out.extend_from_slice(format!("{} {}\n", file.bytes.len(), file.path).as_bytes());
        out.extend_from_slice(&file.bytes);
    }
    std::fs::write(path, out)
}

/// Reads back what [`write_current`] wrote.
pub fn read_current(path: &Path) -> Option<(InputSet, Command)> {
    let bytes = std::fs::read(path).ok()?;
    let (first, mut rest) = split_line(&bytes)?;
    let first = String::from_utf8_lossy(first);
    let command = match first.strip_prefix("cli ") {
        Some(args) => Command::Cli(args.split(ARG_SEPARATOR).map(str::to_string).collect()),
        None => Command::InProcess,
    };
    let mut set = Vec::new();
    while !rest.is_empty() {
        let (header, after) = split_line(rest)?;
        let header = String::from_utf8_lossy(header);
        let (len, name) = header.split_once(' ')?;
        let len: usize = len.parse().ok()?;
        let content = after.get(..len)?;
        set.push(File {
            path: name.to_string(),
            bytes: content.to_vec(),
        });
        rest = after.get(len..)?;
    }
    Some((set, command))
}

fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|b| *b == b'\n')?;
    Some((bytes.get(..at)?, bytes.get(at + 1..)?))
}

/// Saves `set` as `<dir>/<kind>-<hash>/` with a `FINDING.txt`; returns the folder.
pub fn save(
    dir: &Path,
    kind: &str,
    set: &InputSet,
    command: &Command,
    detail: &str,
) -> std::io::Result<PathBuf> {
    let mut hashed = Vec::new();
    for file in set {
        hashed.extend_from_slice(file.path.as_bytes());
        hashed.push(0);
        hashed.extend_from_slice(&file.bytes);
    }
    let folder = dir.join(format!("{kind}-{:016x}", iamlint::report::fnv1a64(&hashed)));
    crate::run::write_set(set, &folder)?;
    std::fs::remove_dir_all(folder.join(".git"))?;
    let replay = match command {
        Command::InProcess => format!(
            "cargo run --release -p iamlint-fuzz -- --replay {}",
            folder.display()
        ),
        Command::Cli(args) => format!(
            "cargo run --release -- {}",
            args.join(" ")
                .replace("{DIR}", &folder.display().to_string())
        ),
    };
    let note = format!(
        "{kind}: {detail}\nrun: {}\nagain: {replay}\n",
        command.describe()
    );
    std::fs::write(folder.join("FINDING.txt"), note)?;
    Ok(folder)
}

/// An artifact folder's input set (every file but `FINDING.txt`), for `--replay`.
pub fn load_folder(folder: &Path) -> std::io::Result<InputSet> {
    let mut set = Vec::new();
    collect(folder, folder, &mut set, 0)?;
    set.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(set)
}

fn collect(root: &Path, dir: &Path, set: &mut InputSet, depth: usize) -> std::io::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(root, &path, set, depth + 1)?;
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if relative != "FINDING.txt" {
            set.push(File {
                path: relative,
                bytes: std::fs::read(&path)?,
            });
        }
    }
    Ok(())
}
