//! `leakscan config check|print`.

use anyhow::{Result, bail};

use scanner_core::config::resolve::{CommandLine, resolve};

use super::output::{config_source, load_rules_with};
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
            super::to_stdout(|o| writeln!(o, "# no configuration file found: built-in defaults apply"))?;
            return Ok(exit::CLEAN);
        }
        bail!("no leakscan.toml or .leakscan.toml found from {}", args.path.display());
    };
    // Resolve everything a scan would: rules (extras, ids), allowlists, the baseline, the
    // limits and gate (with what a configuration found in the tree changes).
    let rules = load_rules_with(&[], Some(&config))?;
    config.filter()?;
    if let Some(b) = config.baseline_path()? {
        scanner_core::filter::baseline::Baseline::load_with(&b, &config.trust)?;
    }
    let resolved = resolve(
        Some(&config),
        &CommandLine::default(),
        scanner_core::ScanSettings::default(),
    )?;
    for n in &resolved.notifications {
        eprintln!("{}: {}", n.level.as_str(), n.line());
    }
    let source = config.source.clone().unwrap_or_default();
    if print {
        let text = toml::to_string_pretty(&config)?;
        super::to_stdout(|out| {
            writeln!(out, "# {} ({} rules active)", source.display(), rules.len())?;
            write!(out, "{text}")
        })?;
    } else {
        eprintln!("{}: ok ({} rules active)", source.display(), rules.len());
    }
    Ok(exit::CLEAN)
}

fn load(args: &ConfigArgs) -> Result<Option<scanner_core::config::Config>> {
    Ok(config_source(args.config.as_deref(), false, false).load(&args.path)?)
}
