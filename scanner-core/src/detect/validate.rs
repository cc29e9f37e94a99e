//! Offline validators: format checks a pattern cannot express, such as the CRC32 checksum that
//! GitHub and npm tokens carry in their last six characters. No network, ever.

/// A validator's verdict on one secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The check passed: the value is well formed (not proof it is live).
    Valid,
    /// The check failed: likely a made-up or mistyped value.
    Invalid,
    /// The check does not apply to this value (e.g. a token variant without a checksum).
    NotApplicable,
}

/// A named offline check.
pub type Validator = fn(&[u8]) -> Verdict;

/// The validators rules may name in `validate = [...]`.
pub const VALIDATORS: &[(&str, Validator)] = &[("github-crc32", github_crc32), ("npm-crc32", npm_crc32)];

/// Looks a validator up by name.
pub fn validator(name: &str) -> Option<Validator> {
    VALIDATORS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The last 6 characters are the base62 CRC32 of the 30 characters before them.
fn crc32_base62_suffix(random_and_check: &[u8]) -> Verdict {
    if random_and_check.len() != 36 {
        return Verdict::NotApplicable;
    }
    let (random, check) = random_and_check.split_at(30);
    let mut n = crc32fast::hash(random);
    let mut encoded = [b'0'; 6];
    for slot in encoded.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    if encoded == check {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// GitHub `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` tokens of 40 characters.
fn github_crc32(secret: &[u8]) -> Verdict {
    match secret.get(..4) {
        Some(b"ghp_" | b"gho_" | b"ghu_" | b"ghs_" | b"ghr_") => crc32_base62_suffix(&secret[4..]),
        _ => Verdict::NotApplicable,
    }
}

/// npm `npm_` tokens.
fn npm_crc32(secret: &[u8]) -> Verdict {
    match secret.strip_prefix(b"npm_") {
        Some(rest) => crc32_base62_suffix(rest),
        None => Verdict::NotApplicable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksums() {
        let valid = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
        assert_eq!(github_crc32(valid.as_bytes()), Verdict::Valid);
        let mut broken = valid.as_bytes().to_vec();
        broken[10] = if broken[10] == b'a' { b'b' } else { b'a' };
        assert_eq!(github_crc32(&broken), Verdict::Invalid);
        assert_eq!(github_crc32(b"ghr_short"), Verdict::NotApplicable);
        assert_eq!(npm_crc32(b"npm_x"), Verdict::NotApplicable);
    }
}
