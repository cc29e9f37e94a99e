//! A scan request: everything a caller chooses besides the source (where configuration comes
//! from, extra rule files, the baseline, settings given explicitly), turned into a ready
//! [`Scanner`] with its [`Gate`] by [`ScanRequest::prepare`]. The CLI fills one from its flags;
//! a library user fills one the same way and gets the same trust model, the same rule loading
//! and the same notifications.
//!
//! ```no_run
//! use leakscan_engine::request::ScanRequest;
//! use leakscan_engine::{Progress, ScanSettings};
//! use leakscan_sources::FsSource;
//! use std::path::{Path, PathBuf};
//!
//! let root = Path::new("repo");
//! let prepared = ScanRequest::default().prepare(root, ScanSettings::default())?;
//! let mut report = prepared.scanner.scan(&FsSource::new(&[PathBuf::from(root)])?, &Progress::default())?;
//! prepared.annotate(&mut report);
//! let failed = report.fails(&prepared.gate);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use leakscan_filter::baseline::{self, Baseline};
use leakscan_filter::config::{Config, Trust, trust};
use leakscan_model::error::Error;
use leakscan_model::notification::Notification;
use leakscan_model::{Gate, ScanReport};
use leakscan_rules::RuleSet;

use crate::resolve::{CommandLine, resolve, suppressed_notification};
use crate::scan::{ScanSettings, Scanner};

/// Where the configuration comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ConfigSource {
    /// The `leakscan.toml` / `.leakscan.toml` found from the scanned root upwards, read as
    /// repository content (limited by the trust model); none when there is none.
    #[default]
    Discover,
    /// A configuration the caller names: trusted, it may set anything.
    File(PathBuf),
    /// None at all, and no repository baseline or ignore file either (`--isolated`).
    Isolated,
    /// None from the scanned tree (`--no-repo-config`): a configuration found there, the
    /// repository's baseline and its ignore files are ignored.
    IgnoreRepository,
}

impl ConfigSource {
    /// Whether content of the scanned repository may configure the scan.
    pub fn reads_repository(&self) -> bool {
        matches!(self, ConfigSource::Discover)
    }

    /// The configuration to use, if any, for a scan of `root`.
    pub fn load(&self, root: &Path) -> Result<Option<Config>, Error> {
        match self {
            ConfigSource::Isolated => Ok(None),
            ConfigSource::File(path) => {
                log::info!("using configuration {}", path.display());
                Ok(Some(Config::load(path)?))
            }
            ConfigSource::Discover | ConfigSource::IgnoreRepository => {
                let Some(found) = Config::discover(root) else {
                    return Ok(None);
                };
                if *self == ConfigSource::IgnoreRepository {
                    log::info!(
                        "ignoring configuration {} (repository configuration disabled)",
                        found.display()
                    );
                    return Ok(None);
                }
                log::info!("using configuration {} (found in the scanned tree)", found.display());
                Ok(Some(Config::load_discovered(&found)?))
            }
        }
    }
}

/// Which rules to load besides the configuration's.
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    /// Rule files (`*.toml`) or directories of them, trusted (the caller chose them).
    pub paths: Vec<PathBuf>,
    /// Leave out the built-in rules (then `paths` or the configuration must give some).
    pub no_builtin: bool,
}

impl RuleSources {
    /// The rules: built-in (unless `no_builtin`), the trusted `paths`, and the extras of
    /// `config` (read under its trust); then the configuration's disable/only/overrides.
    pub fn load(&self, config: Option<&Config>) -> Result<RuleSet, Error> {
        let mut files = trust::read_rule_paths(&self.paths, &Trust::Trusted)?;
        // Rule files a repository's configuration adds may not say where a secret is sent.
        let mut untrusted_files = std::collections::HashSet::new();
        if let Some(c) = config {
            let extra = trust::read_rule_paths(&c.extra_rule_paths()?, &c.trust)?;
            if !c.trust.is_trusted() {
                untrusted_files.extend(extra.iter().map(|(name, _)| name.clone()));
            }
            files.extend(extra);
        }
        let rules = if self.no_builtin {
            if files.is_empty() {
                return Err(Error::Settings(
                    "the built-in rules are left out and no rule file was given".into(),
                ));
            }
            RuleSet::from_files(files)?
        } else {
            RuleSet::builtin_with(files)?
        };
        if let Some(rule) = rules
            .rules()
            .iter()
            .find(|r| r.verify.is_some() && untrusted_files.contains(&r.source))
        {
            return Err(Error::Rule {
                file: rule.source.clone(),
                rule: rule.id.clone(),
                message: "a rule file named by a configuration found in the scanned tree may not carry a \
                          [rule.verify] table (the scanned content cannot choose where a secret is sent)"
                    .to_string(),
            });
        }
        match config {
            Some(c) => c.apply_rules(&rules),
            None => Ok(rules),
        }
    }
}

/// What a caller asks of a scan besides the source. `Default` is a scan with the built-in
/// rules, the repository's configuration and baseline when it has them, and default limits.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Where the configuration comes from.
    pub config: ConfigSource,
    /// Extra rule files and whether to keep the built-in rules.
    pub rules: RuleSources,
    /// A baseline the caller names (trusted); it replaces the configuration's and the
    /// repository's own `.leakscan-baseline.json`.
    pub baseline: Option<PathBuf>,
    /// Apply a baseline at all (`false`: report everything, e.g. to write a new baseline).
    pub use_baseline: bool,
    /// Limits and gate given explicitly: they win over any configuration.
    pub command_line: CommandLine,
}

impl Default for ScanRequest {
    fn default() -> ScanRequest {
        ScanRequest {
            config: ConfigSource::Discover,
            rules: RuleSources::default(),
            baseline: None,
            use_baseline: true,
            command_line: CommandLine::default(),
        }
    }
}

/// A scanner ready to run, its gate, and what preparing it found to tell
/// ([`PreparedScan::annotate`] adds that to the report).
#[derive(Debug)]
pub struct PreparedScan {
    /// The scanner (rules, settings, configuration allowlists, baseline).
    pub scanner: Scanner,
    /// Which findings fail the scan.
    pub gate: Gate,
    /// The configuration used, if any.
    pub config: Option<Config>,
    /// Warnings for the report (baseline entries of rules that are not loaded).
    warnings: Vec<String>,
    /// What the configuration changed (a configuration found in the tree is reported).
    notifications: Vec<Notification>,
    /// Whether the baseline came from a configuration found in the tree.
    baseline_from_repo: bool,
    /// The repository's `.leakscan-baseline.json`, when the scan picked it up by itself.
    auto_baseline: Option<PathBuf>,
}

impl ScanRequest {
    /// Loads the configuration for a scan of `root`, the rules, the baseline and the settings
    /// (`settings` with the limits of the command line, else of the configuration, applied),
    /// and builds the scanner. Fails on anything that cannot be loaded as asked: a
    /// configuration, rule file or baseline that is invalid or breaks the trust model.
    pub fn prepare(&self, root: &Path, settings: ScanSettings) -> Result<PreparedScan, Error> {
        let config = self.config.load(root)?;
        let rules = self.rules.load(config.as_ref())?;
        let resolved = resolve(config.as_ref(), &self.command_line, settings)?;
        let mut builder = Scanner::builder().settings(resolved.settings);
        if let Some(c) = &config {
            builder = builder.config_filter(c.filter()?);
        }
        let mut warnings = Vec::new();
        let mut auto_baseline = None;
        let (baseline_path, baseline_trust) = match (&self.baseline, &config) {
            (Some(path), _) => (Some(path.clone()), Trust::Trusted),
            (None, Some(c)) if c.baseline.is_some() => (c.baseline_path()?, c.trust.clone()),
            // The repository's own `.leakscan-baseline.json`: repository content, kept inside
            // the repository (a link out is refused), read under the trust model, reported,
            // and ignored unless repository configuration is read.
            _ if self.config.reads_repository() => match baseline::discover(root) {
                Some(found) => {
                    let trust = Trust::repository_of(&found);
                    let checked = trust.check_path(&found, "baseline").map_err(|e| Error::Baseline {
                        file: found.clone(),
                        message: e.to_string(),
                    })?;
                    auto_baseline = self.use_baseline.then(|| checked.clone());
                    (Some(checked), trust)
                }
                None => (None, Trust::Trusted),
            },
            _ => (None, Trust::Trusted),
        };
        // A configuration's own baseline (the repository's auto-picked one is reported apart).
        let baseline_from_repo = baseline_path.is_some() && !baseline_trust.is_trusted() && auto_baseline.is_none();
        if self.use_baseline
            && let Some(path) = baseline_path
        {
            let baseline = Baseline::load_with(&path, &baseline_trust)?;
            warnings.extend(unknown_rule_warnings(&baseline, &rules, &path));
            builder = builder.baseline(baseline.matcher(&leakscan_model::date::today()));
        }
        let scanner = builder.rules(rules).build()?;
        Ok(PreparedScan {
            scanner,
            gate: resolved.gate,
            config,
            warnings,
            notifications: resolved.notifications,
            baseline_from_repo,
            auto_baseline,
        })
    }
}

impl PreparedScan {
    /// Adds to `report` what preparing found (warnings and notes first, in that order) and,
    /// after the scan, how many findings a repository's configuration or baseline suppressed.
    pub fn annotate(&self, report: &mut ScanReport) {
        report.warnings.splice(0..0, self.warnings.iter().cloned());
        report.notifications.splice(0..0, self.notifications.iter().cloned());
        if let Some(c) = &self.config
            && let Some(n) = suppressed_notification(report, c, self.baseline_from_repo)
        {
            report.notifications.push(n);
        }
        if let Some(file) = &self.auto_baseline {
            report
                .notifications
                .push(baseline::discovered_notification(report, file));
        }
    }
}

/// A warning per rule that has baseline entries but is not loaded (removed or disabled).
fn unknown_rule_warnings(baseline: &Baseline, rules: &RuleSet, path: &Path) -> Vec<String> {
    let mut missing: Vec<&str> = baseline
        .entries
        .iter()
        .map(|e| e.rule.as_str())
        .filter(|r| rules.get(r).is_none())
        .collect();
    missing.sort();
    missing.dedup();
    missing
        .into_iter()
        .map(|r| {
            format!(
                "{}: entries for rule `{r}`, which is not loaded (removed or disabled)",
                path.display()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_reads_no_configuration_and_discover_finds_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".leakscan.toml"), "min_confidence = \"high\"\n").expect("write");
        assert!(ConfigSource::Isolated.load(dir.path()).expect("load").is_none());
        assert!(ConfigSource::IgnoreRepository.load(dir.path()).expect("load").is_none());
        let found = ConfigSource::Discover.load(dir.path()).expect("load").expect("found");
        assert!(found.is_from_repository());
    }

    #[test]
    fn a_repository_rule_file_may_not_carry_a_verification_table() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".leakscan.toml"), "[rules]\nextra = [\"rules.toml\"]\n").expect("write");
        let rule = |verify: &str| {
            format!(
                "[[rule]]\nid = \"acme-token\"\nname = \"Acme\"\ndescription = \"d\"\nregex = '''\\b(acme_[a-z0-9]{{20}})\\b'''\n\
                 keywords = [\"acme_\"]\nseverity = \"high\"\nconfidence = \"high\"\ntags = [\"acme\"]\nremediation = \"r\"\n\
                 examples = [\"acme_k2j4h5g6f7d8s9a0q1w2\"]\nnegative_examples = [\"acme_short\"]\n{verify}"
            )
        };
        std::fs::write(dir.path().join("rules.toml"), rule("")).expect("write");
        let config = ConfigSource::Discover.load(dir.path()).expect("load").expect("found");
        RuleSources::default()
            .load(Some(&config))
            .expect("a plain rule file loads");
        let table = "[rule.verify]\nkind = \"http\"\ndocs = \"https://acme.example/docs\"\nmethod = \"GET\"\n\
                     url = \"https://api.acme.example/me\"\nheaders = { Authorization = \"Bearer {{secret}}\" }\n\
                     live = [{ status = [200] }]\n";
        std::fs::write(dir.path().join("rules.toml"), rule(table)).expect("write");
        let err = RuleSources::default().load(Some(&config)).expect_err("refused");
        assert!(err.to_string().contains("[rule.verify]"), "{err}");
        // The same file passed by the user (trusted) is fine.
        let trusted = RuleSources {
            paths: vec![dir.path().join("rules.toml")],
            no_builtin: false,
        };
        trusted.load(None).expect("trusted rule files may verify");
    }

    #[test]
    fn no_builtin_rules_without_files_is_an_error() {
        let sources = RuleSources {
            paths: vec![],
            no_builtin: true,
        };
        let err = sources.load(None).expect_err("no rules");
        assert!(matches!(err, Error::Settings(_)), "{err}");
    }

    #[test]
    fn a_repository_baseline_is_applied_and_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let token = concat!("ghp_", "GIhwhpsuBfEg9tEfkB84", "YsDlI1R8rh1E5L1y");
        std::fs::write(dir.path().join("config.py"), format!("token = '{token}'\n")).expect("write");
        let scan = |request: &ScanRequest| {
            let prepared = request.prepare(dir.path(), ScanSettings::default()).expect("prepare");
            let source = leakscan_sources::FsSource::new(&[dir.path().to_path_buf()]).expect("source");
            let mut report = prepared
                .scanner
                .scan(&source, &crate::Progress::default())
                .expect("scan");
            prepared.annotate(&mut report);
            (report.fails(&prepared.gate), report)
        };
        let (fails, report) = scan(&ScanRequest::default());
        assert!(fails, "the token fails the gate: {:?}", report.findings);
        std::fs::write(
            dir.path().join(".leakscan-baseline.json"),
            Baseline::from_findings(&report.findings, None).to_json(),
        )
        .expect("write");
        let (fails, report) = scan(&ScanRequest::default());
        assert!(!fails, "the repository's baseline suppresses it");
        assert!(
            report
                .notifications
                .iter()
                .any(|n| n.kind == leakscan_model::notification::kinds::AUTO_BASELINE),
            "{:?}",
            report.notifications
        );
        let ignoring = ScanRequest {
            config: ConfigSource::IgnoreRepository,
            ..ScanRequest::default()
        };
        assert!(scan(&ignoring).0, "ignored without repository configuration");
    }
}
