//! `rules check`: validates rule files and runs every rule's examples through the detector.

use std::collections::BTreeMap;

use leakscan_rules::detect::Detector;
use leakscan_rules::{Rule, RuleFile, RuleSet};

/// How serious a [`CheckIssue`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckLevel {
    /// Suspicious but usable.
    Warning,
    /// An example misbehaves.
    Error,
    /// The file or rule cannot be loaded at all (syntax, regex, duplicate id).
    Invalid,
}

/// One problem found by [`check_rules`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckIssue {
    /// Error or warning.
    pub level: CheckLevel,
    /// The rule file.
    pub file: String,
    /// The rule id, when the issue is about one rule.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CheckIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            CheckLevel::Warning => "warning",
            CheckLevel::Error | CheckLevel::Invalid => "error",
        };
        match &self.rule {
            Some(rule) => write!(f, "{level}: {}: rule `{rule}`: {}", self.file, self.message),
            None => write!(f, "{level}: {}: {}", self.file, self.message),
        }
    }
}

/// Checks rule files given as (name, TOML text). Returns the compiled rules that passed
/// compilation (for counting) and every issue found, errors and warnings, in file order.
pub fn check_rules(files: &[(String, String)]) -> (usize, Vec<CheckIssue>) {
    let mut issues = Vec::new();
    let mut compiled: Vec<Rule> = Vec::new();
    let mut first_file: BTreeMap<String, String> = BTreeMap::new();
    for (file, text) in files {
        let parsed = match RuleFile::parse(text) {
            Ok(p) => p,
            Err(e) => {
                issues.push(issue(CheckLevel::Invalid, file, None, e.to_string()));
                continue;
            }
        };
        if parsed.rules.is_empty() {
            issues.push(issue(CheckLevel::Warning, file, None, "file defines no rules".into()));
        }
        for syn in &parsed.rules {
            if let Some(first) = first_file.insert(syn.id.clone(), file.clone()) {
                let msg = format!("duplicate id (first defined in {first})");
                issues.push(issue(CheckLevel::Invalid, file, Some(&syn.id), msg));
                continue;
            }
            match Rule::compile(syn, file) {
                Ok(rule) => {
                    // The verification table in full, the capture groups it names included.
                    if let Err(e) = rule.check_verify() {
                        issues.push(issue(CheckLevel::Invalid, file, Some(&syn.id), e.to_string()));
                    }
                    compiled.push(rule);
                }
                Err(leakscan_model::Error::Rule { message, .. }) => {
                    issues.push(issue(CheckLevel::Invalid, file, Some(&syn.id), message));
                }
                Err(other) => issues.push(issue(CheckLevel::Invalid, file, Some(&syn.id), other.to_string())),
            }
        }
    }
    let count = compiled.len();
    // Checks run through a whole scanner (the reuse check needs the secret rules' findings).
    let scanner = RuleSet::new(compiled.clone())
        .ok()
        .and_then(|set| crate::Scanner::builder().rules(set).build().ok());
    for rule in &compiled {
        match (&rule.check, &scanner) {
            (Some(_), Some(scanner)) => check_check(rule, scanner, &mut issues),
            (Some(_), None) => {}
            (None, _) => check_one(rule, &mut issues),
        }
    }
    issues.sort_by_key(|i| std::cmp::Reverse(i.level));
    (count, issues)
}

fn issue(level: CheckLevel, file: &str, rule: Option<&str>, message: String) -> CheckIssue {
    CheckIssue {
        level,
        file: file.to_string(),
        rule: rule.map(str::to_string),
        message,
    }
}

/// The files of a check's example: `=== path ===` lines start each file; without them the
/// whole example is one file at the rule's `example_path`.
pub fn example_files(rule: &Rule, example: &str) -> Vec<(String, String)> {
    let default_path = rule.example_path.clone().unwrap_or_else(|| "example".into());
    if !example.starts_with("=== ") {
        return vec![(default_path, example.to_string())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in example.split_inclusive('\n') {
        let header = line.trim_end();
        if let Some(path) = header.strip_prefix("=== ").and_then(|h| h.strip_suffix(" ===")) {
            files.push((path.trim().to_string(), String::new()));
        } else if let Some((_, content)) = files.last_mut() {
            content.push_str(line);
        }
    }
    files
}

/// A configuration check: each example (one or more files) must yield a finding of the rule,
/// no negative example may.
fn check_check(rule: &Rule, scanner: &crate::Scanner, issues: &mut Vec<CheckIssue>) {
    let mut report = |level, message: String| issues.push(issue(level, &rule.source, Some(&rule.id), message));
    match rule.examples.len() {
        0 => report(CheckLevel::Error, "no examples".into()),
        1 => report(CheckLevel::Warning, "only one example (two or more expected)".into()),
        _ => {}
    }
    if rule.negative_examples.len() < 2 {
        report(CheckLevel::Warning, "fewer than two negative examples".into());
    }
    let hits = |example: &str| {
        let files = example_files(rule, example);
        let named: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (p.as_str(), c.as_bytes())).collect();
        scanner
            .scan_named(&named)
            .iter()
            .filter(|f| f.rule_id == rule.id && !f.is_suppressed())
            .count()
    };
    for (i, example) in rule.examples.iter().enumerate() {
        if hits(example) == 0 {
            report(CheckLevel::Error, format!("example {} yields no finding", i + 1));
        }
    }
    for (i, example) in rule.negative_examples.iter().enumerate() {
        if hits(example) > 0 {
            report(
                CheckLevel::Error,
                format!("negative example {} yields a finding", i + 1),
            );
        }
    }
}

fn check_one(rule: &Rule, issues: &mut Vec<CheckIssue>) {
    let mut report = |level, message: String| issues.push(issue(level, &rule.source, Some(&rule.id), message));
    if rule.keywords.is_empty() {
        report(
            CheckLevel::Warning,
            "no keywords: the regex runs over every byte of every file".into(),
        );
    }
    for keyword in rule.keywords.iter().filter(|k| k.len() < 3) {
        report(
            CheckLevel::Warning,
            format!(
                "keyword `{keyword}` is shorter than 3 bytes: the prefilter compares it at every byte; list longer keywords"
            ),
        );
    }
    // Built-in rules are compiled on first use: this is where a broken one would show.
    let shape = match rule.regex_lints() {
        Ok(lints) => lints,
        Err(e) => return report(CheckLevel::Invalid, format!("regex does not compile: {e}")),
    };
    if shape.unbounded {
        report(
            CheckLevel::Warning,
            "unbounded regex: matches are searched within 4096 bytes of a keyword hit; prefer bounded repetition"
                .into(),
        );
    }
    if shape.matches_empty {
        report(CheckLevel::Warning, "the regex can match the empty string".into());
    }
    match rule.examples.len() {
        0 => report(CheckLevel::Error, "no examples".into()),
        1 => report(CheckLevel::Warning, "only one example (two or more expected)".into()),
        _ => {}
    }
    if rule.negative_examples.len() < 2 {
        report(CheckLevel::Warning, "fewer than two negative examples".into());
    }
    // Run each rule alone so the check is about this rule's own pipeline.
    let alone = match RuleSet::new(vec![rule.clone()]) {
        Ok(set) => set,
        Err(e) => return report(CheckLevel::Invalid, e.to_string()),
    };
    let detector = Detector::new(&alone);
    for (i, example) in rule.examples.iter().enumerate() {
        let lower = example.to_ascii_lowercase();
        if !rule.keywords.is_empty() && !rule.keywords.iter().any(|k| lower.contains(k.as_str())) {
            report(
                CheckLevel::Error,
                format!(
                    "example {} contains none of the keywords, so the prefilter hides it",
                    i + 1
                ),
            );
            continue;
        }
        let found = detector.detect(example.as_bytes());
        if let Some(why) = all_suppressed(&found) {
            report(CheckLevel::Error, format!("example {} is suppressed: {why}", i + 1));
            continue;
        }
        if found.is_empty() {
            report(CheckLevel::Error, format!("example {} yields no finding", i + 1));
            continue;
        }
        if let Some(c) = found.iter().find(|c| c.validation.is_some_and(|(_, passed)| !passed)) {
            let name = c.validation.map(|(n, _)| n).unwrap_or_default();
            report(
                CheckLevel::Error,
                format!("example {} fails the `{name}` validator", i + 1),
            );
            continue;
        }
        let keyword_inside = found.iter().all(|c| {
            let m = example.as_bytes()[c.matched.clone()].to_ascii_lowercase();
            rule.keywords.is_empty() || rule.keywords.iter().any(|k| contains(&m, k.as_bytes()))
        });
        if !keyword_inside {
            report(
                CheckLevel::Error,
                format!("example {}: no keyword lies inside the match", i + 1),
            );
        }
    }
    // A negative example may match the pattern when a validator rejects it: such a finding
    // drops to low confidence, below the default gate.
    for (i, example) in rule.negative_examples.iter().enumerate() {
        if Detector::new(&alone)
            .detect(example.as_bytes())
            .iter()
            .any(|c| c.suppression.is_none() && c.validation.is_none_or(|(_, passed)| passed))
        {
            report(
                CheckLevel::Error,
                format!("negative example {} yields a finding", i + 1),
            );
        }
    }
}

/// The first suppression reason when every candidate is suppressed.
fn all_suppressed(found: &[leakscan_rules::detect::Candidate]) -> Option<String> {
    if found.iter().all(|c| c.suppression.is_some()) {
        found
            .first()
            .and_then(|c| c.suppression.as_ref())
            .map(|s| s.to_string())
    } else {
        None
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(body: &str) -> Vec<(String, String)> {
        vec![("t.toml".to_string(), body.to_string())]
    }

    const BASE: &str = "[[rule]]\nid='tok'\nname='n'\ndescription='d'\nseverity='high'\nconfidence='high'\nremediation='r'\nkeywords=['tok_']\nregex='''tok_([a-z0-9]{12})'''\n";

    #[test]
    fn a_good_rule_passes() {
        let body = format!(
            "{BASE}examples=['x = tok_q8mzt2rk9vlw', 'tok_a1b2c3d4e5f6']\nnegative_examples=['tok_short', 'tok_xxxxxxxxxxxx']\n"
        );
        let (n, issues) = check_rules(&file(&body));
        assert_eq!(n, 1);
        assert!(issues.is_empty(), "{issues:?}");
    }

    #[test]
    fn misbehaving_examples_are_errors() {
        let body =
            format!("{BASE}examples=['nothing here', 'TOK_short']\nnegative_examples=['tok_q8mzt2rk9vlw', 'x']\n");
        let (_, issues) = check_rules(&file(&body));
        let msgs: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("example 1 contains none of the keywords")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("example 2 yields no finding")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("negative example 1 yields a finding")),
            "{msgs:?}"
        );
    }

    #[test]
    fn placeholder_examples_are_reported_as_suppressed() {
        let body = format!("{BASE}examples=['tok_xxxxxxxxxxxx', 'tok_q8mzt2rk9vlw']\nnegative_examples=['a', 'b']\n");
        let (_, issues) = check_rules(&file(&body));
        assert!(
            issues
                .iter()
                .any(|i| i.message.contains("example 1 is suppressed: placeholder")),
            "{issues:?}"
        );
    }

    #[test]
    fn keywords_under_three_bytes_are_warned_about() {
        let body = BASE.replace("keywords=['tok_']", "keywords=['to', 'tok_']");
        let body = format!(
            "{body}examples=['x = tok_q8mzt2rk9vlw', 'tok_a1b2c3d4e5f6']\nnegative_examples=['tok_short', 'x']\n"
        );
        let (_, issues) = check_rules(&file(&body));
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(
            issues[0].message.contains("keyword `to` is shorter than 3 bytes"),
            "{issues:?}"
        );
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let (_, issues) = check_rules(&file("[[rule]\nid="));
        assert_eq!(issues.len(), 1);
        assert!(issues[0].to_string().starts_with("error: t.toml:"), "{}", issues[0]);
    }
}
