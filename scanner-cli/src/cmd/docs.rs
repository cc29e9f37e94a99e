//! `leakscan completions SHELL` and `leakscan man`, generated from the clap definitions.

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::args::Args;
use crate::exit;

/// Writes a completion script for `shell` to stdout (a closed pipe ends it quietly).
pub fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut cmd = Args::command();
    // Generated into memory first: clap_complete panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "leakscan", &mut script);
    super::to_stdout(|out| out.write_all(&script))?;
    Ok(exit::CLEAN)
}

/// Writes the man page (roff) to stdout (a closed pipe ends it quietly).
pub fn man() -> Result<u8> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Args::command())
        .render(&mut page)
        .context("cannot render the man page")?;
    super::to_stdout(|out| out.write_all(&page))?;
    Ok(exit::CLEAN)
}
