//! GitHub Actions workflows (`.github/workflows/*.yml`).

use super::yaml::Node;
use super::{CheckHit, CheckRule, find_in, literal_secret, secret_name};

/// Triggers whose runs see secrets while processing untrusted pull-request code.
const PRIVILEGED_TRIGGERS: &[&str] = &["pull_request_target", "workflow_run"];

/// Expressions that name the untrusted head of a pull request or triggering run.
const UNTRUSTED_REFS: &[&str] = &[
    "github.event.pull_request.head",
    "github.head_ref",
    "github.event.workflow_run.head",
    "refs/pull/",
];

pub(super) fn check(docs: &[Node], text: &str, out: &mut Vec<CheckHit>) {
    for doc in docs {
        workflow(doc, text, out);
    }
}

fn workflow(doc: &Node, text: &str, out: &mut Vec<CheckHit>) {
    let uses_secrets = doc.span().end > doc.span().start && text[doc.span()].contains("secrets.");
    let triggers = triggers(doc);
    let privileged: Vec<&str> = triggers
        .iter()
        .copied()
        .filter(|t| PRIVILEGED_TRIGGERS.contains(t))
        .collect();
    literal_env(doc.get("env"), "the workflow's `env`", out);
    permissions(doc.get("permissions"), uses_secrets, out);
    let workflow_secret_env = secret_env_names(doc.get("env"));
    for (job_name, _, job) in doc
        .get("jobs")
        .map(|j| j.pairs().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        literal_env(job.get("env"), &format!("job `{job_name}`'s `env`"), out);
        if let Some(container) = job.get("container") {
            literal_env(
                container.get("env"),
                &format!("job `{job_name}`'s container `env`"),
                out,
            );
        }
        for (svc, _, service) in job
            .get("services")
            .map(|s| s.pairs().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            literal_env(service.get("env"), &format!("service `{svc}` of job `{job_name}`"), out);
        }
        permissions(job.get("permissions"), uses_secrets, out);
        let mut job_secret_env = workflow_secret_env.clone();
        job_secret_env.extend(secret_env_names(job.get("env")));
        for step in job.get("steps").map(Node::items).unwrap_or_default() {
            let step_name = step
                .get("name")
                .or_else(|| step.get("uses"))
                .or_else(|| step.get("id"))
                .and_then(Node::as_str)
                .unwrap_or("a step");
            literal_env(step.get("env"), &format!("step `{step_name}`'s `env`"), out);
            literal_with(step, step_name, out);
            let mut in_scope = job_secret_env.clone();
            in_scope.extend(secret_env_names(step.get("env")));
            if let Some(run) = step.get("run") {
                run_script(run, text, &in_scope, out);
            }
            if let Some(uses) = step.get("uses").and_then(|u| u.as_str().map(|s| (s, u))) {
                unpinned_action(uses, step, out);
                untrusted_checkout(uses.0, step, &privileged, out);
            }
        }
    }
}

fn triggers(doc: &Node) -> Vec<&str> {
    match doc.get("on") {
        Some(Node::Scalar { value, .. }) => vec![value.as_str()],
        Some(Node::Seq(items, _)) => items.iter().filter_map(Node::as_str).collect(),
        Some(map @ Node::Map(..)) => map.pairs().map(|(k, ..)| k).collect(),
        None => Vec::new(),
    }
}

/// `env:` entries with a literal credential; `ACTIONS_ALLOW_UNSECURE_COMMANDS`.
fn literal_env(env: Option<&Node>, scope: &str, out: &mut Vec<CheckHit>) {
    let Some(env) = env else { return };
    for (key, key_node, value) in env.pairs() {
        let Some(v) = value.as_str() else { continue };
        if key.eq_ignore_ascii_case("ACTIONS_ALLOW_UNSECURE_COMMANDS")
            && matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes")
        {
            out.push(CheckHit::evidence(
                CheckRule::GhaUnsecureCommands,
                key_node.span().start..value.span().end,
                format!("{scope} re-enables the deprecated `set-env`/`add-path` workflow commands"),
            ));
        } else if secret_name(key) && literal_secret(v) {
            out.push(CheckHit::secret(
                CheckRule::GhaLiteralSecret,
                value.span(),
                format!("`{key}` in {scope} is a literal value; reference `${{{{ secrets.{key} }}}}` instead"),
            ));
        }
    }
}

/// Credential-named `with:` inputs given a literal value.
fn literal_with(step: &Node, step_name: &str, out: &mut Vec<CheckHit>) {
    let Some(with) = step.get("with") else { return };
    for (key, _, value) in with.pairs() {
        if let Some(v) = value.as_str()
            && secret_name(key)
            && literal_secret(v)
        {
            out.push(CheckHit::secret(
                CheckRule::GhaLiteralSecret,
                value.span(),
                format!("input `{key}` of step `{step_name}` is a literal value; pass a secret instead"),
            ));
        }
    }
}

/// Names of `env:` variables bound to a secret (`TOKEN: ${{ secrets.TOKEN }}`).
fn secret_env_names(env: Option<&Node>) -> Vec<String> {
    env.map(|e| {
        e.pairs()
            .filter(|(_, _, v)| v.as_str().is_some_and(|s| s.contains("secrets.")))
            .map(|(k, ..)| k.to_string())
            .collect()
    })
    .unwrap_or_default()
}

fn permissions(node: Option<&Node>, uses_secrets: bool, out: &mut Vec<CheckHit>) {
    if let Some(p) = node
        && p.as_str() == Some("write-all")
        && uses_secrets
    {
        out.push(CheckHit::evidence(
            CheckRule::GhaWriteAllWithSecrets,
            p.span(),
            "`permissions: write-all` in a workflow that uses secrets: any compromised step can push code and releases"
                .into(),
        ));
    }
}

/// Shell lines that print a secret, trace with secrets in scope, or write them to step outputs.
fn run_script(run: &Node, text: &str, secret_env: &[String], out: &mut Vec<CheckHit>) {
    let Some(script) = run.as_str() else { return };
    let span = run.span();
    let mentions_secret = |line: &str| {
        line.contains("secrets.")
            || secret_env
                .iter()
                .any(|name| line.contains(&format!("${name}")) || line.contains(&format!("${{{name}}}")))
    };
    let any_secret_in_scope = !secret_env.is_empty() || script.contains("secrets.");
    let mut search_from = span.start;
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let here = find_in(text, &(search_from..span.end), trimmed);
        if let Some(h) = &here {
            search_from = h.end;
        }
        let evidence = here.unwrap_or(span.clone());
        let first = trimmed.split_whitespace().next().unwrap_or("");
        // Output piped to a command (`echo "$TOKEN" | docker login --password-stdin`) or
        // redirected to a file does not reach the log.
        let to_log = !trimmed.contains('|') && !trimmed.contains('>');
        let prints = to_log
            && matches!(
                first,
                "echo" | "printf" | "print" | "Write-Host" | "Write-Output" | "cat" | "tee"
            );
        let problem = if trimmed.contains("::add-mask::") {
            None
        } else if (trimmed.contains("GITHUB_OUTPUT")
            || trimmed.contains("GITHUB_STEP_SUMMARY")
            || trimmed.contains("GITHUB_ENV"))
            && mentions_secret(trimmed)
        {
            Some("writes a secret to a step output, summary or environment file, where it is not masked")
        } else if prints && mentions_secret(trimmed) {
            Some("prints a secret into the build log")
        } else if first == "cat" && to_log && secret_file_argument(trimmed) {
            Some("prints a credential file into the build log")
        } else if (trimmed.starts_with("set -x") || trimmed.contains("set -o xtrace") || trimmed.starts_with("bash -x"))
            && any_secret_in_scope
        {
            Some("traces every command (`set -x`) with secrets in scope: expanded values reach the log")
        } else {
            None
        };
        if let Some(why) = problem {
            out.push(CheckHit::evidence(
                CheckRule::GhaSecretPrinted,
                evidence,
                format!("`{trimmed}` {why}"),
            ));
        }
    }
}

fn secret_file_argument(line: &str) -> bool {
    line.split_whitespace().skip(1).any(|arg| {
        let name = arg
            .rsplit('/')
            .next()
            .unwrap_or(arg)
            .trim_matches(|c| c == '"' || c == '\'');
        name.ends_with(".pem")
            || name.ends_with(".key")
            || name.starts_with("id_rsa")
            || name.starts_with("id_ed25519")
            || matches!(
                name,
                ".npmrc" | ".pypirc" | ".netrc" | ".env" | "credentials" | "kubeconfig" | ".git-credentials"
            )
    })
}

/// Third-party actions (not `actions/…` or `github/…`) referenced by tag or branch and given
/// secrets.
fn unpinned_action((uses, node): (&str, &Node), step: &Node, out: &mut Vec<CheckHit>) {
    if uses.starts_with("./") || uses.starts_with("docker://") {
        return;
    }
    let Some((action, reference)) = uses.split_once('@') else {
        return;
    };
    let owner = action.split('/').next().unwrap_or("");
    if matches!(owner, "actions" | "github") {
        return;
    }
    let pinned = reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit());
    let gets_secrets = ["with", "env"].iter().any(|k| {
        step.get(k).is_some_and(|n| {
            n.pairs()
                .any(|(_, _, v)| v.as_str().is_some_and(|s| s.contains("secrets.")))
        })
    });
    if !pinned && gets_secrets {
        out.push(CheckHit::evidence(
            CheckRule::GhaUnpinnedActionWithSecrets,
            node.span(),
            format!("`{action}` is referenced by `{reference}`, which its owner can move, and receives secrets; pin a full commit SHA"),
        ));
    }
}

/// `actions/checkout` of the pull request's head in a privileged workflow.
fn untrusted_checkout(uses: &str, step: &Node, privileged: &[&str], out: &mut Vec<CheckHit>) {
    if privileged.is_empty() || !uses.starts_with("actions/checkout@") {
        return;
    }
    let Some(reference) = step.get("with").and_then(|w| w.get("ref")) else {
        return;
    };
    let Some(value) = reference.as_str() else { return };
    if UNTRUSTED_REFS.iter().any(|u| value.contains(u)) {
        out.push(CheckHit::evidence(
            CheckRule::GhaUntrustedCheckout,
            reference.span(),
            format!(
                "a `{}` workflow checks out the untrusted head (`{value}`) while secrets and a write token are in scope",
                privileged.join("`/`")
            ),
        ));
    }
}
