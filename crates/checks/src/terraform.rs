//! Terraform: literal credentials in `.tf` provider, resource, data and module blocks,
//! credential-named variables with literal defaults, `.tfvars` with secrets, committed state.

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

use super::{CheckHit, CheckRule, literal_secret, secret_name};

/// Which Terraform file kind a name is, if any.
pub(super) enum Kind {
    /// `*.tf`
    Config,
    /// `*.tfvars`
    Vars,
    /// `*.tfstate`, `*.tfstate.backup`
    State,
}

pub(super) fn kind(lower_name: &str) -> Option<Kind> {
    if lower_name.ends_with(".tf") {
        Some(Kind::Config)
    } else if lower_name.ends_with(".tfvars") {
        Some(Kind::Vars)
    } else if lower_name.ends_with(".tfstate") || lower_name.ends_with(".tfstate.backup") {
        Some(Kind::State)
    } else {
        None
    }
}

/// A Terraform file (`.tf`, `.tfvars`) that is not valid HCL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct HclError(Box<hcl_edit::parser::Error>);

/// Runs the checks for one Terraform file; `Err` when it does not parse.
pub(super) fn check(kind: Kind, text: &str, out: &mut Vec<CheckHit>) -> Result<(), HclError> {
    match kind {
        Kind::State => {
            if text.contains("\"terraform_version\"") || text.contains("\"resources\"") {
                let end = text.find('\n').unwrap_or(text.len()).min(80);
                out.push(CheckHit::evidence(
                    CheckRule::TerraformStateCommitted,
                    0..end,
                    "Terraform state is committed: it holds every managed resource's attributes, passwords and keys in plain text; use a remote backend with encryption and access control".into(),
                ));
            }
            Ok(())
        }
        Kind::Vars => {
            let body = hcl_edit::parser::parse_body(text).map_err(|e| HclError(Box::new(e)))?;
            for attr in body.attributes() {
                let key = attr.key.as_str();
                if let Some(span) = literal(text, &attr.value)
                    && secret_name(key)
                {
                    out.push(CheckHit::secret(
                        CheckRule::TerraformTfvarsSecret,
                        span,
                        format!("`{key}` is set to a literal secret in a committed variables file; pass it with `TF_VAR_{key}` or a secret store"),
                    ));
                }
            }
            Ok(())
        }
        Kind::Config => {
            let body = hcl_edit::parser::parse_body(text).map_err(|e| HclError(Box::new(e)))?;
            for block in body.blocks() {
                let ident = block.ident.as_str();
                let label = block.labels.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(".");
                match ident {
                    "variable" => variable(text, &label, &block.body, out),
                    "provider" | "resource" | "data" | "module" | "backend" | "terraform" => {
                        credentials(text, &format!("{ident} `{label}`"), &block.body, out);
                    }
                    _ => {}
                }
            }
            Ok(())
        }
    }
}

/// The span of a literal string value that looks like a secret (quotes excluded).
fn literal(text: &str, value: &Expression) -> Option<Range<usize>> {
    let Expression::String(s) = value else { return None };
    if !literal_secret(s.as_str()) {
        return None;
    }
    let span = value.span()?;
    let inner = match text.as_bytes().get(span.start) {
        Some(b'"') if span.end >= span.start + 2 => span.start + 1..span.end - 1,
        _ => span,
    };
    Some(inner)
}

/// Credential-named attributes with literal values, in a block and its nested blocks.
fn credentials(text: &str, scope: &str, body: &Body, out: &mut Vec<CheckHit>) {
    for attr in body.attributes() {
        let key = attr.key.as_str();
        if secret_name(key)
            && let Some(span) = literal(text, &attr.value)
        {
            out.push(CheckHit::secret(
                CheckRule::TerraformLiteralCredential,
                span,
                format!("`{key}` in {scope} is a literal credential; use a variable marked `sensitive` fed from a secret store, or the provider's environment variables"),
            ));
        }
    }
    for nested in body.blocks() {
        credentials(text, scope, &nested.body, out);
    }
}

/// `variable "db_password" { default = "…" }`.
fn variable(text: &str, name: &str, body: &Body, out: &mut Vec<CheckHit>) {
    let Some(default) = body.get_attribute("default") else {
        return;
    };
    let sensitive = body
        .get_attribute("sensitive")
        .is_some_and(|a| matches!(&a.value, Expression::Bool(b) if *b.value()));
    if (secret_name(name) || sensitive)
        && let Some(span) = literal(text, &default.value)
    {
        out.push(CheckHit::secret(
            CheckRule::TerraformVariableSecretDefault,
            span,
            format!("variable `{name}` has a literal secret as its default; remove the default and supply the value at plan time"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_credentials_and_variable_defaults() {
        let text = "provider \"aws\" {\n  region     = \"eu-west-1\"\n  secret_key = \"Zq8rT2mWx7pL4vN9kB3sYb6dQw1eR5tU7iO9pA2s\"\n}\n\nvariable \"db_password\" {\n  type    = string\n  default = \"Hq3vZ8mLx2Pw7RtK9cNb\"\n}\n\nvariable \"region\" {\n  default = \"eu-west-1\"\n}\n";
        let mut out = Vec::new();
        check(Kind::Config, text, &mut out).unwrap();
        let rules: Vec<CheckRule> = out.iter().map(|h| h.rule).collect();
        assert_eq!(
            rules,
            [
                CheckRule::TerraformLiteralCredential,
                CheckRule::TerraformVariableSecretDefault
            ]
        );
        assert_eq!(&text[out[1].span.clone()], "Hq3vZ8mLx2Pw7RtK9cNb");
        let broken = "provider \"aws\" {";
        let err = check(Kind::Config, broken, &mut out).unwrap_err();
        // The message is the HCL parser's own.
        let parser = hcl_edit::parser::parse_body(broken).unwrap_err();
        assert_eq!(err.to_string(), parser.to_string());
        assert!(check(Kind::Vars, "x = ", &mut out).is_err());
    }
}
