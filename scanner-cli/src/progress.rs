//! A progress bar on stderr, fed by the core's live counters; only on a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use scanner_core::Progress;

/// Runs `work` while a spinner shows files, bytes and findings (when `enabled` and stderr is
/// a terminal). The spinner is cleared before returning.
pub fn with_progress<T>(enabled: bool, progress: &Progress, work: impl FnOnce() -> T) -> T {
    if !enabled || !std::io::stderr().is_terminal() {
        return work();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                let files = progress.blobs.load(Ordering::Relaxed);
                let bytes = progress.bytes.load(Ordering::Relaxed);
                let findings = progress.findings.load(Ordering::Relaxed);
                bar.set_message(format!(
                    "{files} files, {} scanned, {findings} findings",
                    HumanBytes(bytes)
                ));
                bar.tick();
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        let out = work();
        done.store(true, Ordering::Relaxed);
        out
    })
}
