//! Turning a detector [`Candidate`] into a [`Finding`]: positions, snippet, fingerprints.

use std::ops::Range;

use leakscan_model::fingerprint::{fingerprint, secret_id};
use leakscan_model::location::Positions;
use leakscan_model::{Confidence, Finding, Origin, Secret, Snippet};
use leakscan_rules::Rule;
use leakscan_rules::detect::Candidate;

/// Builds a finding from a detector candidate in `data`. `positions` has located the
/// candidate's secret span; `masked` are the secret spans of every candidate of the blob,
/// merged and sorted (see [`leakscan_model::finding::merge_spans`]), which the snippet's
/// context masks, so another secret on the same line is never shown.
pub(crate) fn from_candidate(
    rule: &Rule,
    c: &Candidate,
    data: &[u8],
    positions: &Positions,
    origin: &Origin,
    masked: &[Range<usize>],
) -> Finding {
    let value = c.secret_value(data);
    // A token format's prefix (`ghp_`, `AKIA`, `xoxb-`) is public and names the credential; any
    // other value is redacted to its rule's name (no character of it shown).
    let public_prefix = rule
        .keywords
        .iter()
        .any(|k| k.len() >= 3 && value.len() > k.len() && value[..k.len()].eq_ignore_ascii_case(k.as_bytes()));
    let secret = if c.evidence {
        Secret::evidence(value.to_vec())
    } else if public_prefix {
        Secret::new(value.to_vec())
    } else {
        Secret::labelled(value.to_vec(), &rule.id)
    };
    Finding {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        severity: rule.severity,
        confidence: match c.validation {
            Some((_, false)) => Confidence::Low,
            _ => rule.confidence,
        },
        encoding: c.decoded.as_ref().map(|d| d.encoding.as_str()),
        detail: c.detail.clone(),
        confidence_note: match c.validation {
            Some((name, false)) => Some(format!("the `{name}` check failed")),
            _ => None,
        },
        validation: c.validation,
        origin: origin.clone(),
        start: positions.at(c.secret.start),
        end: positions.at(c.secret.end),
        bytes: c.secret.clone(),
        secret_id: secret_id(&rule.id, secret.as_bytes()),
        fingerprint: fingerprint(&rule.id, secret.as_bytes(), &origin.logical),
        secret,
        entropy: c.entropy,
        suppression: c.suppression.clone(),
        verification: None,
        context: Snippet::around(data, &c.secret, masked),
    }
}
