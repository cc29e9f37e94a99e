//! The verification step of a scan (`--verify`): after every blob was scanned and filtered,
//! each unsuppressed finding whose rule has a `[rule.verify]` table is sent to its provider
//! through [`leakscan_verify::Verifier`] (HTTPS only, declared hosts only, concurrent, each
//! distinct secret once), and the verdict is set on the finding. Nothing here runs, and no
//! connection is made, unless `ScanSettings::verify` is set.

use std::collections::{BTreeMap, HashMap};

use leakscan_model::verification::{IdentityField, Verification, VerificationStatus};
use leakscan_model::{Finding, date};
use leakscan_rules::RuleSet;
use leakscan_verify::{Verifier, VerifyRequest, VerifyStatus};

/// Capture groups of matches to verify, by (rule id, secret id).
pub type Groups = HashMap<(String, String), BTreeMap<String, Vec<u8>>>;

/// Verifies `findings` (see the module documentation). A finding is asked about when it is
/// not suppressed, its rule has a verification table and no offline check already failed it
/// (a token with a wrong checksum is not sent anywhere).
pub fn verify_findings(verifier: &Verifier, rules: &RuleSet, findings: &mut [Finding], groups: &Groups) {
    // The rules that can be verified, by id (looked up once per finding).
    let specs: HashMap<&str, &std::sync::Arc<leakscan_verify::VerifySpec>> = rules
        .rules()
        .iter()
        .filter_map(|r| r.verify.as_ref().map(|spec| (r.id.as_str(), spec)))
        .collect();
    let mut requests = Vec::new();
    let mut asked = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if f.is_suppressed() || matches!(f.validation, Some((_, false))) || f.secret.is_evidence() {
            continue;
        }
        let Some(&spec) = specs.get(f.rule_id.as_str()) else {
            continue;
        };
        requests.push(VerifyRequest {
            rule_id: f.rule_id.clone(),
            spec: spec.clone(),
            secret: f.secret.as_bytes().to_vec(),
            groups: groups
                .get(&(f.rule_id.clone(), f.secret_id.clone()))
                .cloned()
                .unwrap_or_default(),
        });
        asked.push(i);
    }
    if requests.is_empty() {
        return;
    }
    log::info!("verifying {} finding(s) with their providers", requests.len());
    let checked_at = date::now();
    for (i, verdict) in asked.into_iter().zip(verifier.verify_all(requests)) {
        findings[i].verification = Some(Verification {
            status: status(verdict.status),
            reason: verdict.reason,
            identity: verdict
                .identity
                .into_iter()
                .map(|field| IdentityField {
                    name: field.name,
                    value: field.value,
                    secret: field.secret,
                })
                .collect(),
            checked_at: checked_at.clone(),
        });
    }
}

fn status(status: VerifyStatus) -> VerificationStatus {
    match status {
        VerifyStatus::Live => VerificationStatus::Live,
        VerifyStatus::Revoked => VerificationStatus::Revoked,
        VerifyStatus::Unknown => VerificationStatus::Unknown,
        VerifyStatus::Error => VerificationStatus::Error,
    }
}
