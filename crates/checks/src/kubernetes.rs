//! Compose files, Kubernetes manifests and Helm values.

use super::yaml::Node;
use super::{CheckHit, CheckRule, literal_secret, secret_name};
use leakscan_rules::RuleSet;
use leakscan_rules::detect::decode::Encoding;

/// `services.<name>.environment` as a map or a `KEY=value` list.
pub(super) fn compose(docs: &[Node], out: &mut Vec<CheckHit>) {
    for doc in docs {
        for (service, _, def) in doc
            .get("services")
            .map(|s| s.pairs().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let Some(env) = def.get("environment") else { continue };
            let detail = |key: &str| {
                format!("`{key}` of service `{service}` is a literal value; use `secrets:` or an untracked env file")
            };
            for (key, _, value) in env.pairs() {
                if let Some(v) = value.as_str()
                    && secret_name(key)
                    && literal_secret(v)
                {
                    out.push(CheckHit::secret(
                        CheckRule::ComposeLiteralSecretEnv,
                        value.span(),
                        detail(key),
                    ));
                }
            }
            for item in env.items() {
                let (Some(entry), span) = (item.as_str(), item.span()) else {
                    continue;
                };
                if let Some((key, v)) = entry.split_once('=')
                    && secret_name(key)
                    && literal_secret(v)
                {
                    let start = span.start + key.len() + 1;
                    let value_span = start..(start + v.len()).min(span.end);
                    out.push(CheckHit::secret(
                        CheckRule::ComposeLiteralSecretEnv,
                        value_span,
                        detail(key),
                    ));
                }
            }
        }
    }
}

/// Kubernetes manifests: committed `Secret` data, literal secrets in container `env`.
pub(super) fn manifests(docs: &[Node], rules: &RuleSet, out: &mut Vec<CheckHit>) {
    for doc in docs {
        if doc.get("apiVersion").is_none() || doc.get("kind").is_none() {
            continue;
        }
        let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("unnamed");
        if kind == "Secret" {
            secret_manifest(doc, name, rules, out);
        }
        if kind == "Config" {
            kubeconfig(doc, out);
        }
        if kind == "List" {
            manifests(doc.get("items").map(Node::items).unwrap_or_default(), rules, out);
        }
        container_env(doc, kind, name, out);
    }
}

fn secret_manifest(doc: &Node, name: &str, rules: &RuleSet, out: &mut Vec<CheckHit>) {
    let detail = |key: &str| {
        format!(
            "Secret `{name}` is committed with a value for `{key}`: anyone with the repository has it; use Sealed Secrets, SOPS or an external secret store"
        )
    };
    for (key, _, value) in doc
        .get("data")
        .map(|d| d.pairs().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let Some(encoded) = value.as_str() else { continue };
        let Some(decoded) = leakscan_rules::detect::validate::decode_base64(encoded.trim().as_bytes()) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&decoded) else {
            continue;
        };
        if literal_secret(text) || has_secret(rules, &decoded) {
            let mut hit = CheckHit::secret(CheckRule::K8sSecretCommitted, value.span(), detail(key));
            hit.decoded = Some((Encoding::Base64, decoded));
            out.push(hit);
        }
    }
    for (key, _, value) in doc
        .get("stringData")
        .map(|d| d.pairs().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if let Some(v) = value.as_str()
            && (literal_secret(v) || has_secret(rules, v.as_bytes()))
        {
            out.push(CheckHit::secret(
                CheckRule::K8sSecretCommitted,
                value.span(),
                detail(key),
            ));
        }
    }
}

/// Whether a provider rule finds a secret in `value` (for multi-line values such as config
/// files stored in a Secret).
fn has_secret(rules: &RuleSet, value: &[u8]) -> bool {
    leakscan_rules::detect::Detector::new(rules)
        .detect(value)
        .iter()
        .any(|c| c.suppression.is_none() && !rules.rules()[c.rule].is_generic())
}

/// A kubeconfig whose users carry credentials (`token`, `client-key-data`, `password`)
/// instead of an exec plugin or a reference to a file outside the repository.
fn kubeconfig(doc: &Node, out: &mut Vec<CheckHit>) {
    for entry in doc.get("users").map(Node::items).unwrap_or_default() {
        let name = entry.get("name").and_then(Node::as_str).unwrap_or("unnamed");
        let Some(user) = entry.get("user") else { continue };
        for key in ["token", "client-key-data", "password"] {
            if let Some(value) = user.get(key)
                && let Some(v) = value.as_str()
                && v.len() >= 8
                && !v.starts_with('$')
                && leakscan_rules::detect::placeholder_reason(v.as_bytes()).is_none()
            {
                out.push(CheckHit::secret(
                    CheckRule::KubeconfigEmbeddedCredentials,
                    value.span(),
                    format!("kubeconfig user `{name}` embeds `{key}`: anyone with the repository can act on the cluster; use an exec credential plugin or keep kubeconfig out of the repository"),
                ));
            }
        }
    }
}

/// `env: [{name: DB_PASSWORD, value: "…"}]` anywhere in a workload (pod templates included).
fn container_env(doc: &Node, kind: &str, name: &str, out: &mut Vec<CheckHit>) {
    let mut path = Vec::new();
    doc.walk(&mut path, &mut |keys, node| {
        if keys.last() != Some(&"env") {
            return;
        }
        for item in node.items() {
            let (Some(var), Some(value)) = (item.get("name").and_then(Node::as_str), item.get("value")) else {
                continue;
            };
            if let Some(v) = value.as_str()
                && secret_name(var)
                && literal_secret(v)
            {
                out.push(CheckHit::secret(
                    CheckRule::K8sEnvLiteralSecret,
                    value.span(),
                    format!("`{var}` in {kind} `{name}` is a literal `value`; use `valueFrom.secretKeyRef`"),
                ));
            }
        }
    });
}

/// Helm `values*.yaml`: credential-named keys with literal values.
pub(super) fn helm_values(docs: &[Node], out: &mut Vec<CheckHit>) {
    for doc in docs {
        if doc.get("apiVersion").is_some() && doc.get("kind").is_some() {
            continue;
        }
        let mut path = Vec::new();
        doc.walk(&mut path, &mut |keys, node| {
            let (Some(key), Some(v)) = (keys.last(), node.as_str()) else {
                return;
            };
            if secret_name(key) && literal_secret(v) {
                out.push(CheckHit::secret(
                    CheckRule::HelmValuesLiteralCredential,
                    node.span(),
                    format!(
                        "`{}` is a literal credential in chart values; reference an existing Secret instead",
                        keys.join(".")
                    ),
                ));
            }
        });
    }
}
