//! GitLab CI (`.gitlab-ci.yml`).

use super::yaml::Node;
use super::{CheckHit, CheckRule, find_in, literal_secret, secret_name};

/// Top-level keys that are not jobs.
const GLOBAL_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

pub(super) fn check(docs: &[Node], text: &str, out: &mut Vec<CheckHit>) {
    for doc in docs {
        variables(doc.get("variables"), "the global `variables`", out);
        for (name, _, job) in doc.pairs() {
            if GLOBAL_KEYWORDS.contains(&name) || name.starts_with('.') && job.get("script").is_none() {
                continue;
            }
            variables(job.get("variables"), &format!("job `{name}`'s `variables`"), out);
            for section in ["before_script", "script", "after_script"] {
                for line in job.get(section).map(Node::items).unwrap_or_default() {
                    script_line(line, text, out);
                }
            }
        }
    }
}

/// `variables:` entries (plain or `{ value: … }`) with a literal credential.
fn variables(vars: Option<&Node>, scope: &str, out: &mut Vec<CheckHit>) {
    let Some(vars) = vars else { return };
    for (key, _, value) in vars.pairs() {
        let value = value.get("value").unwrap_or(value);
        if let Some(v) = value.as_str()
            && secret_name(key)
            && literal_secret(v)
        {
            out.push(CheckHit::secret(
                CheckRule::GitlabCiLiteralSecret,
                value.span(),
                format!("`{key}` in {scope} is a literal value; use a masked CI/CD variable instead"),
            ));
        }
    }
}

/// `echo $DB_PASSWORD` and the like.
fn script_line(line: &Node, text: &str, out: &mut Vec<CheckHit>) {
    let Some(command) = line.as_str() else { return };
    let trimmed = command.trim();
    let first = trimmed.split_whitespace().next().unwrap_or("");
    if !matches!(first, "echo" | "printf" | "cat" | "env" | "printenv" | "set") {
        return;
    }
    let printed = trimmed
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '{'))
        .find_map(|word| {
            let name = word.trim_start_matches('$').trim_start_matches('{');
            (word.starts_with('$') && secret_name(name)).then_some(name)
        });
    let dumps_all = matches!(first, "env" | "printenv" | "set") && trimmed.split_whitespace().count() == 1;
    if trimmed.contains('|') || trimmed.contains('>') {
        return; // piped to a command or written to a file: not the job log
    }
    if printed.is_some() || dumps_all {
        let span = find_in(text, &line.span(), trimmed).unwrap_or(line.span());
        let why = match printed {
            Some(name) => format!("`{trimmed}` prints `{name}` into the job log (masking does not cover every format)"),
            None => format!("`{trimmed}` prints every variable, secrets included, into the job log"),
        };
        out.push(CheckHit::evidence(CheckRule::GitlabCiSecretPrinted, span, why));
    }
}
