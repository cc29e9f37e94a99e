//! Raw command-line flags (clap derive). Validation and defaults live in the commands.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  no findings, and every input was scanned
  1  findings (secrets were found)
  2  fatal error: bad arguments, bad rules, an unreadable or missing root path
  3  no findings, but the scan was incomplete (some inputs could not be read)";

const AUDIT_EXIT_CODES: &str = "\
Exit codes:
  0  every repository audited, no open findings
  1  open (untriaged, not fixed) findings at or above the gate in the audited repositories
  2  fatal error: bad arguments, a datastore from a newer leakscan, a corrupt datastore,
     another audit holding the datastore (without --wait)
  3  no open findings, but some repositories failed (not a repository, unreadable, corrupt)
     or were incomplete: each is recorded in the datastore with the reason";

const DEFAULT_DATASTORE: &str = "leakscan.db";

/// The formats of commands that print a summary or a listing rather than a findings report.
pub const TEXT_JSON: &[FormatArg] = &[FormatArg::Text, FormatArg::Json];

/// A parser that offers (in help, completions and errors) and accepts only `allowed`, so that
/// `--help` never lists a value the command refuses.
fn only<E: ValueEnum + Clone + Send + Sync + 'static>(allowed: &'static [E]) -> impl TypedValueParser<Value = E> {
    PossibleValuesParser::new(allowed.iter().filter_map(ValueEnum::to_possible_value))
        .map(|name| E::from_str(&name, true).expect("a listed possible value parses"))
}

/// `mut_arg` for `--format`: only `allowed`.
fn formats(allowed: &'static [FormatArg]) -> impl FnOnce(clap::Arg) -> clap::Arg {
    move |arg| arg.value_parser(only(allowed))
}

/// `mut_args`: hides the shared flags in `ids` (they do nothing for this command).
fn hide(ids: &'static [&'static str]) -> impl FnMut(clap::Arg) -> clap::Arg {
    move |arg| {
        let hidden = ids.contains(&arg.get_id().as_str());
        arg.hide(hidden)
    }
}

/// Shared flags that `explain` does not use: it reads one line and prints why.
const EXPLAIN_IGNORES: &[&str] = &[
    "output",
    "show_suppressed",
    "no_progress",
    "color",
    "exit_code_on_findings",
    "allow_incomplete",
    "report_unused_allows",
    "threads",
    "max_memory",
    "archive_depth",
    "archive_max_size",
];

/// Shared flags that `baseline create|update` does not use: it writes a baseline, not a report.
const BASELINE_IGNORES: &[&str] = &[
    "format",
    "show_secrets",
    "show_suppressed",
    "color",
    "exit_code_on_findings",
    "report_unused_allows",
];

/// Shared flags that `audit` does not use: findings go to the datastore (`leakscan report`).
const AUDIT_IGNORES: &[&str] = &["output", "show_secrets", "show_suppressed", "color"];

const BASELINE_OUTPUT: &str = "The baseline file to write [default: .leakscan-baseline.json]";

/// leakscan: find leaked secrets in source trees and fail the pipeline before they ship.
#[derive(Debug, Parser)]
#[command(name = "leakscan", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (respecting .gitignore, .ignore and .leakscanignore); `-` reads stdin.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Scan a container image: a `docker save` tarball or an OCI layout (directory or tarball).
    #[command(after_help = EXIT_CODES)]
    Image(ImageArgs),
    /// Scan a git repository's full history (every blob once), or its staged changes (--staged).
    #[command(after_help = EXIT_CODES)]
    Git(GitArgs),
    /// Copy input to stdout with every secret masked, every line kept (a log filter); exit 1 when anything was masked.
    Redact(RedactArgs),
    /// Explain why a line is or is not reported: `leakscan explain src/app.py:12`.
    #[command(mut_arg("format", formats(TEXT_JSON)), mut_args(hide(EXPLAIN_IGNORES)))]
    Explain(ExplainArgs),
    /// Create or update a baseline of known findings.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Check or print the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
    /// Install a git hook that runs leakscan (pre-commit by default); never overwrites another hook.
    InstallHook(InstallHookArgs),
    /// List, check and explain detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Audit many git repositories into a datastore: parallel, incremental, resumable.
    #[command(
        after_help = AUDIT_EXIT_CODES,
        mut_arg("format", formats(TEXT_JSON)),
        mut_args(hide(AUDIT_IGNORES))
    )]
    Audit(AuditArgs),
    /// Report the findings of a datastore: text, JSON, SARIF, CSV or a self-contained HTML page.
    Report(ReportArgs),
    /// Set a finding's triage status (logged), or export/import triage decisions as JSON.
    Triage(TriageArgs),
    /// Datastore maintenance.
    #[command(subcommand)]
    Datastore(DatastoreCommand),
    /// Merge sharded outputs (JSON or SARIF reports, or datastores) into one, deduplicated by fingerprint.
    Merge(MergeArgs),
}

/// `leakscan audit`.
#[derive(Debug, ClapArgs)]
pub struct AuditArgs {
    /// A directory whose subdirectories are the repositories to audit.
    #[arg(value_name = "DIR", required_unless_present = "repos_file")]
    pub root: Option<PathBuf>,
    /// A file listing repository paths, one per line (`#` comments); with DIR, both are audited.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub repos_file: Option<PathBuf>,
    /// Scan each repository's working tree instead of its history.
    #[arg(long, help_heading = "Input")]
    pub no_history: bool,
    /// Audit only share K of N (1-based), by a stable hash of each repository's name.
    #[arg(long, value_name = "K/N", help_heading = "Input")]
    pub shard: Option<String>,
    /// The datastore.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DATASTORE, help_heading = "Datastore")]
    pub datastore: PathBuf,
    /// Rescan every blob, ignoring what earlier audits scanned.
    #[arg(long, help_heading = "Datastore")]
    pub full: bool,
    /// Wait for another audit of the same datastore to end instead of failing.
    #[arg(long, help_heading = "Datastore")]
    pub wait: bool,
    /// With --verify: verify again the findings whose latest verdict is this old or older, or
    /// that have none (`30m`, `12h`, `7d`; `0s`: all), rescanning the repositories that hold them.
    #[arg(long, value_name = "AGE", help_heading = "Verification")]
    pub reverify_older_than: Option<String>,
    /// Repositories audited at once [default: one per core]; -j sets the threads within each.
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub jobs: Option<usize>,
    /// Options shared by every scanning command (-f text|json: the audit summary).
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Formats of `leakscan report` and `leakscan merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormatArg {
    /// A table for people.
    Text,
    /// The JSON audit report (version 1).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// CSV, one row per finding.
    Csv,
    /// One self-contained HTML page.
    Html,
}

/// Triage states a report can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    /// Untriaged, still present.
    Open,
    /// Accepted risk.
    AcceptedRisk,
    /// False positive.
    FalsePositive,
    /// Credential revoked.
    Revoked,
    /// Gone from the repository.
    Fixed,
}

/// `leakscan report`.
#[derive(Debug, ClapArgs)]
pub struct ReportArgs {
    /// The datastore.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DATASTORE)]
    pub datastore: PathBuf,
    /// Output format [default: from the -o extension (.json, .sarif, .csv, .html), else text].
    #[arg(short, long, value_enum)]
    pub format: Option<AuditFormatArg>,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only findings in these states. Repeatable.
    #[arg(long, value_enum, value_name = "STATE")]
    pub state: Vec<StateArg>,
    /// Only repositories whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub repo: Option<String>,
    /// Only this rule.
    #[arg(long, value_name = "ID")]
    pub rule: Option<String>,
}

/// Triage statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TriageStatusArg {
    /// Needs attention.
    Open,
    /// Known and accepted.
    AcceptedRisk,
    /// Not a secret.
    FalsePositive,
    /// The credential was revoked.
    Revoked,
}

/// `leakscan triage`.
#[derive(Debug, ClapArgs)]
pub struct TriageArgs {
    /// The finding's fingerprint (or a unique prefix of at least 8 characters).
    #[arg(value_name = "FINGERPRINT", required_unless_present_any = ["export", "import"], requires_all = ["status", "reason"], conflicts_with_all = ["export", "import"])]
    pub fingerprint: Option<String>,
    /// The new status; required with FINGERPRINT.
    #[arg(long, value_enum)]
    pub status: Option<TriageStatusArg>,
    /// Why (recorded in the audit log); required with FINGERPRINT.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Who decides [default: $LEAKSCAN_USER, $USER].
    #[arg(long, value_name = "NAME")]
    pub who: Option<String>,
    /// Write every triage decision to FILE as JSON (`-` for stdout).
    #[arg(long, value_name = "FILE", conflicts_with = "import")]
    pub export: Option<PathBuf>,
    /// Apply the decisions of FILE (from --export); each change is logged.
    #[arg(long, value_name = "FILE")]
    pub import: Option<PathBuf>,
    /// The datastore.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DATASTORE)]
    pub datastore: PathBuf,
}

/// `leakscan datastore …`.
#[derive(Debug, Subcommand)]
pub enum DatastoreCommand {
    /// Check the datastore's integrity and the audit log's hash chain: exit 0 intact, 1 tampered, 2 unreadable.
    Verify {
        /// The datastore.
        #[arg(long, value_name = "PATH", default_value = DEFAULT_DATASTORE)]
        datastore: PathBuf,
    },
}

/// `leakscan merge`.
#[derive(Debug, ClapArgs)]
pub struct MergeArgs {
    /// The inputs: JSON or SARIF reports of `scan`, `git` or `report`, or datastores.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Merge datastore inputs into this datastore (created when missing) instead of writing a report.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["format", "output"])]
    pub datastore: Option<PathBuf>,
    /// Output format [default: from the -o extension (.json, .sarif, .csv, .html), else json].
    #[arg(short, long, value_enum)]
    pub format: Option<AuditFormatArg>,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable, grouped by file.
    Text,
    /// leakscan's versioned JSON.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, IDEs).
    Sarif,
    /// JUnit XML (one test case per finding).
    Junit,
    /// GitLab secret-detection report.
    Gitlab,
    /// GitHub Actions annotations.
    Github,
    /// CSV (one row per finding).
    Csv,
    /// Markdown summary (pull-request comments).
    Markdown,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `leakscan scan`.
#[derive(Debug, ClapArgs)]
pub struct ScanArgs {
    /// Files and directories to scan; `-` reads standard input. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Do not honour .gitignore, .ignore and .leakscanignore files.
    #[arg(long, help_heading = "Input")]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long, help_heading = "Input")]
    pub follow_symlinks: bool,
    /// Apply .leakscanignore files to files named on the command line too (for hooks that
    /// pass every file, like the pre-commit framework's); directories always follow them.
    #[arg(long, help_heading = "Input")]
    pub ignore_named_files: bool,
    /// Name for standard input in reports (with `-`).
    #[arg(long, value_name = "NAME", default_value = "<stdin>", help_heading = "Input")]
    pub label: String,
    /// Scan only share K of N (1-based) of the files: each file belongs to one share by a stable
    /// hash of its path relative to the PATH it was found under.
    #[arg(long, value_name = "K/N", help_heading = "Input")]
    pub shard: Option<String>,
    /// Options shared by every scanning command.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `leakscan image`.
#[derive(Debug, ClapArgs)]
pub struct ImageArgs {
    /// A `docker save` tarball, an OCI layout (directory or tarball), or a registry image
    /// reference (`registry.example/team/app:1.2`, `ghcr.io/org/tool@sha256:…`,
    /// `docker://alpine:3.20`). An existing path is always read as a file.
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Only this platform of a multi-platform image (`linux/amd64`, `linux/arm64/v8`);
    /// default: every platform (and build attestations).
    #[arg(long, value_name = "OS/ARCH", help_heading = "Registry")]
    pub platform: Option<String>,
    /// Talk plain HTTP to the registry (always the case for localhost and 127.0.0.1).
    #[arg(long, help_heading = "Registry")]
    pub plain_http: bool,
    /// Seconds to wait to connect, for a response, and for each read of a layer.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, help_heading = "Registry")]
    pub registry_timeout: u64,
    /// Options shared by every scanning command.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `leakscan git`.
#[derive(Debug, ClapArgs)]
pub struct GitArgs {
    /// The repository (or a directory inside it). Default: the current directory.
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Scan only the staged changes (for a pre-commit hook): exactly what `git commit` would record.
    #[arg(long, conflicts_with_all = ["since", "branch", "max_commits", "pre_push", "all_occurrences"], help_heading = "History")]
    pub staged: bool,
    /// Scan the commits about to be pushed (for a pre-push hook): reads git's pre-push lines from stdin.
    #[arg(long, conflicts_with_all = ["since", "branch"], help_heading = "History")]
    pub pre_push: bool,
    /// Only blobs introduced by commits not reachable from REV (e.g. `origin/main` in a pull request). Repeatable.
    #[arg(long, value_name = "REV", help_heading = "History")]
    pub since: Vec<String>,
    /// Only history reachable from REF (default: every branch, tag, remote-tracking ref, the stash and HEAD). Repeatable.
    #[arg(long, value_name = "REF", help_heading = "History")]
    pub branch: Vec<String>,
    /// List every commit and path where each blob with a finding appears (not only the first).
    #[arg(long, help_heading = "History")]
    pub all_occurrences: bool,
    /// Also scan the full history of checked-out submodules (default: list them, do not follow).
    #[arg(long, help_heading = "History")]
    pub recurse_submodules: bool,
    /// Walk at most N commits (the newest first).
    #[arg(long, value_name = "N", help_heading = "History")]
    pub max_commits: Option<usize>,
    /// Options shared by every scanning command.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `leakscan redact`.
#[derive(Debug, ClapArgs)]
pub struct RedactArgs {
    /// The file to read; `-` (the default) reads standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The mask; `{rule}` becomes the rule id. Default: `[redact] mask` of the configuration
    /// file, else `***{rule}***`.
    #[arg(long, value_name = "TEMPLATE")]
    pub mask: Option<String>,
    /// Add the rules of every *.toml file in DIR to the built-in rules.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Use this configuration file (its rule selection and `[redact] mask`) instead of
    /// searching from the current directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// Ignore configuration found from the current directory (leakscan.toml,
    /// .leakscan.toml); `--config FILE` still applies.
    #[arg(long)]
    pub no_repo_config: bool,
}

/// `leakscan explain`.
#[derive(Debug, ClapArgs)]
pub struct ExplainArgs {
    /// The file and 1-based line, as `FILE:LINE`.
    #[arg(value_name = "FILE:LINE")]
    pub location: String,
    /// Configuration, baseline and gate, as for a scan.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `leakscan install-hook`.
#[derive(Debug, ClapArgs)]
pub struct InstallHookArgs {
    /// The repository. Default: the current directory.
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Install a pre-push hook (scans the commits being pushed) instead of a pre-commit hook.
    #[arg(long)]
    pub pre_push: bool,
}

/// Output, gate, limits, rules and configuration: shared by every scanning command.
#[derive(Debug, ClapArgs)]
pub struct CommonArgs {
    /// Output format [default: from the -o FILE extension (.json, .sarif, .csv, .xml for
    /// junit, .md, .txt), else text].
    #[arg(short, long, value_enum, help_heading = "Output")]
    pub format: Option<FormatArg>,
    /// Write the report to FILE instead of stdout, in the -f format or else the one its
    /// extension names; `FORMAT=FILE` (e.g. `sarif=out.sarif`) adds another output in that
    /// format. Repeatable.
    #[arg(short, long, value_name = "[FORMAT=]FILE", help_heading = "Output")]
    pub output: Vec<String>,
    /// Print secrets in full instead of redacted (text, JSON; never SARIF).
    #[arg(long, help_heading = "Output")]
    pub show_secrets: bool,
    /// Also list findings that a filter suppressed, with the reason.
    #[arg(long, help_heading = "Output")]
    pub show_suppressed: bool,
    /// Never show a progress bar.
    #[arg(long, help_heading = "Output")]
    pub no_progress: bool,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, help_heading = "Output")]
    pub color: ColorArg,
    /// Findings below this confidence are reported but do not fail [default: medium, or the config's `min_confidence`].
    #[arg(long, value_enum, value_name = "LEVEL", help_heading = "Gate")]
    pub min_confidence: Option<ConfidenceArg>,
    /// Findings below this severity are reported but do not fail [default: low, or the config's `fail_on`]; `live`: only secrets their provider says are live fail (needs --verify).
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = "Gate")]
    pub fail_on: Option<FailOnArg>,
    /// Ask each finding's provider whether the credential still works, and whose it is
    /// (HTTPS, to the hosts its rule declares only). Off by default: without it leakscan
    /// never opens a network connection.
    #[arg(long, help_heading = "Verification")]
    pub verify: bool,
    /// Exit with N instead of 1 when findings fail the scan.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..), help_heading = "Gate")]
    pub exit_code_on_findings: Option<u8>,
    /// Exit 0 instead of 3 when some inputs could not be scanned (and nothing was found).
    #[arg(long, help_heading = "Gate")]
    pub allow_incomplete: bool,
    /// Warn about `leakscan:allow` markers that no longer suppress anything.
    #[arg(long, help_heading = "Configuration")]
    pub report_unused_allows: bool,
    /// Suppress findings recorded in this baseline file (see `leakscan baseline`).
    #[arg(long, value_name = "FILE", help_heading = "Configuration")]
    pub baseline: Option<PathBuf>,
    /// Use this configuration file instead of searching for leakscan.toml / .leakscan.toml.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "isolated",
        help_heading = "Configuration"
    )]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long, help_heading = "Configuration")]
    pub isolated: bool,
    /// Ignore configuration found in the scanned tree (leakscan.toml, .leakscan.toml) and
    /// `.leakscanignore`: for scanning repositories you do not trust (pull requests from
    /// forks). `.gitignore` is still honoured; `--config FILE` still applies.
    #[arg(long, help_heading = "Configuration")]
    pub no_repo_config: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N", help_heading = "Limits")]
    pub threads: Option<usize>,
    /// Skip (and report) files and blobs larger than SIZE (bytes, or with K, M, G suffix) [default: 256M].
    #[arg(long, value_name = "SIZE", help_heading = "Limits")]
    pub max_file_size: Option<String>,
    /// Budget for large files, blobs and archives (over 8 MiB) in memory at once; one bigger
    /// than the budget is scanned alone [default: 512M].
    #[arg(long, value_name = "SIZE", help_heading = "Limits")]
    pub max_memory: Option<String>,
    /// Stop searching one file or blob after SECONDS (fractions allowed; 0: no limit) and report
    /// it as timed out: partly scanned, the scan is incomplete [default: 120].
    #[arg(long, value_name = "SECONDS", help_heading = "Limits")]
    pub file_timeout: Option<f64>,
    /// Open archives and compressed files up to N levels deep (0: scan them as raw bytes) [default: 5].
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub archive_depth: Option<usize>,
    /// Stop expanding one input's archives after SIZE inflated bytes (reported; the scan is then incomplete) [default: 1G].
    #[arg(long, value_name = "SIZE", help_heading = "Limits")]
    pub archive_max_size: Option<String>,
    /// Add the rules of every *.toml file in DIR to the built-in rules.
    #[arg(long = "rules", value_name = "DIR", help_heading = "Rules")]
    pub rules_dirs: Vec<PathBuf>,
    /// Use only the rules given with --rules (and the configuration), not the built-in ones.
    #[arg(long, help_heading = "Rules")]
    pub no_builtin_rules: bool,
    /// What to run: `secrets` (the secret rules), `config` (configuration checks: CI workflows,
    /// Dockerfiles, manifests, committed credential files, cross-environment reuse), or both.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "KIND",
        default_value = "secrets,config",
        help_heading = "Rules"
    )]
    pub checks: Vec<CheckKind>,
}

/// What `--checks` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckKind {
    /// The secret rules.
    Secrets,
    /// The configuration checks.
    Config,
}

/// Confidence levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceArg {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// What fails the scan: a severity and above, or only live secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
    /// Only secrets that verification found live (needs --verify).
    Live,
}

/// Severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

/// `leakscan baseline …`.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan and write every current finding to a baseline file (`-o FILE`, default .leakscan-baseline.json).
    #[command(mut_arg("output", |a| a.help(BASELINE_OUTPUT).value_name("FILE")), mut_args(hide(BASELINE_IGNORES)))]
    Create(ScanArgs),
    /// Scan and refresh the baseline (`-o FILE`): add new findings, drop fixed ones, keep reasons, owners and expiry dates.
    #[command(mut_arg("output", |a| a.help(BASELINE_OUTPUT).value_name("FILE")), mut_args(hide(BASELINE_IGNORES)))]
    Update(ScanArgs),
}

/// `leakscan config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration file (the one a scan of PATH would use).
    Check(ConfigArgs),
    /// Print the resolved configuration as TOML.
    Print(ConfigArgs),
}

/// Arguments of `config check|print`.
#[derive(Debug, ClapArgs)]
pub struct ConfigArgs {
    /// Where a scan would start (the search for leakscan.toml begins here).
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// This configuration file instead of searching.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `leakscan rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules (id, severity, confidence, name).
    List {
        /// Output format.
        #[arg(short, long, value_parser = only(TEXT_JSON), default_value = "text")]
        format: FormatArg,
        /// Add the rules of every *.toml file in DIR.
        #[arg(long = "rules", value_name = "DIR")]
        rules_dirs: Vec<PathBuf>,
    },
    /// Validate rule files and run every rule's examples: exit 1 when an example misbehaves, 2 when a rule cannot be loaded.
    Check {
        /// Check the *.toml files in DIR instead of the built-in rules.
        #[arg(long = "rules", value_name = "DIR")]
        rules_dirs: Vec<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        warnings_as_errors: bool,
    },
    /// Show one rule's documentation: what it finds, why it matters, how to rotate.
    Explain {
        /// The rule id.
        id: String,
        /// Add the rules of every *.toml file in DIR.
        #[arg(long = "rules", value_name = "DIR")]
        rules_dirs: Vec<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Args::command().debug_assert();
    }
}
