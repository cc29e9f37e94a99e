//! Turns a SIGBUS into a clear fatal error.
//!
//! `gix` memory-maps git pack and index files. If another process truncates one while
//! leakscan reads it (a hostile repository on a shared volume, or a tool rewriting packs in
//! place), the next read of a vanished page raises SIGBUS, which would kill the process
//! without a word. Files leakscan opens itself are read, never mapped, so a mapping that
//! shrank is the only way leakscan gets SIGBUS. The handler writes one line to stderr and
//! exits with [`crate::exit::FATAL`]: no report was written, so the scan cannot be trusted.

/// What the handler prints (async-signal-safe: one `write(2)` of a static buffer).
#[cfg(unix)]
const MESSAGE: &[u8] = b"\nleakscan: error: a memory-mapped repository file (a git pack or index) \
shrank while it was being read (another process truncated or rewrote it); the scan stopped \
and no report was written (exit 2). Scan again once nothing else is modifying the repository.\n";

/// Installs the SIGBUS handler for the whole process.
#[cfg(unix)]
#[expect(unsafe_code, reason = "installing a signal handler needs sigaction(2)")]
pub fn install() {
    extern "C" fn on_sigbus(_signal: libc::c_int) {
        // SAFETY: write(2) and _exit(2) are async-signal-safe; MESSAGE is a static buffer.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::_exit(i32::from(crate::exit::FATAL));
        }
    }
    // SAFETY: a zeroed `sigaction` is a valid value (empty mask, no flags) before the fields
    // below are set; the handler only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut()) != 0 {
            log::debug!(
                "could not install the SIGBUS handler: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Nothing to do where there is no SIGBUS.
#[cfg(not(unix))]
pub fn install() {}
