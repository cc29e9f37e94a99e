//! `leakscan redact [FILE|-]`: a streaming log filter that masks secrets.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use scanner_core::redact::redact;

use super::output::{config_source, load_rules_with};
use crate::args::RedactArgs;
use crate::exit;

/// Copies the input with secrets masked; exit 1 when anything was masked, 0 otherwise.
pub fn run(args: &RedactArgs) -> Result<u8> {
    let config = config_source(args.config.as_deref(), args.isolated, args.no_repo_config).load(Path::new("."))?;
    let rules = load_rules_with(&args.rules_dirs, config.as_ref())?;
    let mask = args
        .mask
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.redact.mask.clone()))
        .unwrap_or_else(|| scanner_core::redact::DEFAULT_MASK.to_string());
    let input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(&args.input).with_context(|| format!("cannot open {}", args.input.display()))?)
    };
    let mut output: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let stats = match redact(&rules, input, &mut output, &mask) {
        Ok(stats) => stats,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit::CLEAN),
        Err(e) => return Err(e).context("redaction stopped"),
    };
    log::info!("masked {} secrets in {} bytes", stats.masked, stats.bytes);
    Ok(if stats.masked > 0 { exit::FINDINGS } else { exit::CLEAN })
}
