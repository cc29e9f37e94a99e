//! The SARIF 2.1.0 reporter (GitHub code scanning, IDEs). The only user of `serde-sarif`.
//!
//! - `tool.driver.rules`: every rule of the set, with short/full descriptions, help text and
//!   markdown with remediation, `defaultConfiguration.level` from severity, and properties
//!   `tags` (always including `security` and `secret`), `security-severity` and `precision`.
//! - results: `ruleId`/`ruleIndex`, `level` from severity, a message naming the rule but never
//!   the secret, a region with start/end line and column (Unicode code points, see
//!   `run.columnKind`), `partialFingerprints["leakscan/v1"]` = the content-anchored fingerprint,
//!   and `suppressions` (kind `inSource` for inline markers, else `external`) for suppressed
//!   findings shown with `--show-suppressed`.
//! - A finding inside an archive points at the outermost archive file; the full nested path
//!   (`release.tar.gz!/lib/inner.zip!/config/.npmrc`) is in the message and `properties.nestedPath`,
//!   and the region's lines and columns are those of the member.
//! - URIs are relative to `%SRCROOT%` (the repository root, else the scan root) when the file
//!   lies below it; `run.originalUriBaseIds` maps `%SRCROOT%` to its absolute `file://` URI.
//! - `runAutomationDetails.id` is `leakscan/files/`, `leakscan/history/` or `leakscan/staged/`, so
//!   GitHub keeps history results apart from working-tree results; history results carry the
//!   introducing commit in `properties` (`commit`, `commitAuthor`, `commitDate`, `commitSummary`).
//! - At most 25,000 results and 10 MB gzipped (GitHub's upload limits): beyond that the most
//!   severe failing results are kept and a `toolExecutionNotifications` warning says how many
//!   were cut.
//! - `invocations[0].executionSuccessful` is false when any input could not be scanned; each
//!   such error is a `toolExecutionNotifications` entry.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};
use serde_sarif::sarif;

use super::{ReportOptions, Reporter, shown};
use leakscan_model::Suppression;
use leakscan_model::finding::Finding;
use leakscan_model::report::{Gate, ScanReport};
use leakscan_model::{Confidence, RuleCatalog, RuleInfo, Severity};

/// The SARIF base id every relative URI refers to.
pub const SRCROOT: &str = "%SRCROOT%";
/// The key of leakscan's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = leakscan_model::fingerprint::SARIF_FINGERPRINT_KEY;

/// Writes SARIF 2.1.0 that validates against the official schema.
#[derive(Debug, Clone, Copy)]
pub struct SarifReporter {
    /// Display options (`show_secrets` does not apply: SARIF never carries a secret).
    pub options: ReportOptions,
}

/// The SARIF `level` of a rule or result of this severity: `error` (critical, high),
/// `warning` (medium) or `note` (low).
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn result_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low => sarif::ResultLevel::Note,
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// A rule's SARIF reporting descriptor as JSON (names, help with the remediation,
/// `security-severity`, precision, tags): the one rendering of rule metadata, which the audit
/// reports share.
pub fn rule_descriptor(rule: &RuleInfo) -> serde_json::Value {
    serde_json::to_value(descriptor(rule)).unwrap_or_default()
}

fn descriptor(rule: &RuleInfo) -> sarif::ReportingDescriptor {
    let mut tags = vec!["security".to_string(), "secret".to_string()];
    tags.extend(rule.tags.iter().filter(|t| *t != "security" && *t != "secret").cloned());
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(rule.severity.security_severity()),
    );
    props.insert("precision".to_string(), json!(precision(rule.confidence)));
    props.insert("severity".to_string(), json!(rule.severity.as_str()));
    let refs: String = rule.references.iter().map(|r| format!("\n- <{r}>")).collect();
    let markdown = format!(
        "**{}**\n\n{}\n\n**Remediation.** {}{}",
        rule.name,
        rule.description,
        rule.remediation,
        if refs.is_empty() {
            String::new()
        } else {
            format!("\n\n**References**{refs}")
        }
    );
    let help = sarif::MultiformatMessageString::builder()
        .text(format!("{}\n\nRemediation: {}", rule.description, rule.remediation))
        .markdown(markdown)
        .build();
    let mut descriptor = sarif::ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.name.clone())
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(rule.name.clone())
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(rule.description.clone())
                .build(),
        )
        .help(help)
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(rule.severity)))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build();
    descriptor.help_uri = rule.references.first().cloned();
    descriptor
}

/// What a URI path keeps unencoded: RFC 3986 unreserved characters and `/`.
const PATH_KEEPS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a path for a URI (RFC 3986 unreserved characters and `/` stay).
fn encode_path(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, PATH_KEEPS).to_string()
}

/// `file://` URI of a directory, with a trailing slash.
fn dir_uri(dir: &Path) -> String {
    let s = dir.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') { s } else { format!("/{s}") };
    let s = if s.ends_with('/') { s } else { format!("{s}/") };
    format!("file://{}", encode_path(&s))
}

/// The file SARIF points at: for a member of an archive, the outermost archive file (the
/// nested path goes into the message and `properties.nestedPath`).
fn outer_path(logical: &str) -> &str {
    logical.split_once("!/").map_or(logical, |(outer, _)| outer)
}

fn artifact_location(f: &Finding, primary: Option<&Path>) -> sarif::ArtifactLocation {
    let path = outer_path(&f.origin.logical);
    match (&f.origin.base, primary) {
        (Some(base), Some(primary)) if base.as_ref() == primary => sarif::ArtifactLocation::builder()
            .uri(encode_path(path))
            .uri_base_id(SRCROOT)
            .build(),
        (Some(base), _) => sarif::ArtifactLocation::builder()
            .uri(format!("{}{}", dir_uri(base), encode_path(path)))
            .build(),
        (None, _) => sarif::ArtifactLocation::builder().uri(encode_path(path)).build(),
    }
}

/// The SARIF rule id of a rule's low-confidence results.
fn low_confidence_id(rule_id: &str) -> String {
    format!("{rule_id}/low-confidence")
}

/// The `security-severity` of low-confidence results: "low" in GitHub code scanning.
const LOW_CONFIDENCE_SECURITY_SEVERITY: &str = "2.0";

/// The descriptor of a rule's low-confidence results: the rule's, with its own id, a name that
/// says so, a low `security-severity` and precision `low`.
fn low_confidence_descriptor(rule: &RuleInfo) -> sarif::ReportingDescriptor {
    let mut d = descriptor(rule);
    d.id = low_confidence_id(&rule.id);
    d.name = Some(format!("{} (low confidence)", rule.name));
    d.short_description = Some(
        sarif::MultiformatMessageString::builder()
            .text(format!(
                "{} (low confidence: a failed checksum, or a value in tests, examples or docs)",
                rule.name
            ))
            .build(),
    );
    if let Some(props) = d.properties.as_mut() {
        props
            .additional_properties
            .insert("security-severity".to_string(), json!(LOW_CONFIDENCE_SECURITY_SEVERITY));
        props
            .additional_properties
            .insert("precision".to_string(), json!(precision(Confidence::Low)));
    }
    d
}

fn result(f: &Finding, rule_index: &HashMap<String, usize>, primary: Option<&Path>, gate: &Gate) -> sarif::Result {
    let region = sarif::Region::builder()
        .start_line(f.start.line as i64)
        .start_column(f.start.column as i64)
        .end_line(f.end.line as i64)
        .end_column(f.end.column as i64)
        .build();
    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact_location(f, primary))
                .region(region)
                .build(),
        )
        .build();
    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    props.insert("confidence".to_string(), json!(f.confidence.as_str()));
    props.insert("secretId".to_string(), json!(f.secret_id));
    props.insert("redactedSecret".to_string(), json!(f.secret.redacted()));
    props.insert("displayPath".to_string(), json!(f.origin.display));
    if let Some(note) = &f.confidence_note {
        props.insert("confidenceNote".to_string(), json!(note));
    }
    if let Some(encoding) = f.encoding {
        props.insert("encoding".to_string(), json!(encoding));
    }
    if let Some((validator, passed)) = f.validation {
        props.insert("validator".to_string(), json!(validator));
        props.insert("validatorPassed".to_string(), json!(passed));
    }
    if let Some(c) = f.origin.commit() {
        props.insert("commit".to_string(), json!(c.id));
        props.insert("commitAuthor".to_string(), json!(c.author));
        props.insert("commitDate".to_string(), json!(c.date));
        props.insert("commitSummary".to_string(), json!(c.summary));
    }
    if !f.origin.later_versions().is_empty() {
        props.insert("laterVersions".to_string(), json!(f.origin.later_versions()));
    }
    if let Some(list) = f.origin.occurrences() {
        props.insert("occurrences".to_string(), json!(list));
    }
    if let Some(layer) = f.origin.layer() {
        props.insert("image".to_string(), json!(layer.image));
        props.insert("layer".to_string(), json!(layer.digest));
        props.insert("layerIndex".to_string(), json!(layer.index));
        if let Some(c) = &layer.created_by {
            props.insert("layerCreatedBy".to_string(), json!(c));
        }
        props.insert("deletedInLaterLayer".to_string(), json!(layer.deleted_later));
    }
    if !f.origin.kind().is_file() {
        props.insert("locationKind".to_string(), json!(f.origin.kind().as_str()));
    }
    if let Some(state) = f.origin.at_head() {
        props.insert("atHead".to_string(), json!(state));
    }
    if let Some(blob) = f.origin.blob_id() {
        props.insert("blobId".to_string(), json!(blob));
    }
    if let Some(v) = &f.verification {
        props.insert("verification".to_string(), json!(v.status.as_str()));
        props.insert("verificationReason".to_string(), json!(v.reason));
        props.insert("verifiedAt".to_string(), json!(v.checked_at));
        if !v.identity.is_empty() {
            props.insert("identity".to_string(), json!(v.identity));
        }
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let nested = f.origin.logical.contains("!/");
    if nested {
        props.insert("nestedPath".to_string(), json!(f.origin.logical));
    }
    let message = match (&f.detail, nested) {
        (Some(detail), _) => format!("{} ({}): {detail}.", f.rule_name, f.rule_id),
        (None, true) => format!(
            "{} ({}) found in `{}`; the secret is redacted.",
            f.rule_name, f.rule_id, f.origin.logical
        ),
        (None, false) => format!("{} ({}) found; the secret is redacted.", f.rule_name, f.rule_id),
    };
    let rule_id = if f.confidence == Confidence::Low {
        low_confidence_id(&f.rule_id)
    } else {
        f.rule_id.clone()
    };
    let mut result = sarif::Result::builder()
        .rule_id(rule_id.clone())
        .level(
            if f.verification.as_ref().is_some_and(|v| v.is_live()) && !f.is_suppressed() {
                // A credential its provider says works: the most urgent kind of result.
                sarif::ResultLevel::Error
            } else if f.is_suppressed() || gate.fails(f) {
                result_level(f.severity)
            } else {
                sarif::ResultLevel::Note
            },
        )
        .message(sarif::Message::builder().text(message).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(sarif::PropertyBag::builder().additional_properties(props).build())
        .build();
    result.rule_index = rule_index.get(&rule_id).map(|&i| i as i64);
    result.suppressions = f.suppression.as_ref().map(|s| {
        // Markers in the scanned file are in-source; everything else is decided outside it.
        let kind = if matches!(s, Suppression::Inline(_)) {
            "inSource"
        } else {
            "external"
        };
        vec![
            sarif::Suppression::builder()
                .kind(json!(kind))
                .justification(s.to_string())
                .build(),
        ]
    });
    result
}

impl Reporter for SarifReporter {
    fn write(&self, report: &ScanReport, rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
        let gate = self.options.gate;
        // Most important first, so that a cut keeps what matters: failing, then by severity.
        let mut findings: Vec<&Finding> = shown(report, &self.options).collect();
        findings.sort_by_key(|f| (!gate.fails(f), std::cmp::Reverse(f.severity)));
        let mut keep = findings.len().min(MAX_RESULTS);
        loop {
            let doc = self.document(report, rules, &findings[..keep], findings.len());
            let text = serde_json::to_vec_pretty(&doc)?;
            if keep == 0 || gzipped_len(&text)? <= MAX_GZIPPED_BYTES {
                out.write_all(&text)?;
                return writeln!(out);
            }
            keep /= 2;
        }
    }
}

/// GitHub code scanning accepts at most this many results per run.
pub const MAX_RESULTS: usize = 25_000;
/// … and at most this many bytes per gzipped upload.
pub const MAX_GZIPPED_BYTES: usize = 10_000_000;

fn gzipped_len(bytes: &[u8]) -> io::Result<usize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes)?;
    Ok(gz.finish()?.len())
}

impl SarifReporter {
    /// The SARIF document with `kept` as results; `total` is how many there were before any cut.
    fn document(&self, report: &ScanReport, rules: &RuleCatalog, kept: &[&Finding], total: usize) -> sarif::Sarif {
        let category = if report.history().is_some() {
            "history"
        } else if report.staged().is_some() {
            "staged"
        } else {
            "files"
        };
        // Working-tree scans put configuration checks in their own run (category `config`), so
        // code scanning tracks them apart from secrets.
        let runs = if category == "files" {
            let is_check = |f: &&&Finding| rules.get(&f.rule_id).is_some_and(|r| r.is_check);
            let (config, secrets): (Vec<&Finding>, Vec<&Finding>) = kept.iter().partition(is_check);
            let secret_rules: Vec<&RuleInfo> = rules.rules().iter().filter(|r| !r.is_check).collect();
            let check_rules: Vec<&RuleInfo> = rules.rules().iter().filter(|r| r.is_check).collect();
            let mut runs = vec![self.run(report, &secret_rules, &secrets, total - config.len(), "files")];
            if !check_rules.is_empty() {
                runs.push(self.run(report, &check_rules, &config, config.len(), "config"));
            }
            runs
        } else {
            let all: Vec<&RuleInfo> = rules.rules().iter().collect();
            vec![self.run(report, &all, kept, total, category)]
        };
        sarif::Sarif::builder()
            .schema("https://json.schemastore.org/sarif-2.1.0.json")
            .version(Value::String("2.1.0".into()))
            .runs(runs)
            .build()
    }

    /// One run: `rules` are its driver's rules, `kept` its results (`total` before any cut).
    fn run(
        &self,
        report: &ScanReport,
        rules: &[&RuleInfo],
        kept: &[&Finding],
        total: usize,
        category: &str,
    ) -> sarif::Run {
        let primary = report.base.as_deref();
        // Low-confidence results (a failed checksum, a generic value in a test file) get a
        // variant of their rule with a low `security-severity`, so code scanning ranks them low.
        let low: Vec<&RuleInfo> = rules
            .iter()
            .copied()
            .filter(|r| {
                kept.iter()
                    .any(|f| f.rule_id == r.id && f.confidence == Confidence::Low)
            })
            .collect();
        let mut descriptors: Vec<sarif::ReportingDescriptor> = rules.iter().map(|r| descriptor(r)).collect();
        descriptors.extend(low.iter().map(|r| low_confidence_descriptor(r)));
        let mut rule_index: HashMap<String, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        rule_index.extend(
            low.iter()
                .enumerate()
                .map(|(i, r)| (low_confidence_id(&r.id), rules.len() + i)),
        );
        let driver = sarif::ToolComponent::builder()
            .name("leakscan")
            .semantic_version(env!("CARGO_PKG_VERSION"))
            .information_uri("https://github.com/leakscan/leakscan")
            .rules(descriptors)
            .build();
        let mut results: Vec<sarif::Result> = kept
            .iter()
            .map(|f| result(f, &rule_index, primary, &self.options.gate))
            .collect();
        results.sort_by_cached_key(location_key);
        let note = |level: &str, text: String| {
            sarif::Notification::builder()
                .level(json!(level))
                .message(sarif::Message::builder().text(text).build())
                .build()
        };
        let mut notifications: Vec<sarif::Notification> = report
            .errors
            .iter()
            .map(|e| note("error", format!("{}: {}", e.path, e.message)))
            .collect();
        if kept.len() < total {
            notifications.push(note(
                "warning",
                format!(
                    "{} of {total} results omitted to stay within GitHub code scanning's limits ({MAX_RESULTS} results, {MAX_GZIPPED_BYTES} bytes gzipped); the most severe were kept. Use --format json for all.",
                    total - kept.len()
                ),
            ));
        }
        let mut warnings: Vec<sarif::Notification> =
            report.warnings.iter().map(|w| note("warning", w.clone())).collect();
        warnings.extend(report.notifications.iter().map(|n| {
            sarif::Notification::builder()
                .level(json!(n.level.as_str()))
                .message(sarif::Message::builder().text(n.line()).build())
                .descriptor(
                    sarif::ReportingDescriptorReference::builder()
                        .id(n.kind.to_string())
                        .build(),
                )
                .build()
        }));
        let invocation = sarif::Invocation::builder()
            .execution_successful(report.errors.is_empty())
            .tool_execution_notifications(notifications)
            .tool_configuration_notifications(warnings)
            .build();
        let mut run = sarif::Run::builder()
            .tool(sarif::Tool::builder().driver(driver).build())
            .results(results)
            .invocations(vec![invocation])
            .column_kind(json!("unicodeCodePoints"))
            .build();
        run.automation_details = Some(
            sarif::RunAutomationDetails::builder()
                .id(format!("leakscan/{category}/"))
                .build(),
        );
        if let Some(history) = report.history() {
            let uri = history
                .remote_url
                .as_deref()
                .and_then(remote_uri)
                .or_else(|| primary.map(dir_uri));
            if let Some(uri) = uri {
                let mut details = sarif::VersionControlDetails::builder().repository_uri(uri).build();
                details.revision_id = history.head.clone();
                details.branch = history.branch.clone();
                run.version_control_provenance = Some(vec![details]);
            }
        }
        if let Some(base) = primary {
            let mut ids = BTreeMap::new();
            ids.insert(
                SRCROOT.to_string(),
                sarif::ArtifactLocation::builder().uri(dir_uri(base)).build(),
            );
            run.original_uri_base_ids = Some(ids);
        }
        run
    }
}

/// Report order for results: (uri, line, column, rule).
fn location_key(r: &sarif::Result) -> (String, i64, i64, String) {
    let loc = r
        .locations
        .as_ref()
        .and_then(|l| l.first())
        .and_then(|l| l.physical_location.as_ref());
    let uri = loc
        .and_then(|p| p.artifact_location.as_ref())
        .and_then(|a| a.uri.clone())
        .unwrap_or_default();
    let region = loc.and_then(|p| p.region.as_ref());
    (
        uri,
        region.and_then(|r| r.start_line).unwrap_or(0),
        region.and_then(|r| r.start_column).unwrap_or(0),
        r.rule_id.clone().unwrap_or_default(),
    )
}

/// A remote URL as an absolute URI: `scheme://…` as is (credentials dropped), scp-like
/// `user@host:path` as `ssh://user@host/path`; anything else is not used.
fn remote_uri(url: &str) -> Option<String> {
    if let Some((scheme, rest)) = url.split_once("://") {
        // Never copy credentials (`https://user:token@host/…`) into the report.
        let rest = match rest.split_once('/') {
            Some((authority, path)) => {
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                format!("{host}/{path}")
            }
            None => rest.rsplit_once('@').map_or(rest, |(_, h)| h).to_string(),
        };
        return Some(format!("{scheme}://{rest}"));
    }
    let (user_host, path) = url.split_once(':')?;
    if user_host.contains('/') || path.starts_with("//") {
        return None;
    }
    Some(format!("ssh://{user_host}/{}", path.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_become_uris_without_credentials() {
        assert_eq!(
            remote_uri("https://github.com/o/r.git").as_deref(),
            Some("https://github.com/o/r.git")
        );
        assert_eq!(
            remote_uri("https://u:tok@github.com/o/r").as_deref(),
            Some("https://github.com/o/r")
        );
        assert_eq!(
            remote_uri("git@github.com:o/r.git").as_deref(),
            Some("ssh://git@github.com/o/r.git")
        );
        assert_eq!(remote_uri("../relative/path"), None);
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("src/my file#1.txt"), "src/my%20file%231.txt");
        assert_eq!(encode_path("dir/é"), "dir/%C3%A9");
        assert_eq!(dir_uri(Path::new("/work/a b")), "file:///work/a%20b/");
    }
}
