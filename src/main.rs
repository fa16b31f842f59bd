//! The `iamlint` binary: parse the command line, run, exit with the run's code.

use std::process::ExitCode;

use clap::Parser;

/// See Cargo.toml: the model's many small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = iamlint::cli::Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    iamlint::cli::run(cli, &mut stdout.lock(), &mut stderr.lock())
}
