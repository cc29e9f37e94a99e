//! `leakscan`: parse arguments, run the command, map the outcome to an exit code.

mod args;
mod cmd;
mod crash_guard;
mod progress;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Args, Command};

/// Process exit codes (documented in `--help` and the README).
pub mod exit {
    /// No findings, every input scanned.
    pub const CLEAN: u8 = 0;
    /// Findings.
    pub const FINDINGS: u8 = 1;
    /// Fatal error: nothing trustworthy was scanned.
    pub const FATAL: u8 = 2;
    /// No findings, but some inputs could not be scanned.
    pub const INCOMPLETE: u8 = 3;
}

/// How many `-v` flags were given (read by the reporters' options).
static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// The `-v` count.
pub fn verbosity() -> u8 {
    VERBOSITY.load(std::sync::atomic::Ordering::Relaxed)
}

fn main() -> ExitCode {
    let args = Args::parse();
    crash_guard::install();
    VERBOSITY.store(args.verbose, std::sync::atomic::Ordering::Relaxed);
    let level = match args.verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        _ => log::LevelFilter::Debug,
    };
    env_logger::Builder::new()
        .filter_level(level)
        .parse_env("LEAKSCAN_LOG")
        .init();
    let outcome = match args.command {
        Command::Scan(scan) => cmd::scan::run(&scan),
        Command::Git(git) => cmd::git::run(&git),
        Command::Image(image) => cmd::image::run(&image),
        Command::InstallHook(hook) => cmd::hook::run(&hook),
        Command::Baseline(b) => cmd::baseline::run(&b),
        Command::Explain(e) => cmd::explain::run(&e),
        Command::Redact(r) => cmd::redact::run(&r),
        Command::Config(c) => cmd::config::run(&c),
        Command::Completions { shell } => cmd::docs::completions(shell),
        Command::Man => cmd::docs::man(),
        Command::Rules(rules) => cmd::rules::run(&rules),
        Command::Audit(a) => cmd::audit::run(&a),
        Command::Report(r) => cmd::report::run(&r),
        Command::Triage(t) => cmd::triage::run(&t),
        Command::Datastore(d) => cmd::datastore::run(&d),
        Command::Merge(m) => cmd::merge::run(&m),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        // `leakscan … | head`: the reader has all it wanted.
        Err(err) if cmd::is_broken_pipe(&err) => ExitCode::from(exit::CLEAN),
        Err(err) => {
            eprintln!("leakscan: error: {err:#}");
            ExitCode::from(exit::FATAL)
        }
    }
}
