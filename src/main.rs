//! The `iamlint` binary: parse the command line, run, exit with the run's code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = iamlint::cli::Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    iamlint::cli::run(cli, &mut stdout.lock(), &mut stderr.lock())
}
