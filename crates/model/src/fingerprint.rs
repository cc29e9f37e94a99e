//! Stable identities: `secret_id` groups one secret wherever it occurs; `fingerprint` also
//! includes the logical path, so it survives line moves but tells files apart.

use sha2::{Digest, Sha256};

/// The key of leakscan's fingerprint in a SARIF result's `partialFingerprints`.
pub const SARIF_FINGERPRINT_KEY: &str = "leakscan/v1";

/// `sha256(rule_id ‖ 0 ‖ secret)` in lowercase hex.
pub fn secret_id(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(secret);
    hex(&h.finalize())
}

/// `sha256(rule_id ‖ 0 ‖ secret ‖ 0 ‖ logical_path)` in lowercase hex. No line, no commit.
pub fn fingerprint(rule_id: &str, secret: &[u8], logical_path: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(secret);
    h.update([0]);
    h.update(logical_path.as_bytes());
    hex(&h.finalize())
}

/// Lowercase hex (a table lookup per nibble: `write!` per byte was 6% of a scan with
/// hundreds of thousands of findings).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_rule_secret_and_path_only() {
        let a = fingerprint("r", b"s3cr3t", "src/a.py");
        assert_eq!(a.len(), 64);
        assert_eq!(a, fingerprint("r", b"s3cr3t", "src/a.py"));
        assert_ne!(a, fingerprint("r", b"s3cr3t", "src/b.py"));
        assert_ne!(a, fingerprint("q", b"s3cr3t", "src/a.py"));
        assert_ne!(secret_id("r", b"ab"), secret_id("ra", b"b"));
    }

    #[test]
    fn known_vector() {
        // sha256(b"r\0s"), computed with Python's hashlib.
        assert_eq!(
            secret_id("r", b"s"),
            "436f0e33ded58eff51a7a9fb7ac1a880ca2f85769dbc7986817687719a2168ec"
        );
    }
}
