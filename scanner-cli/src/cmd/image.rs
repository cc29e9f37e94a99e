//! `leakscan image`: container images (docker save tarballs, OCI layouts, registry images).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use scanner_core::source::image::ImageSource;
use scanner_core::source::registry::{ImageReference, RegistryOptions};

use super::output::{finish, prepare};
use crate::args::ImageArgs;

/// Scans one image and returns the exit code.
pub fn run(args: &ImageArgs) -> Result<u8> {
    if args.registry_timeout == 0 {
        bail!("--registry-timeout must be at least 1 second");
    }
    let path = Path::new(&args.image);
    if path.exists() || !looks_like_reference(&args.image) {
        let prepared = prepare(&args.common, path, true, |_| {})?;
        let image = ImageSource::open(path)?.with_platform(args.platform.clone());
        let report = prepared.scanner.scan(&image, &scanner_core::Progress::default())?;
        return finish(&args.common, report, &prepared);
    }
    let reference = ImageReference::parse(&args.image)?;
    let prepared = prepare(&args.common, &PathBuf::from("."), true, |_| {})?;
    let options = RegistryOptions {
        plain_http: args.plain_http,
        timeout: Duration::from_secs(args.registry_timeout),
        credentials: None,
    };
    let image = ImageSource::open_registry(&reference, &options)?.with_platform(args.platform.clone());
    let report = prepared.scanner.scan(&image, &scanner_core::Progress::default())?;
    finish(&args.common, report, &prepared)
}

/// A name that does not exist on disk is pulled from a registry when it is clearly a
/// reference: `docker://…`, or it names a repository path, a tag or a digest. A bare word
/// (`app.tar` mistyped) stays a "no such file" error instead of a Docker Hub request.
fn looks_like_reference(text: &str) -> bool {
    text.starts_with("docker://") || text.contains(['/', ':', '@'])
}
