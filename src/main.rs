//! The `iamlint` binary: parse the command line, run, exit with the run's code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// See Cargo.toml: the model's many small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match iamlint::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    iamlint::cli::run(cli, &mut stdout.lock(), &mut stderr.lock())
}

/// clap's message for a bad command line, which quotes the arguments as given: `--help` and
/// `--version` are printed as clap prints them; an error goes to stderr through the sanitiser, so
/// an argument cannot write a runner command or a control sequence there.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let text = error.render().to_string();
    let _ = std::io::stderr().write_all(iamlint::sanitize::terminal(&text).as_bytes());
    ExitCode::from(iamlint::cli::EXIT_ERROR)
}
