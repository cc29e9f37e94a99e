//! `leakscan config check|print`.

use std::io::Write;

use anyhow::{Result, bail};

use super::output::load_config;
use crate::args::{ConfigArgs, ConfigCommand};
use crate::exit;

/// Validates or prints the configuration; returns the exit code.
pub fn run(cmd: &ConfigCommand) -> Result<u8> {
    let (args, print) = match cmd {
        ConfigCommand::Check(a) => (a, false),
        ConfigCommand::Print(a) => (a, true),
    };
    let Some(config) = load(args)? else {
        if print {
            println!("# no configuration file found: built-in defaults apply");
            return Ok(exit::CLEAN);
        }
        bail!("no leakscan.toml or .leakscan.toml found from {}", args.path.display());
    };
    // Resolve everything a scan would: rules (extras, ids), allowlists, the baseline.
    let dirs: Vec<_> = config.rules.extra.iter().map(|p| config.resolve(p)).collect();
    let rules = config.apply_rules(&super::load_rules(&dirs)?)?;
    config.filter()?;
    if let Some(b) = &config.baseline {
        scanner_core::filter::baseline::Baseline::load(&config.resolve(b))?;
    }
    let source = config.source.clone().unwrap_or_default();
    if print {
        let mut out = std::io::stdout().lock();
        writeln!(out, "# {} ({} rules active)", source.display(), rules.len())?;
        write!(out, "{}", toml::to_string_pretty(&config)?)?;
    } else {
        eprintln!("{}: ok ({} rules active)", source.display(), rules.len());
    }
    Ok(exit::CLEAN)
}

fn load(args: &ConfigArgs) -> Result<Option<scanner_core::config::Config>> {
    load_config(args.config.as_deref(), false, &args.path)
}
