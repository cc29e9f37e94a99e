//! The configuration file (`leakscan.toml` or `.leakscan.toml`): rules, allowlists, the fail
//! gate, a baseline and limits. Unknown keys are errors that name the key, line and column.
//!
//! ```toml
//! min_confidence = "medium"          # findings below this confidence do not fail the scan
//! fail_on = "low"                    # nor do findings below this severity
//! baseline = ".leakscan-baseline.json"
//!
//! [rules]
//! extra = ["ci/rules"]               # rule files or directories, relative to this file
//! disable = ["generic-secret-assignment"]
//! only = []                          # when non-empty, only these rule ids run
//! [rules.override.generic-password-assignment]
//! severity = "medium"                # also: confidence, entropy
//! paths = ["src/**"]                 # the rule reports only in these paths …
//! exclude_paths = ["src/demo/**"]    # … and never in these
//!
//! [allow]                            # suppress matching findings (with the reason)
//! paths = ["docs/**", "**/*.snap"]   # globs over the repository-relative path
//! regexes = ['''^test-''']           # over the secret
//! stopwords = ["localhost"]          # a secret containing one (case-insensitive)
//! [[allow.rule]]                     # the same, for one rule
//! id = "jwt"
//! paths = ["fixtures/**"]
//!
//! [limits]
//! max_file_size = "64M"
//! threads = 2
//! max_memory = "256M"                # large files/blobs/archives in memory at once
//! file_timeout = 120                 # seconds per file or blob (0: no limit)
//!
//! [redact]                           # `leakscan redact`
//! mask = "[REDACTED {rule}]"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex_automata::meta;
use serde::{Deserialize, Serialize};

use leakscan_model::error::Error;
use leakscan_model::mask::shown;
use leakscan_rules::{Confidence, Rule, RuleSet, Severity};

pub mod trust;

pub use trust::Trust;

/// The names searched for, in this order, in each directory.
pub const CONFIG_NAMES: [&str; 2] = ["leakscan.toml", ".leakscan.toml"];

/// The configuration file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Findings below this confidence do not fail the scan.
    pub min_confidence: Option<Confidence>,
    /// Findings below this severity do not fail the scan.
    pub fail_on: Option<Severity>,
    /// A baseline file (relative to the config file).
    pub baseline: Option<PathBuf>,
    /// Rule selection and overrides.
    #[serde(default)]
    pub rules: RulesConfig,
    /// Allowlists.
    #[serde(default)]
    pub allow: AllowConfig,
    /// Limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// `[environments]`: globs that put paths in an environment (`prod = ["deploy/live/**"]`),
    /// checked before the path-word convention, for `secret-reused-across-environments`.
    #[serde(default)]
    pub environments: EnvironmentsConfig,
    /// `[redact]`: settings of `leakscan redact`.
    #[serde(default)]
    pub redact: RedactConfig,
    /// `[verify]`: live verification (honoured only from a trusted `--config`).
    #[serde(default)]
    pub verify: VerifyConfig,
    /// Where the file was read from (not a key).
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Who wrote it (not a key): the user's own file, or one found in the scanned tree.
    #[serde(skip)]
    pub trust: Trust,
}

/// `[environments]`: path globs per environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentsConfig {
    /// Development paths.
    #[serde(default)]
    pub dev: Vec<String>,
    /// Test / QA paths.
    #[serde(default)]
    pub test: Vec<String>,
    /// Staging paths.
    #[serde(default)]
    pub staging: Vec<String>,
    /// Production paths.
    #[serde(default)]
    pub prod: Vec<String>,
}

/// `[rules]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Extra rule files or directories of rule files.
    #[serde(default)]
    pub extra: Vec<PathBuf>,
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// When non-empty, only these rule ids run.
    #[serde(default)]
    pub only: Vec<String>,
    /// Per-rule overrides, by rule id.
    #[serde(default, rename = "override")]
    pub overrides: BTreeMap<String, RuleOverride>,
}

/// `[rules.override.<id>]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// New severity.
    pub severity: Option<Severity>,
    /// New confidence.
    pub confidence: Option<Confidence>,
    /// New entropy minimum.
    pub entropy: Option<f64>,
    /// The rule reports only in these paths (globs).
    #[serde(default)]
    pub paths: Vec<String>,
    /// The rule never reports in these paths (globs).
    #[serde(default)]
    pub exclude_paths: Vec<String>,
}

/// `[allow]` and each `[[allow.rule]]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    /// Path globs.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes over the secret.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Substrings of the secret (case-insensitive).
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Allowlists for single rules.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleAllowConfig>,
}

/// `[[allow.rule]]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleAllowConfig {
    /// The rule id.
    pub id: String,
    /// Path globs.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes over the secret.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Substrings of the secret (case-insensitive).
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// `[redact]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedactConfig {
    /// The mask written instead of each secret; `{rule}` becomes the rule id.
    pub mask: Option<String>,
}

/// `[verify]`: ask providers whether found credentials are live. A configuration found in
/// the scanned tree cannot turn it on (the scanned content must not make leakscan connect
/// anywhere); the user's own `--config` can.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {
    /// Verify every scan made with this configuration (as `--verify`).
    pub enabled: Option<bool>,
    /// The longest one request may take, in seconds (default 10).
    pub timeout: Option<f64>,
    /// Requests in flight at once, over all providers (default 32).
    pub concurrency: Option<usize>,
}

/// `[limits]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest file scanned (`256M`, `1G`, bytes).
    pub max_file_size: Option<String>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Budget for large files, blobs and archives in memory at once (`512M`, bytes).
    pub max_memory: Option<String>,
    /// Per-file time limit in seconds (0: none).
    pub file_timeout: Option<f64>,
}

impl Config {
    /// Parses a configuration file's text; `file` names it in errors (which give the line
    /// and column, never an excerpt of the text).
    pub fn parse(text: &str, file: &Path) -> Result<Config, Error> {
        let mut config: Config = toml::from_str(text).map_err(|e| Error::Config {
            file: file.to_path_buf(),
            message: leakscan_model::mask::toml_error(&e, text).to_string(),
        })?;
        config.source = Some(file.to_path_buf());
        Ok(config)
    }

    /// Reads and parses the user's own configuration file (`--config`): trusted.
    pub fn load(file: &Path) -> Result<Config, Error> {
        Config::load_with(file, Trust::Trusted)
    }

    /// Reads and parses a configuration file found in the scanned tree: it may only name
    /// files inside its repository and only lower limits (see [`trust`]).
    pub fn load_discovered(file: &Path) -> Result<Config, Error> {
        Config::load_with(file, Trust::repository_of(file))
    }

    fn load_with(file: &Path, trust: Trust) -> Result<Config, Error> {
        let text = trust::read_text(file, trust::MAX_CONFIG_BYTES, &trust).map_err(|e| Error::Config {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut config = Config::parse(&text, file)?;
        config.trust = trust;
        Ok(config)
    }

    /// Whether this configuration was found in the scanned tree (not given by the user).
    pub fn is_from_repository(&self) -> bool {
        !self.trust.is_trusted()
    }

    /// Finds the configuration for a scan of `root`: `leakscan.toml` or `.leakscan.toml` in
    /// the root's directory or any parent up to the enclosing repository's root (a directory
    /// with `.git`). Outside a repository only the root's own directory is searched.
    pub fn discover(root: &Path) -> Option<PathBuf> {
        let abs = std::fs::canonicalize(root).ok()?;
        let start = if abs.is_dir() { abs } else { abs.parent()?.to_path_buf() };
        let in_repo = start.ancestors().any(|d| d.join(".git").exists());
        for dir in start.ancestors() {
            for name in CONFIG_NAMES {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
            if !in_repo || dir.join(".git").exists() {
                break;
            }
        }
        None
    }

    /// The directory relative paths in this file are resolved against.
    pub fn dir(&self) -> PathBuf {
        self.source
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// Resolves a path written in this file (relative to its directory), unchecked.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.dir().join(path)
        }
    }

    /// Resolves a path written in this file under `key` and checks it against the file's
    /// [`Trust`]: a configuration from the scanned tree may only name files inside its
    /// repository.
    pub fn resolve_checked(&self, path: &Path, key: &str) -> Result<PathBuf, Error> {
        self.trust
            .check_path(&self.resolve(path), key)
            .map_err(|e| self.error(e.to_string()))
    }

    /// The baseline this file names, resolved and checked.
    pub fn baseline_path(&self) -> Result<Option<PathBuf>, Error> {
        self.baseline
            .as_ref()
            .map(|b| self.resolve_checked(b, "baseline"))
            .transpose()
    }

    /// The extra rule files and directories this file names, resolved and checked.
    pub fn extra_rule_paths(&self) -> Result<Vec<PathBuf>, Error> {
        self.rules
            .extra
            .iter()
            .map(|p| self.resolve_checked(p, "[rules] extra"))
            .collect()
    }

    fn error(&self, message: String) -> Error {
        Error::Config {
            file: self.source.clone().unwrap_or_default(),
            message,
        }
    }

    /// Applies `[rules]` to a rule set: extra rules are expected to be loaded already;
    /// this disables, selects and overrides. Unknown ids are errors (a typo would silently
    /// turn nothing off).
    pub fn apply_rules(&self, rules: &RuleSet) -> Result<RuleSet, Error> {
        let known = |id: &String, key: &str| {
            if rules.get(id).is_none() {
                Err(self.error(format!("[rules] {key}: unknown rule id `{}`", shown(id))))
            } else {
                Ok(())
            }
        };
        for id in &self.rules.disable {
            known(id, "disable")?;
        }
        for id in &self.rules.only {
            known(id, "only")?;
        }
        for id in self.rules.overrides.keys() {
            known(id, "override")?;
        }
        let mut kept: Vec<Rule> = Vec::new();
        for rule in rules.rules() {
            if self.rules.disable.contains(&rule.id)
                || (!self.rules.only.is_empty() && !self.rules.only.contains(&rule.id))
            {
                continue;
            }
            let mut rule = rule.clone();
            if let Some(o) = self.rules.overrides.get(&rule.id) {
                if let Some(s) = o.severity {
                    rule.severity = s;
                }
                if let Some(c) = o.confidence {
                    rule.confidence = c;
                }
                if let Some(e) = o.entropy {
                    if !(0.0..=8.0).contains(&e) {
                        return Err(self.error(format!(
                            "[rules.override.{}] entropy {e} is outside 0..=8",
                            shown(&rule.id)
                        )));
                    }
                    rule.entropy = Some(e);
                }
            }
            kept.push(rule);
        }
        RuleSet::new(kept)
    }

    /// Compiles the allowlists and per-rule path scopes into a [`ConfigFilter`].
    pub fn filter(&self) -> Result<ConfigFilter, Error> {
        let global = self.allow_set(&self.allow.paths, &self.allow.regexes, &self.allow.stopwords, "[allow]")?;
        let mut per_rule = BTreeMap::new();
        for r in &self.allow.rules {
            let set = self.allow_set(
                &r.paths,
                &r.regexes,
                &r.stopwords,
                &format!("[[allow.rule]] {}", shown(&r.id)),
            )?;
            per_rule.insert(r.id.clone(), set);
        }
        let mut scopes = BTreeMap::new();
        for (id, o) in &self.rules.overrides {
            if o.paths.is_empty() && o.exclude_paths.is_empty() {
                continue;
            }
            let key = format!("[rules.override.{}]", shown(id));
            let include = (!o.paths.is_empty()).then(|| self.globs(&o.paths, &key)).transpose()?;
            let exclude = self.globs(&o.exclude_paths, &key)?;
            scopes.insert(id.clone(), (include, exclude));
        }
        use leakscan_model::environment::Environment;
        let e = &self.environments;
        let mut environments = Vec::new();
        for (env, globs) in [
            (Environment::Dev, &e.dev),
            (Environment::Test, &e.test),
            (Environment::Staging, &e.staging),
            (Environment::Prod, &e.prod),
        ] {
            if !globs.is_empty() {
                environments.push((env, self.globs(globs, &format!("[environments] {}", env.as_str()))?));
            }
        }
        Ok(ConfigFilter {
            global,
            per_rule,
            scopes,
            environments,
            source: self
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        })
    }

    fn globs(&self, patterns: &[String], key: &str) -> Result<PatternSet, Error> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let glob = Glob::new(p)
                .map_err(|e| self.error(format!("{key}: invalid glob `{}`: {}", shown(p), shown(&e.to_string()))))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| self.error(format!("{key}: {e}")))?;
        Ok(PatternSet {
            set,
            patterns: patterns.to_vec(),
        })
    }

    fn allow_set(
        &self,
        paths: &[String],
        regexes: &[String],
        stopwords: &[String],
        key: &str,
    ) -> Result<AllowSet, Error> {
        let regexes = regexes
            .iter()
            .map(|r| {
                leakscan_rules::compile_regex(r).map(|re| (r.clone(), re)).map_err(|e| {
                    self.error(format!(
                        "{key} regexes: `{}` does not compile: {}",
                        shown(r),
                        shown(&e.to_string())
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllowSet {
            paths: self.globs(paths, key)?,
            regexes,
            stopwords: stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
        })
    }
}

/// Globs with the patterns they came from (for explanations).
#[derive(Debug, Clone)]
struct PatternSet {
    set: GlobSet,
    patterns: Vec<String>,
}

impl PatternSet {
    fn first_match(&self, path: &str) -> Option<&str> {
        self.set.matches(path).first().map(|&i| self.patterns[i].as_str())
    }
}

#[derive(Debug, Clone)]
struct AllowSet {
    paths: PatternSet,
    regexes: Vec<(String, meta::Regex)>,
    stopwords: Vec<String>,
}

impl AllowSet {
    fn reason(&self, path: &str, secret: &[u8]) -> Option<String> {
        if let Some(p) = self.paths.first_match(path) {
            return Some(format!("path matches `{}`", shown(p)));
        }
        if let Some((r, _)) = self.regexes.iter().find(|(_, re)| re.is_match(secret)) {
            return Some(format!("secret matches `{}`", shown(r)));
        }
        let lower = secret.to_ascii_lowercase();
        self.stopwords
            .iter()
            .find(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
            .map(|w| format!("stopword `{}`", shown(w)))
    }
}

/// The compiled allowlists and rule path scopes of a [`Config`].
#[derive(Debug, Clone)]
pub struct ConfigFilter {
    global: AllowSet,
    per_rule: BTreeMap<String, AllowSet>,
    scopes: BTreeMap<String, (Option<PatternSet>, PatternSet)>,
    environments: Vec<(leakscan_model::environment::Environment, PatternSet)>,
    source: String,
}

impl ConfigFilter {
    /// The environment `[environments]` assigns to `path`, if any.
    pub fn environment_of(&self, path: &str) -> Option<leakscan_model::environment::Environment> {
        self.environments
            .iter()
            .find(|(_, set)| set.first_match(path).is_some())
            .map(|(env, _)| *env)
    }

    /// Why the configuration suppresses a finding of `rule` at `path` with `secret`, or `None`.
    pub fn check(&self, rule: &str, path: &str, secret: &[u8]) -> Option<String> {
        if let Some((include, exclude)) = self.scopes.get(rule) {
            if let Some(include) = include
                && include.first_match(path).is_none()
            {
                return Some(format!(
                    "{}: [rules.override.{rule}] paths do not include this path",
                    self.source
                ));
            }
            if let Some(p) = exclude.first_match(path) {
                return Some(format!("{}: [rules.override.{rule}] exclude_paths `{p}`", self.source));
            }
        }
        if let Some(why) = self.global.reason(path, secret) {
            return Some(format!("{}: [allow] {why}", self.source));
        }
        self.per_rule
            .get(rule)
            .and_then(|set| set.reason(path, secret))
            .map(|why| format!("{}: [[allow.rule]] {rule}: {why}", self.source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let err = Config::parse(
            "min_confidence = \"low\"\n[allow]\npathz = []\n",
            Path::new("leakscan.toml"),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("leakscan.toml") && msg.contains("pathz") && msg.contains("line 3"),
            "{msg}"
        );
        let err = Config::parse("fail_on = \"severe\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("severe"), "{err}");
    }

    #[test]
    fn allowlists_explain_themselves() {
        let config = Config::parse(
            "[allow]\npaths = [\"docs/**\"]\nregexes = ['''^dev-''']\nstopwords = [\"LocalHost\"]\n[[allow.rule]]\nid = \"jwt\"\npaths = [\"fixtures/**\"]\n[rules.override.tok]\npaths = [\"src/**\"]\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let f = config.filter().unwrap();
        assert!(
            f.check("x", "docs/a.md", b"s")
                .unwrap()
                .contains("path matches `docs/**`")
        );
        assert!(
            f.check("x", "src/a", b"dev-123")
                .unwrap()
                .contains("secret matches `^dev-`")
        );
        assert!(
            f.check("x", "src/a", b"http://LOCALHOST:1")
                .unwrap()
                .contains("stopword `localhost`")
        );
        assert!(f.check("jwt", "fixtures/t.json", b"s").is_some());
        assert!(f.check("other", "fixtures/t.json", b"s").is_none());
        assert!(
            f.check("tok", "lib/x.rs", b"s")
                .unwrap()
                .contains("paths do not include")
        );
        assert!(f.check("tok", "src/x.rs", b"s").is_none());
    }
}
