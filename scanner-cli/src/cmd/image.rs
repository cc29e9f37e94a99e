//! `leakscan image`: container images (docker save tarballs, OCI layouts).

use anyhow::Result;

use super::output::{finish, prepare};
use crate::args::ImageArgs;

/// Scans one image and returns the exit code.
pub fn run(args: &ImageArgs) -> Result<u8> {
    let prepared = prepare(&args.common, &args.image, true, |_| {})?;
    let report = prepared.scanner.scan_image(&args.image)?;
    finish(&args.common, report, &prepared)
}
