//! Runs the real `iamlint` binary from the crate root, with a clean environment, and captures output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly
#![allow(dead_code)]

pub mod mesh;
pub mod scale;

use std::path::Path;

/// What one run printed and returned.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Runs `iamlint ARGS...` in the crate root (so fixture paths print as `fixtures/...`).
pub fn iamlint(args: &[&str]) -> Run {
    iamlint_in(".", args)
}

/// Runs `iamlint ARGS...` in `dir`, relative to the crate root.
pub fn iamlint_in(dir: &str, args: &[&str]) -> Run {
    iamlint_at(&root().join(dir), args)
}

/// Runs `iamlint ARGS...` in `dir`, any folder (a temporary repository).
pub fn iamlint_at(dir: &Path, args: &[&str]) -> Run {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .output()
        .expect("iamlint runs");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

/// The inputs in a fixture folder (its README and other `.md` files left out), as paths relative to the
/// crate root, so that they print as `fixtures/...`.
pub fn fixture_inputs(folder: &str) -> Vec<String> {
    let mut inputs: Vec<String> = std::fs::read_dir(root().join(folder))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_none_or(|e| e != "md"))
        .map(|path| {
            path.strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{folder} holds no inputs");
    inputs
}

/// `iamlint check --format json PATHS...`, parsed.
pub fn check_json(paths: &[&str]) -> (serde_json::Value, i32) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(paths);
    let run = iamlint(&args);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr));
    (json, run.code)
}

/// `(rule, file, line, column)` of each finding, for compact assertions.
pub fn locations(json: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// The crate root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `iamlint ARGS...` in the crate root with `input` on standard input.
pub fn iamlint_stdin(args: &[&str], input: &str) -> Run {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(args)
        .current_dir(root())
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .write_stdin(input)
        .output()
        .expect("iamlint runs");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}
