//! Runs the binary as hostile-input tests do: with a timeout, output to files (no pipe can fill
//! up and block the child), and the peak resident set measured with `/usr/bin/time` when it
//! exists.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Every run must finish within this time (debug build, 2 busy cores).
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// What one run of the binary produced.
pub struct Run {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: String,
    /// Peak resident set in KiB, when `/usr/bin/time` is available.
    pub peak_kib: Option<u64>,
    /// Wall time.
    pub elapsed: Duration,
}

impl Run {
    /// Standard output parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}); exit {:?}; stderr:\n{}",
                self.code, self.stderr
            )
        })
    }

    /// Asserts the exit code, with the output in the failure message.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "stderr:\n{}\nstdout:\n{}",
            self.stderr,
            String::from_utf8_lossy(&self.stdout)
                .chars()
                .take(4000)
                .collect::<String>()
        );
        self
    }

    /// Asserts the stated memory bound (when it could be measured).
    pub fn expect_memory_below(&self, mib: u64) -> &Run {
        if let Some(kib) = self.peak_kib {
            assert!(kib < mib * 1024, "peak RSS {} MiB >= bound {mib} MiB", kib / 1024);
        }
        self
    }
}

/// Runs `leakscan ARGS…` with a timeout, measuring peak memory with `/usr/bin/time` when it
/// exists. Output goes to files (no pipe can fill up and block the child).
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with(Command::new(env!("CARGO_BIN_EXE_leakscan")), args)
}

/// `leakscan COMMAND --no-progress -f json TARGET`.
pub fn run_json(command: &str, target: &Path) -> Run {
    run([
        OsStr::new(command),
        OsStr::new("--no-progress"),
        OsStr::new("-f"),
        OsStr::new("json"),
        target.as_os_str(),
    ])
}

/// [`run_reading`] with no standard input.
pub fn run_with<I, S>(base: Command, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_reading(base, args, Stdio::null())
}

/// [`run_with`] with `stdin` as the child's standard input.
pub fn run_reading<I, S>(base: Command, args: I, stdin: Stdio) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let scratch = tempfile::tempdir().unwrap();
    let mem_file = scratch.path().join("mem");
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(&mem_file).arg(base.get_program());
        c.args(base.get_args());
        c
    } else {
        base
    };
    cmd.args(args)
        .env_remove("NO_COLOR")
        .env_remove("LEAKSCAN_LOG")
        .stdin(stdin)
        .stdout(File::create(scratch.path().join("out")).unwrap())
        .stderr(File::create(scratch.path().join("err")).unwrap());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("leakscan starts");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "leakscan did not finish within {TIMEOUT:?}; stderr:\n{}",
                fs::read_to_string(scratch.path().join("err")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.signal().is_none(),
            "leakscan was killed by signal {:?} (crash); stderr:\n{}",
            status.signal(),
            fs::read_to_string(scratch.path().join("err")).unwrap_or_default()
        );
    }
    // /usr/bin/time reports a child killed by a signal as "Command terminated by signal N".
    let mem = fs::read_to_string(&mem_file).unwrap_or_default();
    assert!(!mem.contains("signal"), "leakscan crashed: {mem}");
    let peak_kib = mem.lines().last().and_then(|l| l.trim().parse().ok());
    // Shown with --nocapture: the measured figures behind the stated bounds.
    eprintln!(
        "leakscan: exit {:?}, {elapsed:.2?}, peak RSS {:?} KiB",
        status.code(),
        peak_kib
    );
    Run {
        code: status.code(),
        stdout: fs::read(scratch.path().join("out")).unwrap(),
        stderr: fs::read_to_string(scratch.path().join("err")).unwrap_or_default(),
        peak_kib,
        elapsed,
    }
}
