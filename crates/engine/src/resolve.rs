//! Settings from the command line and a configuration file, resolved into [`ScanSettings`]
//! and a [`Gate`], with [`Notification`]s for what a repository's configuration changed.
//!
//! The command line always wins. A trusted configuration (`--config`) sets any value. A
//! configuration found in the scanned tree ([`Trust::Repository`](leakscan_filter::config::Trust)) may only make the scan do
//! *more* work within the machine's means:
//!
//! | key | from the repository |
//! |---|---|
//! | `[limits] max_file_size`, `max_memory`, `file_timeout` | lowered: applied, with a notification (a warning when the limit is small enough to hide files: under 1 MiB, under 10 s); raised (or `file_timeout = 0`): ignored, with a note |
//! | `[limits] threads` | at most the machine's cores |
//! | `min_confidence`, `fail_on` | applied; a warning when they let findings pass the gate that the defaults fail on |
//! | `[rules]`, `[allow]`, `baseline` | applied; one note each saying what they do, and after the scan a warning counting the findings they suppressed ([`suppressed_notification`]) |

use std::time::Duration;

use crate::scan::ScanSettings;
use leakscan_filter::config::Config;
use leakscan_model::error::Error;
use leakscan_model::mask::shown;
use leakscan_model::notification::{Notification, kinds};
use leakscan_model::{Gate, ScanReport};
use leakscan_rules::{Confidence, Severity};

/// Below this, a repository's `max_file_size` is reported as a warning: it skips ordinary
/// source files.
const SMALL_FILE_LIMIT: u64 = 1 << 20;
/// Below this, a repository's `file_timeout` is reported as a warning.
const SHORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Values given on the command line: they win over any configuration file.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    /// `--max-file-size`.
    pub max_file_size: Option<String>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// `--max-memory`.
    pub max_memory: Option<String>,
    /// `--file-timeout` (seconds, 0 for none).
    pub file_timeout: Option<f64>,
    /// `--min-confidence`.
    pub min_confidence: Option<Confidence>,
    /// `--fail-on`.
    pub fail_on: Option<Severity>,
    /// `--fail-on live`: only live secrets fail (needs verification). Never taken from a
    /// configuration file: a repository cannot weaken the gate this way.
    pub live_only: bool,
    /// `--verify`: ask providers whether found credentials are live.
    pub verify: bool,
    /// Test only: where verification requests go instead of the providers (local mock
    /// servers; see [`leakscan_verify::EndpointOverrides`]).
    pub verify_endpoint_overrides: Option<leakscan_verify::EndpointOverrides>,
}

/// What [`resolve`] produced.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The settings (`base` with the limits applied).
    pub settings: ScanSettings,
    /// Which findings fail the scan.
    pub gate: Gate,
    /// What a repository's configuration changed (empty for a trusted one).
    pub notifications: Vec<Notification>,
}

/// Why a size ([`parse_size`]) is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// A unit letter other than K, M, G and T.
    #[error("unknown unit `{}` (use K, M, G or T)", .0.escape_default())]
    UnknownUnit(char),
    /// The number is not a whole number (or is missing).
    #[error("expected a whole number")]
    NotANumber,
    /// The size does not fit in 64 bits.
    #[error("size too large")]
    TooLarge,
}

/// Parses a size: `1048576`, `512K`, `256M`, `1G`, `1T` (binary units; `KB`, `KiB` and a
/// trailing `B` are accepted).
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let lower = text.trim().to_ascii_lowercase();
    let t = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (digits, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mult: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(SizeError::UnknownUnit(c)),
            };
            (&t[..i], mult)
        }
        _ => (t, 1),
    };
    let n: u64 = digits.trim().parse().map_err(|_| SizeError::NotANumber)?;
    n.checked_mul(mult).ok_or(SizeError::TooLarge)
}

/// Resolves the limits and the gate: the command line, else `config`, else `base` and the
/// default gate; see the module documentation for what a repository's configuration may do.
pub fn resolve(config: Option<&Config>, cli: &CommandLine, base: ScanSettings) -> Result<Resolved, Error> {
    let mut settings = base;
    let mut notes = Vec::new();
    let empty = Config::default();
    let config = config.unwrap_or(&empty);
    let source = config
        .source
        .as_ref()
        .map(|p| leakscan_filter::config::trust::shown_path(p));
    let from_repo = config.is_from_repository();
    let fail_key = |key: &str, message: String| Error::Config {
        file: config.source.clone().unwrap_or_default(),
        message: format!("{key}: {message}"),
    };
    let fail = |key: &str, message: String| fail_key(&format!("[limits] {key}"), message);
    let limits = &config.limits;
    let mut limit = |key: &'static str, shown: String, lowers: bool, warn: bool| -> bool {
        if !from_repo {
            return true;
        }
        if lowers {
            let message = format!(
                "[limits] {key} = {shown} lowers the limit; what it leaves out is reported as skipped or timed out"
            );
            notes.push(if warn {
                Notification::warning(kinds::LIMIT, source.clone(), message)
            } else {
                Notification::note(kinds::LIMIT, source.clone(), message)
            });
            true
        } else {
            notes.push(Notification::note(
                kinds::LIMIT,
                source.clone(),
                format!(
                    "[limits] {key} = {shown} is ignored: a configuration found in the scanned tree may only lower limits (pass it with --config, or use the flag)"
                ),
            ));
            false
        }
    };

    // max_file_size
    if let Some(text) = &cli.max_file_size {
        settings.max_file_size =
            parse_size(text).map_err(|e| fail("max_file_size", format!("invalid --max-file-size `{text}`: {e}")))?;
    } else if let Some(text) = &limits.max_file_size {
        let size = parse_size(text).map_err(|e| fail("max_file_size", format!("invalid size: {e}")))?;
        let lowers = size <= settings.max_file_size;
        if limit("max_file_size", size.to_string(), lowers, size < SMALL_FILE_LIMIT) {
            settings.max_file_size = size;
        }
    }
    // max_memory
    if let Some(text) = &cli.max_memory {
        settings.max_in_flight =
            parse_size(text).map_err(|e| fail("max_memory", format!("invalid --max-memory `{text}`: {e}")))?;
    } else if let Some(text) = &limits.max_memory {
        let size = parse_size(text).map_err(|e| fail("max_memory", format!("invalid size: {e}")))?;
        if limit("max_memory", size.to_string(), size <= settings.max_in_flight, false) {
            settings.max_in_flight = size;
        }
    }
    // file_timeout
    let timeout = |seconds: f64| -> Result<Option<Duration>, Error> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(fail(
                "file_timeout",
                format!("invalid `{seconds}`: seconds, 0 for none"),
            ));
        }
        Ok((seconds > 0.0).then(|| Duration::from_secs_f64(seconds)))
    };
    if let Some(seconds) = cli.file_timeout {
        settings.file_timeout = timeout(seconds)?;
    } else if let Some(seconds) = limits.file_timeout {
        let wanted = timeout(seconds)?;
        let lowers = match (wanted, settings.file_timeout) {
            (Some(w), Some(current)) => w <= current,
            (Some(_), None) => true,
            (None, current) => current.is_none(),
        };
        let warn = wanted.is_some_and(|w| w < SHORT_TIMEOUT);
        if limit("file_timeout", format!("{seconds}"), lowers, warn) {
            settings.file_timeout = wanted;
        }
    }
    // threads
    if let Some(n) = cli.threads {
        settings.threads = n;
    } else if let Some(n) = limits.threads {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        if from_repo && n > cores {
            notes.push(Notification::note(
                kinds::LIMIT,
                source.clone(),
                format!("[limits] threads = {n} is more than this machine's {cores} cores: {cores} are used"),
            ));
            settings.threads = cores;
        } else {
            settings.threads = n;
        }
    }

    // [verify]: from the command line or a trusted configuration only.
    let wanted = &config.verify;
    if from_repo && (wanted.enabled.is_some() || wanted.timeout.is_some() || wanted.concurrency.is_some()) {
        notes.push(Notification::warning(
            kinds::VERIFY,
            source.clone(),
            "[verify] is ignored: a configuration found in the scanned tree cannot make leakscan connect to \
             providers (pass --verify, or put [verify] in your own --config)"
                .to_string(),
        ));
    } else if cli.verify || wanted.enabled == Some(true) {
        let mut options = leakscan_verify::VerifyOptions {
            endpoint_overrides: cli.verify_endpoint_overrides.clone(),
            ..leakscan_verify::VerifyOptions::default()
        };
        if let Some(seconds) = wanted.timeout {
            if !seconds.is_finite() || seconds <= 0.0 {
                return Err(fail_key(
                    "[verify] timeout",
                    format!("invalid `{seconds}`: seconds, above 0"),
                ));
            }
            options.timeout = Duration::from_secs_f64(seconds);
        }
        if let Some(n) = wanted.concurrency {
            if n == 0 {
                return Err(fail_key("[verify] concurrency", "must be at least 1".to_string()));
            }
            options.concurrency = n;
        }
        settings.verify = Some(options);
    }
    if cli.live_only && settings.verify.is_none() {
        return Err(Error::Settings(
            "failing only on live secrets needs verification: add --verify (or `[verify] enabled = true` in --config)"
                .to_string(),
        ));
    }

    let defaults = Gate::default();
    let gate = Gate {
        min_confidence: cli
            .min_confidence
            .or(config.min_confidence)
            .unwrap_or(defaults.min_confidence),
        fail_on: cli.fail_on.or(config.fail_on).unwrap_or(defaults.fail_on),
        live_only: cli.live_only,
    };
    if from_repo {
        if cli.min_confidence.is_none() && gate.min_confidence > defaults.min_confidence {
            notes.push(Notification::warning(
                kinds::GATE,
                source.clone(),
                format!(
                    "min_confidence = \"{}\": findings of lower confidence are reported but do not fail the scan",
                    gate.min_confidence.as_str()
                ),
            ));
        }
        if cli.fail_on.is_none() && gate.fail_on > defaults.fail_on {
            notes.push(Notification::warning(
                kinds::GATE,
                source.clone(),
                format!(
                    "fail_on = \"{}\": findings of lower severity are reported but do not fail the scan",
                    gate.fail_on.as_str()
                ),
            ));
        }
        notes.extend(describe_repository_config(config, source.clone()));
    }
    Ok(Resolved {
        settings,
        gate,
        notifications: notes,
    })
}

/// Notes on what a repository's configuration does to rules, allowlists and the baseline.
fn describe_repository_config(config: &Config, source: Option<String>) -> Vec<Notification> {
    let shown = |ids: &[String]| -> String {
        let mut list: Vec<String> = ids.iter().take(10).map(|id| format!("`{}`", shown(id))).collect();
        if ids.len() > 10 {
            list.push(format!("and {} more", ids.len() - 10));
        }
        list.join(", ")
    };
    let mut notes = vec![Notification::note(
        kinds::CONFIG_USED,
        source.clone(),
        "using this configuration found in the scanned tree (--no-repo-config ignores it)".to_string(),
    )];
    let rules = &config.rules;
    if !rules.disable.is_empty() {
        notes.push(Notification::note(
            kinds::RULES,
            source.clone(),
            format!(
                "[rules] disable turns off {} rule(s): {}",
                rules.disable.len(),
                shown(&rules.disable)
            ),
        ));
    }
    if !rules.only.is_empty() {
        notes.push(Notification::warning(
            kinds::RULES,
            source.clone(),
            format!(
                "[rules] only runs just {} rule(s): {}",
                rules.only.len(),
                shown(&rules.only)
            ),
        ));
    }
    if !rules.overrides.is_empty() {
        let ids: Vec<String> = rules.overrides.keys().cloned().collect();
        notes.push(Notification::note(
            kinds::RULES,
            source.clone(),
            format!("[rules.override] changes {} rule(s): {}", ids.len(), shown(&ids)),
        ));
    }
    if !rules.extra.is_empty() {
        notes.push(Notification::note(
            kinds::EXTRA_RULES,
            source.clone(),
            format!(
                "[rules] extra adds rules from {} path(s) inside the repository",
                rules.extra.len()
            ),
        ));
    }
    let allow = &config.allow;
    let lists = allow.paths.len() + allow.regexes.len() + allow.stopwords.len();
    let per_rule: usize = allow
        .rules
        .iter()
        .map(|r| r.paths.len() + r.regexes.len() + r.stopwords.len())
        .sum();
    if lists + per_rule > 0 {
        notes.push(Notification::note(
            kinds::ALLOWLIST,
            source.clone(),
            format!(
                "[allow] suppresses findings by {} path glob(s), {} regex(es) and {} stopword(s), and {} per-rule entr(ies)",
                allow.paths.len(),
                allow.regexes.len(),
                allow.stopwords.len(),
                per_rule
            ),
        ));
    }
    if let Some(b) = &config.baseline {
        notes.push(Notification::note(
            kinds::BASELINE,
            source,
            format!(
                "baseline = `{}` suppresses the findings it lists",
                leakscan_filter::config::trust::shown_path(b)
            ),
        ));
    }
    notes
}

/// After a scan: a warning counting the findings suppressed by a repository's configuration
/// (allowlists) and by the baseline it named (`baseline_from_repo`), so that a repository
/// cannot silence findings unseen. `None` for a trusted configuration or when nothing was
/// suppressed.
pub fn suppressed_notification(report: &ScanReport, config: &Config, baseline_from_repo: bool) -> Option<Notification> {
    if !config.is_from_repository() {
        return None;
    }
    use leakscan_rules::detect::Suppression;
    let by_config = report
        .findings
        .iter()
        .filter(|f| matches!(f.suppression, Some(Suppression::Config(_))))
        .count();
    let by_baseline = if baseline_from_repo {
        report
            .findings
            .iter()
            .filter(|f| matches!(f.suppression, Some(Suppression::Baseline(_))))
            .count()
    } else {
        0
    };
    if by_config + by_baseline == 0 {
        return None;
    }
    Some(Notification::warning(
        kinds::SUPPRESSED,
        config
            .source
            .as_ref()
            .map(|p| leakscan_filter::config::trust::shown_path(p)),
        format!(
            "{by_config} finding(s) suppressed by this configuration's allowlists and {by_baseline} by its baseline; run with --no-repo-config to see them"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_config(text: &str) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("leakscan.toml");
        std::fs::write(&file, text).unwrap();
        let config = Config::load_discovered(&file).unwrap();
        (dir, config)
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512kb"), Ok(512 << 10));
        assert_eq!(parse_size("42"), Ok(42));
        assert_eq!(parse_size("12Q"), Err(SizeError::UnknownUnit('q')));
        assert_eq!(
            parse_size("12Q").unwrap_err().to_string(),
            "unknown unit `q` (use K, M, G or T)"
        );
        assert_eq!(parse_size("99999999999T"), Err(SizeError::TooLarge));
        assert_eq!(parse_size("1.5G"), Err(SizeError::NotANumber));
        assert_eq!(parse_size("M"), Err(SizeError::NotANumber));
    }

    #[test]
    fn a_repository_may_lower_limits_but_not_raise_them() {
        let (_d, config) = repo_config("[limits]\nmax_file_size = \"1\"\nmax_memory = \"64G\"\nfile_timeout = 0\n");
        let r = resolve(Some(&config), &CommandLine::default(), ScanSettings::default()).unwrap();
        assert_eq!(r.settings.max_file_size, 1, "lowering applies");
        assert_eq!(
            r.settings.max_in_flight,
            ScanSettings::default().max_in_flight,
            "raising is ignored"
        );
        assert_eq!(
            r.settings.file_timeout,
            ScanSettings::default().file_timeout,
            "no limit is a raise"
        );
        let warning = r
            .notifications
            .iter()
            .find(|n| n.message.contains("max_file_size"))
            .unwrap();
        assert_eq!(warning.level, leakscan_model::notification::NotificationLevel::Warning);
        assert_eq!(
            r.notifications
                .iter()
                .filter(|n| n.message.contains("is ignored"))
                .count(),
            2
        );
        // The command line wins over both.
        let cli = CommandLine {
            max_file_size: Some("2G".into()),
            ..CommandLine::default()
        };
        assert_eq!(
            resolve(Some(&config), &cli, ScanSettings::default())
                .unwrap()
                .settings
                .max_file_size,
            2 << 30
        );
    }

    #[test]
    fn a_trusted_configuration_sets_any_limit_silently() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mine.toml");
        std::fs::write(
            &file,
            "fail_on = \"critical\"\n[limits]\nmax_memory = \"64G\"\nfile_timeout = 0\n",
        )
        .unwrap();
        let config = Config::load(&file).unwrap();
        let r = resolve(Some(&config), &CommandLine::default(), ScanSettings::default()).unwrap();
        assert_eq!(r.settings.max_in_flight, 64 << 30);
        assert_eq!(r.settings.file_timeout, None);
        assert_eq!(r.gate.fail_on, Severity::Critical);
        assert!(r.notifications.is_empty());
    }

    #[test]
    fn a_repository_raising_the_gate_is_a_warning() {
        let (_d, config) =
            repo_config("min_confidence = \"high\"\nfail_on = \"critical\"\n[rules]\nonly = [\"jwt\"]\n");
        let r = resolve(Some(&config), &CommandLine::default(), ScanSettings::default()).unwrap();
        assert_eq!(r.gate.fail_on, Severity::Critical);
        let warnings: Vec<&str> = r
            .notifications
            .iter()
            .filter(|n| n.level == leakscan_model::notification::NotificationLevel::Warning)
            .map(|n| n.kind)
            .collect();
        assert_eq!(warnings, [kinds::GATE, kinds::GATE, kinds::RULES]);
    }
}
