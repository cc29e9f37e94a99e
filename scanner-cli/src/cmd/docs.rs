//! `leakscan completions SHELL` and `leakscan man`, generated from the clap definitions.

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;

use crate::args::Args;
use crate::exit;

/// Writes a completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut cmd = Args::command();
    clap_complete::generate(shell, &mut cmd, "leakscan", &mut io::stdout().lock());
    Ok(exit::CLEAN)
}

/// Writes the man page (roff) to stdout.
pub fn man() -> Result<u8> {
    let mut out = io::stdout().lock();
    clap_mangen::Man::new(Args::command()).render(&mut out)?;
    out.flush()?;
    Ok(exit::CLEAN)
}
