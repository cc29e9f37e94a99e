//! Offline validators: format checks a pattern cannot express, such as the CRC32 checksum that
//! GitHub and npm tokens carry in their last six characters, or the JSON inside a JWT. No
//! network, ever. A validator sees the secret and the bytes around the match (for formats whose
//! validity depends on their surroundings, such as a service-account JSON file).

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};

/// A validator's verdict on one secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The check passed: the value is well formed (not proof it is live).
    Valid,
    /// The check failed: likely a made-up, truncated or mistyped value.
    Invalid,
    /// The check does not apply to this value (e.g. a token variant without a checksum).
    NotApplicable,
}

/// A named offline check over `(secret, context)`; the context is the text around the match.
pub type Validator = fn(&[u8], &[u8]) -> Verdict;

/// The validators rules may name in `validate = [...]`, with what each checks.
pub const VALIDATORS: &[(&str, Validator, &str)] = &[
    ("github-crc32", github_crc32, "CRC32 in base62 in the last 6 characters"),
    ("npm-crc32", npm_crc32, "CRC32 in base62 in the last 6 characters"),
    (
        "grafana-crc32",
        grafana_crc32,
        "CRC32 of the prefix and secret, little-endian hex, after the last `_`",
    ),
    ("age-bech32", age_bech32, "Bech32 checksum and a 32-byte key"),
    (
        "jwt",
        jwt,
        "header and payload are base64url JSON objects; the header names `alg`",
    ),
    (
        "pem-private-key",
        pem_private_key,
        "the PEM body is base64 of a DER SEQUENCE",
    ),
    ("openssh-private-key", openssh_body, "the key body is valid base64"),
    (
        "embedded-json",
        embedded_json,
        "the `eyJ…` segment is base64 of a JSON object",
    ),
    ("pypi-macaroon", pypi_macaroon, "base64url macaroon issued by pypi.org"),
    (
        "discord-bot-id",
        discord_bot_id,
        "the first segment is base64 of a numeric user id",
    ),
    ("base64-64-bytes", base64_64_bytes, "base64 of exactly 64 bytes"),
    (
        "gcp-service-account",
        gcp_service_account,
        "inside JSON with `type: service_account`, `client_email` and `private_key`",
    ),
    (
        "aws-key-id",
        aws_key_id,
        "decodes to a 12-digit account id (keys issued since 2019)",
    ),
    ("basic-auth", basic_auth, "base64 of `user:password`, printable"),
    (
        "secret-shape",
        secret_shape,
        "generic values: not a word, identifier, UUID, scheme-prefixed hash or secret-store reference",
    ),
];

/// Looks a validator up by name.
pub fn validator(name: &str) -> Option<Validator> {
    VALIDATORS.iter().find(|(n, ..)| *n == name).map(|(_, v, _)| *v)
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Standard or URL-safe alphabet, padding optional.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Decodes base64 in either alphabet, with or without padding.
pub fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    if text.iter().any(|&b| b == b'-' || b == b'_') {
        URL_LENIENT.decode(text).ok()
    } else {
        STANDARD_LENIENT.decode(text).ok()
    }
}

fn verdict(ok: bool) -> Verdict {
    if ok { Verdict::Valid } else { Verdict::Invalid }
}

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
    verdict(encoded == check)
}

/// GitHub `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` tokens of 40 characters.
fn github_crc32(secret: &[u8], _: &[u8]) -> Verdict {
    match secret.get(..4) {
        Some(b"ghp_" | b"gho_" | b"ghu_" | b"ghs_" | b"ghr_") => crc32_base62_suffix(&secret[4..]),
        _ => Verdict::NotApplicable,
    }
}

/// npm `npm_` tokens.
fn npm_crc32(secret: &[u8], _: &[u8]) -> Verdict {
    match secret.strip_prefix(b"npm_") {
        Some(rest) => crc32_base62_suffix(rest),
        None => Verdict::NotApplicable,
    }
}

/// Grafana `glsa_<secret>_<crc>`: CRC32 (IEEE) of `glsa_<secret>`, its 4 bytes little-endian
/// as lowercase hex.
fn grafana_crc32(secret: &[u8], _: &[u8]) -> Verdict {
    let Some(split) = secret.iter().rposition(|&b| b == b'_') else {
        return Verdict::NotApplicable;
    };
    let (key, check) = (&secret[..split], &secret[split + 1..]);
    if !key.starts_with(b"gl") || check.len() != 8 {
        return Verdict::NotApplicable;
    }
    let expected: String = crc32fast::hash(key)
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    verdict(check.eq_ignore_ascii_case(expected.as_bytes()))
}

/// `AGE-SECRET-KEY-1…`: a Bech32 string with a valid checksum carrying 32 bytes.
fn age_bech32(secret: &[u8], _: &[u8]) -> Verdict {
    let Ok(text) = std::str::from_utf8(secret) else {
        return Verdict::Invalid;
    };
    match bech32::decode(text) {
        Ok((hrp, data)) => verdict(hrp.as_str().eq_ignore_ascii_case("AGE-SECRET-KEY-") && data.len() == 32),
        Err(_) => Verdict::Invalid,
    }
}

/// Parses base64 of a JSON object.
fn base64_json_object(text: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let raw = decode_base64(text)?;
    match serde_json::from_slice::<serde_json::Value>(&raw).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

/// `header.payload.signature`: header and payload are base64url JSON objects, the header names
/// its `alg`, the signature is base64url.
fn jwt(secret: &[u8], _: &[u8]) -> Verdict {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
        return Verdict::NotApplicable;
    };
    let header_ok = base64_json_object(header).is_some_and(|h| h.get("alg").is_some_and(|a| a.is_string()));
    let payload_ok = base64_json_object(payload).is_some();
    verdict(header_ok && payload_ok && decode_base64(signature).is_some())
}

/// The base64 characters of a PEM or OpenSSH body: header fields (`Proc-Type: …`), whitespace
/// and escaped newlines (`\n` inside a string literal) are dropped.
fn pem_body(text: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(text.len());
    let text = String::from_utf8_lossy(text).replace("\\r", "\n").replace("\\n", "\n");
    for line in text.lines() {
        // String concatenation in source (`"…" +`, `+ "…"`): drop the operator, never a `+`
        // that belongs to the base64.
        let line = line.trim();
        let line = match line.strip_suffix('+').map(str::trim_end) {
            Some(l) if l.ends_with(['"', '\'']) => l,
            _ => line,
        };
        let line = match line.strip_prefix('+').map(str::trim_start) {
            Some(l) if l.starts_with(['"', '\'']) => l,
            _ => line,
        };
        let line = line.trim_matches(|c| c == '"' || c == '\'' || c == ',');
        if line.starts_with("-----") || line.contains(':') {
            continue;
        }
        body.extend(line.bytes().filter(|b| !b.is_ascii_whitespace()));
    }
    body
}

/// A PEM private key whose body is base64 of a DER SEQUENCE with a consistent length.
fn pem_private_key(secret: &[u8], _: &[u8]) -> Verdict {
    let Some(der) = decode_base64(&pem_body(secret)) else {
        return Verdict::Invalid;
    };
    verdict(der_sequence_fits(&der))
}

/// DER: `0x30`, a definite length, and that many bytes (trailing bytes tolerated).
fn der_sequence_fits(der: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (der.first(), der.get(1)) else {
        return false;
    };
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || der.len() < 2 + n {
            return false;
        }
        (
            der[2..2 + n].iter().fold(0usize, |acc, &b| (acc << 8) | b as usize),
            2 + n,
        )
    };
    len >= 32 && header + len <= der.len()
}

/// The part of an OpenSSH private key after its fixed prefix: valid base64 of a plausible size.
fn openssh_body(secret: &[u8], _: &[u8]) -> Verdict {
    let body = pem_body(secret);
    verdict(decode_base64(&body).is_some_and(|raw| raw.len() >= 32))
}

/// Tokens carrying base64 JSON (`glc_eyJ…`, `ops_eyJ…`, `sntrys_eyJ…_…`): the segment from `eyJ`
/// to the next `_` (or the end) decodes to a JSON object.
fn embedded_json(secret: &[u8], _: &[u8]) -> Verdict {
    let Some(start) = memchr::memmem::find(secret, b"eyJ") else {
        return Verdict::NotApplicable;
    };
    let rest = &secret[start..];
    // `_` belongs to the URL-safe alphabet; try the longest prefix first, then stop at each `_`.
    let mut candidates = vec![rest];
    candidates.extend(
        rest.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'_')
            .map(|(i, _)| &rest[..i]),
    );
    verdict(candidates.iter().any(|c| base64_json_object(c).is_some()))
}

/// `pypi-…`: a base64url macaroon whose location is pypi.org (or test.pypi.org).
fn pypi_macaroon(secret: &[u8], _: &[u8]) -> Verdict {
    let Some(body) = secret.strip_prefix(b"pypi-") else {
        return Verdict::NotApplicable;
    };
    verdict(decode_base64(body).is_some_and(|raw| memchr::memmem::find(&raw, b"pypi.org").is_some()))
}

/// Discord bot tokens start with the bot's user id (a snowflake) in base64.
fn discord_bot_id(secret: &[u8], _: &[u8]) -> Verdict {
    let Some(first) = secret.split(|&b| b == b'.').next() else {
        return Verdict::NotApplicable;
    };
    verdict(decode_base64(first).is_some_and(|id| (17..=20).contains(&id.len()) && id.iter().all(u8::is_ascii_digit)))
}

/// Azure storage account keys: base64 of 64 random bytes.
fn base64_64_bytes(secret: &[u8], _: &[u8]) -> Verdict {
    verdict(decode_base64(secret).is_some_and(|raw| raw.len() == 64))
}

/// A Google service-account key file: the surrounding JSON has the fields every key file has.
fn gcp_service_account(_: &[u8], context: &[u8]) -> Verdict {
    let has = |needle: &[u8]| memchr::memmem::find(context, needle).is_some();
    let service_account = has(b"\"service_account\"") || has(b"service_account");
    verdict(service_account && has(b"client_email") && has(b"private_key\""))
}

/// AWS key ids issued since 2019 encode the account id in characters 5–12 (base32). Older keys
/// (`AKIAI…`, `AKIAJ…`) do not, so the check does not apply to them; it never fails a key.
fn aws_key_id(secret: &[u8], _: &[u8]) -> Verdict {
    if secret.len() != 20 || matches!(secret[4], b'I' | b'J') {
        return Verdict::NotApplicable;
    }
    let mut bits: u64 = 0;
    for &c in &secret[4..14] {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return Verdict::NotApplicable,
        };
        bits = (bits << 5) | v as u64;
    }
    // The first 48 bits of the base32-decoded rest; the account id is bits 7..47 of them.
    let first_six_bytes = bits >> 2;
    let account = (first_six_bytes & 0x7fff_ffff_ff80) >> 7;
    if account <= 999_999_999_999 {
        Verdict::Valid
    } else {
        Verdict::NotApplicable
    }
}

/// Generic assignments: does the value look like a credential rather than a word, an
/// identifier, a hash with a scheme prefix, an encrypted reference, a UUID or a rule string?
fn secret_shape(secret: &[u8], context: &[u8]) -> Verdict {
    verdict(secret_shape_problem(secret).is_none() && !repeats_its_name(secret, context))
}

/// Whether the value is assigned to a name that spells the same (`Erc721TooManyTokens =
/// "Erc721TooManyTokens"`, `'ed25519_passphrase': 'ed25519_passphrase'`): an enum member, a
/// constant or a field map naming itself, not a secret. Compared ignoring case and `_`, `-`, `.`.
fn repeats_its_name(secret: &[u8], context: &[u8]) -> bool {
    let normal = |b: &[u8]| -> Vec<u8> {
        b.iter()
            .filter(|b| !matches!(b, b'_' | b'-' | b'.'))
            .map(u8::to_ascii_lowercase)
            .collect()
    };
    let value = normal(secret);
    if value.len() < 4 {
        return false;
    }
    memchr::memmem::find_iter(context, secret).any(|at| {
        // Back over the assignment: quotes, `=`, `:`, `=>`, `,` (a tuple), spaces; then the name.
        let mut before = &context[..at];
        for _ in 0..8 {
            match before.last() {
                Some(b' ' | b'\t' | b'"' | b'\'' | b'=' | b':' | b',' | b'>') => before = &before[..before.len() - 1],
                _ => break,
            }
        }
        let before = before
            .strip_suffix(b"\"")
            .or_else(|| before.strip_suffix(b"'"))
            .unwrap_or(before);
        let start = before
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
            .map_or(0, |i| i + 1);
        normal(&before[start..]) == value
    })
}

/// Why a generic value does not look like a credential, if it does not.
pub fn secret_shape_problem(secret: &[u8]) -> Option<&'static str> {
    const SCHEMES: &[&[u8]] = &[
        b"$2a$",
        b"$2b$",
        b"$2y$",
        b"$argon2",
        b"$1$",
        b"$5$",
        b"$6$",
        b"$y$",
        b"$pbkdf2",
        b"pbkdf2_",
        b"bcrypt$",
        b"argon2",
        b"sha1:",
        b"sha256:",
        b"sha512:",
        b"md5:",
        b"{ssha}",
        b"{sha}",
        b"enc(",
        b"ref+",
        b"vault:",
        b"secret://",
        b"arn:",
        b"projects/",
        b"sm://",
        b"op://",
        b"awssm:",
        b"kms:",
    ];
    let lower = secret.to_ascii_lowercase();
    if SCHEMES.iter().any(|p| lower.starts_with(p)) || secret.starts_with(b"!") {
        return Some("a hash, encrypted value or secret-store reference");
    }
    if secret.len() == 36
        && secret.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
    {
        return Some("a UUID");
    }
    if secret.iter().filter(|&&b| b == b' ').count() >= 2 {
        return Some("words separated by spaces");
    }
    if memchr::memmem::find(secret, b"...").is_some() || memchr::memmem::find(secret, "\u{2026}".as_bytes()).is_some() {
        return Some("an elided example (`...`)");
    }
    if common_example_password(secret) {
        return Some("a common example password (a word and a few digits, like `test1234`)");
    }
    if secret.starts_with(b"[%") {
        return Some("a translation or template reference (`[%key:…%]`)");
    }
    if json_escaped_text(secret) {
        return Some("text written with JSON `\\u` escapes (a translation or label)");
    }
    if words_joined(secret) {
        return Some("words joined by `-` or `_`, like a name or a placeholder");
    }
    if let Some(problem) = base64_of_text(secret) {
        return Some(problem);
    }
    if secret.contains(&b'|')
        && secret
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"|:,_-.".contains(b))
    {
        return Some("a rule or option list");
    }
    let word_separators = secret.iter().filter(|&&b| b == b'-' || b == b'_').count();
    if word_separators > 0
        && secret.iter().all(|&b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
        && !secret.starts_with(b"-")
    {
        return Some("lowercase words joined by `-` or `_`, like a name");
    }
    let lowers = secret.iter().any(u8::is_ascii_lowercase);
    let uppers = secret.iter().any(u8::is_ascii_uppercase);
    let digits = secret.iter().any(u8::is_ascii_digit);
    let symbols = secret.iter().any(|b| !b.is_ascii_alphanumeric());
    let classes = [lowers, uppers, digits, symbols].into_iter().filter(|&c| c).count();
    if classes == 1 && !digits && secret.len() < 24 {
        return Some("a single word");
    }
    if !digits && !symbols && secret.len() < 24 {
        return Some("letters only, like an identifier");
    }
    if classes == 1 && digits && secret.len() < 12 {
        return Some("a short number");
    }
    if secret.len() > 4
        && secret
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
        && secret.contains(&b'.')
        && secret
            .split(|&b| b == b'.')
            .all(|part| !part.is_empty() && part.iter().all(|b| !b.is_ascii_digit()))
    {
        return Some("a dotted identifier");
    }
    code_shape_problem(secret)
}

/// Whether the value holds JSON `\uXXXX` escapes of letters outside ASCII (`Contrase\u00f1a`,
/// `\u30d1\u30b9\u30ef\u30fc\u30c9`): text in another language, as translation files write it.
fn json_escaped_text(secret: &[u8]) -> bool {
    let mut rest = secret;
    while let Some(at) = memchr::memmem::find(rest, b"\\u") {
        let hex = rest.get(at + 2..at + 6);
        if let Some(code) = hex
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
            && !code.is_ascii()
            && code.is_alphabetic()
        {
            return true;
        }
        rest = &rest[at + 2..];
    }
    false
}

/// `test1234`, `Password123!`, `admin@123`, `testing123`: a common word that example and
/// default passwords are made of, then only digits and punctuation.
fn common_example_password(secret: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"password",
        b"passw0rd",
        b"pass",
        b"test",
        b"testing",
        b"tester",
        b"secret",
        b"admin",
        b"demo",
        b"sample",
        b"guest",
        b"user",
        b"root",
        b"letmein",
        b"welcome",
        b"qwerty",
        b"default",
        b"mypassword",
        b"foobar",
        b"hello",
        b"abc",
    ];
    let lower = secret.to_ascii_lowercase();
    let letters = lower.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (word, rest) = lower.split_at(letters);
    WORDS.contains(&word) && rest.len() <= 8 && rest.iter().all(|b| b.is_ascii_digit() || b"!@#$%&*._-".contains(b))
}

/// Two or more words of letters only, each lowercase, uppercase or capitalised, joined by `-` or
/// `_` (`Reranking-Api-Key`, `MY-APIFY-TOKEN`, `Api_Key`): a header name, a label or a
/// placeholder. Random tokens mix cases inside a group or carry digits.
fn words_joined(secret: &[u8]) -> bool {
    // `widgets:api-keys:manage` (a scope): `:` joins words too, with three groups or more
    // (two, `user:word`, may be a credential).
    let colon_groups = secret.split(|&b| b == b':').count();
    if colon_groups == 2 {
        return false;
    }
    let groups: Vec<&[u8]> = secret.split(|&b| matches!(b, b'-' | b'_' | b':')).collect();
    // `X-Supervisor-Token`: a one-letter group is fine beside two real words.
    let words = groups.iter().filter(|g| g.len() >= 3).count();
    groups.len() >= 2
        && words >= 2.min(groups.len())
        && groups.iter().all(|g| {
            !g.is_empty()
                && (g.len() >= 2 || words >= 2)
                && g.iter().all(u8::is_ascii_alphabetic)
                && (g.iter().all(u8::is_ascii_lowercase)
                    || g.iter().all(u8::is_ascii_uppercase)
                    || (g[0].is_ascii_uppercase() && g[1..].iter().all(u8::is_ascii_lowercase)))
        })
}

/// Base64 (standard or URL-safe) that decodes to printable text which itself does not look like
/// a credential (`bXlzdGVyaW91c1BhZ2luYXRpb25Ub2tlbg==` is `mysteriousPaginationToken`): why,
/// if so. Text with a `:` is left alone (`user:password` is a credential).
fn base64_of_text(secret: &[u8]) -> Option<&'static str> {
    if secret.len() < 12
        || !secret
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='))
    {
        return None;
    }
    let decoded = general_purpose::STANDARD
        .decode(secret)
        .or_else(|_| general_purpose::URL_SAFE.decode(secret))
        .or_else(|_| general_purpose::STANDARD_NO_PAD.decode(secret))
        .or_else(|_| general_purpose::URL_SAFE_NO_PAD.decode(secret))
        .ok()?;
    if decoded.len() < 8 || !decoded.iter().all(|b| (0x20..0x7f).contains(b)) {
        return None;
    }
    let lower = decoded.to_ascii_lowercase();
    if (lower.starts_with(b"https://") || lower.starts_with(b"http://")) && !decoded.contains(&b'@') {
        return Some("base64 of a URL without credentials");
    }
    if !decoded.iter().any(u8::is_ascii_alphabetic) {
        return Some("base64 of numbers (a cursor or pagination token)");
    }
    (!decoded.contains(&b':') && secret_shape_problem(&decoded).is_some())
        .then_some("base64 of plain text, not of a credential")
}

/// Why a generic value is code rather than a credential, if it is: a template, a type or
/// reference notation, a struct tag, a call, or a path of identifiers made of ordinary words
/// (`PostgresqlConfig16.PasswordEncryption.ValueType`, `os.environ/OPENAI_API_KEY`,
/// `baseTokenHandler`, `.responses_output`).
fn code_shape_problem(secret: &[u8]) -> Option<&'static str> {
    let text = std::str::from_utf8(secret).ok()?;
    if let Some(open) = text.find('{')
        && text[open..].contains('}')
    {
        return Some("a template or format string");
    }
    if ["%s", "%d", "%r", "%v", "%q"].iter().any(|f| text.contains(f)) {
        return Some("a format string (`%s`)");
    }
    let lower = text.to_ascii_lowercase();
    const ENV_REFERENCES: [&str; 8] = [
        "os.environ",
        "os.getenv",
        "process.env",
        "env.",
        "environ[",
        "getenv(",
        "system.getenv",
        "environment.getenvironmentvariable",
    ];
    // `0x` and 40 hex digits: an Ethereum address, public by design (a private key has 64).
    if text.len() == 42 && lower.starts_with("0x") && text[2..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some("an Ethereum address (public)");
    }
    if ENV_REFERENCES.iter().any(|p| lower.starts_with(p)) {
        return Some("an environment variable reference");
    }
    if text.starts_with(['(', ')']) || text.ends_with('(') {
        return Some("a code fragment");
    }
    // `+this._config.token),method:`: a concatenation that the match ran into.
    if let Some(rest) = text.strip_prefix('+') {
        let head: &str = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$'))
            .next()
            .unwrap_or("");
        if head.contains('.') && is_identifier_path(head) {
            return Some("a code fragment (a concatenation)");
        }
    }
    // `@brackets`, `@@webpack/…`: a reference to a named state, decorator or macro.
    if let Some(name) = text
        .trim_start_matches('@')
        .strip_prefix(|c: char| c.is_ascii_alphabetic())
        && text.starts_with('@')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_./-$".contains(&b))
    {
        return Some("a reference (`@name`)");
    }
    // `,DuplicateBinding:`, `r.password,s.host=r.host,s.port=r.port`: code the match ran into.
    if text.starts_with(',')
        || text.ends_with(':')
        || (text.matches('=').count() >= 2 && text.contains(',') && text.contains('.'))
    {
        return Some("a code fragment");
    }
    // `new_password1`, `passwordConfirm`: a name that mentions what it names, not a value.
    let lower_text = text.to_ascii_lowercase();
    if ["password", "passwd", "secret", "token"]
        .iter()
        .any(|w| lower_text.contains(w))
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && text.bytes().filter(u8::is_ascii_digit).count() <= 2
    {
        return Some("a name that mentions what it names (`new_password1`)");
    }
    // `--passwd-entry`: a command-line option's name.
    if let Some(option) = text.strip_prefix("--")
        && option.len() >= 3
        && option.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    {
        return Some("a command-line option's name");
    }
    // `.module_name` (Python's lazy imports map class names to relative modules).
    if let Some(module) = text.strip_prefix('.')
        && module.split('.').all(|m| {
            m.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
                && m.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
    {
        return Some("a relative module path");
    }
    // `token-counting-2024-11-01`, `k8s-env-literal-secret`: lowercase words (and numbers)
    // joined, mostly words: a name or a version.
    let groups: Vec<&str> = text.split(['-', '_']).collect();
    let word_groups = groups
        .iter()
        .filter(|g| g.len() >= 3 && g.bytes().all(|b| b.is_ascii_lowercase()))
        .count();
    if groups.len() >= 3
        && word_groups >= 2
        && word_groups * 2
            >= groups
                .iter()
                .filter(|g| g.bytes().any(|b| b.is_ascii_alphabetic()))
                .count()
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    {
        return Some("words and numbers joined by `-` or `_`, like a name or version");
    }
    let after_question = text.strip_prefix('?').and_then(|t| t.bytes().next());
    if after_question.is_some_and(|b| b.is_ascii_alphabetic()) || text.starts_with("#/") || lower.starts_with("urn:") {
        return Some("a type, JSON pointer or URN");
    }
    let items: Vec<&str> = text.split(',').collect();
    let item = |i: &&str| {
        let (name, value) = i.split_once('=').unwrap_or((i, "x"));
        let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        word(name) && word(value)
    };
    let snake = |i: &&str| {
        i.contains('_')
            && i.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && i.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if (items.len() >= 3 && items.iter().all(item)) || (items.len() >= 2 && items.iter().all(snake)) {
        return Some("a struct tag or a list of names");
    }
    let core = text.strip_prefix('.').unwrap_or(text);
    let core = core.trim_end_matches(['!', '?']);
    if let Some(open) = core.find('(')
        && open > 0
        && is_identifier_path(&core[..open])
    {
        return Some("a function call");
    }
    if is_identifier_path(core) && looks_like_code_words(core) {
        return Some("a code identifier or reference");
    }
    // `StreamDescription.Shards[-1].ShardId`: an index does not make a path less of a path.
    // `config[CONF_PASSWORD]`, `os.environ["X"]`: a lookup by a name or key is code.
    let unindexed = without_indices(core);
    if unindexed.len() < core.len()
        && is_identifier_path(&unindexed)
        && (unindexed.len() >= 3 && core.ends_with(']') || looks_like_code_words(&unindexed))
    {
        return Some("a code identifier or reference");
    }
    if is_file_path_or_route(text) {
        return Some("a file path or route");
    }
    if is_generic_type(core) {
        return Some("a type name");
    }
    None
}

/// `List[V1ObjectReference]`, `Map<String, Secret>`, `Optional[str]`: a generic type.
fn is_generic_type(text: &str) -> bool {
    let Some(open) = text.find(['[', '<']) else {
        return false;
    };
    // `AuthPluginDefinition<{` (the match stopped inside the type's arguments).
    if text[open..] == *"<" || text[open..] == *"<{" || text[open..] == *"<(" {
        return is_identifier_path(&text[..open]) && text.bytes().next().is_some_and(|b| b.is_ascii_uppercase());
    }
    let close = if text.as_bytes()[open] == b'[' { ']' } else { '>' };
    let (outer, inner) = (&text[..open], &text[open + 1..]);
    let Some(inner) = inner.strip_suffix(close) else {
        return false;
    };
    outer.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && is_identifier_path(outer)
        && inner.split([',', '[', ']', '<', '>']).all(|t| {
            let t = t.trim();
            t.is_empty() || is_identifier_path(t)
        })
}

/// `a[0].b[-1]` → `a.b`, `config[CONF_PASSWORD]` → `config`: indices (numbers, names,
/// quoted keys) removed.
fn without_indices(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        let inside = &rest[open + 1..open + close];
        let index = inside.strip_prefix('-').unwrap_or(inside);
        let index = index.trim_matches(['"', '\'']);
        out.push_str(&rest[..open]);
        let is_index = !index.is_empty() && (index.bytes().all(|b| b.is_ascii_digit()) || is_identifier_path(index));
        if !is_index {
            out.push_str(&rest[open..=open + close]);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// `popup/index.html#/at-risk-passwords`, `static/img/logo.svg`: a path with a `/` and a
/// segment that ends in a common file extension.
fn is_file_path_or_route(text: &str) -> bool {
    // `v1/objects/encryption-keys`, `storage-systems/%s/passwords`: an API route of words.
    let segments: Vec<&str> = text.trim_matches('/').split('/').collect();
    let route_segment = |s: &&str| {
        *s == "%s"
            || (s.starts_with('{') && s.ends_with('}'))
            || (s.len() >= 2 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit()))
            || (s.bytes().any(|b| b.is_ascii_lowercase())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
                && s.split(['-', '_'])
                    .any(|w| w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase())))
    };
    if segments.len() >= 2 && segments.iter().all(route_segment) {
        return true;
    }
    const EXTENSIONS: &[&str] = &[
        "html", "htm", "js", "mjs", "ts", "json", "php", "py", "rb", "yml", "yaml", "xml", "txt", "md", "png", "svg",
        "jpg", "gif", "css", "jsp", "aspx", "pem", "crt", "key", "conf", "cfg", "ini", "toml", "sh",
    ];
    text.contains('/')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/.-_#?=&~".contains(&b))
        && text.split(['/', '#', '?']).any(|segment| {
            segment
                .rsplit_once('.')
                .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
        })
}

/// `a`, `a.b`, `a/b`, `a::b`, `a->b`: identifiers joined by member or path separators.
fn is_identifier_path(text: &str) -> bool {
    let normalised = text.replace("::", ".").replace("->", ".");
    !normalised.is_empty()
        && normalised.split(['.', '/', ':']).all(|segment| {
            let mut bytes = segment.bytes();
            bytes
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
                && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        })
}

/// Whether an identifier path reads as code: two or more segments, or one compound of three
/// or more words; few digits; and the 4-letter sequences inside its words are mostly among the
/// most frequent of ordinary source text (random tokens split into short fragments whose
/// sequences are rare).
fn looks_like_code_words(path: &str) -> bool {
    let segments = path.split(['.', '/', ':', '-', '>']).filter(|s| !s.is_empty()).count();
    let words = sub_words(path);
    if segments < 2 && words.len() < 3 {
        return false;
    }
    let digits = path.bytes().filter(u8::is_ascii_digit).count();
    if digits * 100 > path.len() * 15 {
        return false;
    }
    let (mut grams, mut common) = (0usize, 0usize);
    for word in words.iter().filter(|w| w.len() >= 4) {
        for window in word.as_bytes().windows(4) {
            grams += 1;
            if crate::keyword_filter::is_common_gram([window[0], window[1], window[2], window[3]]) {
                common += 1;
            }
        }
    }
    grams >= 4 && common * 100 >= grams * 40
}

/// The words of an identifier: runs of letters split at camel-case boundaries (`APIKeyList`
/// → `API`, `Key`, `List`); digits and punctuation separate words.
fn sub_words(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        let letter = b.is_some_and(|b| b.is_ascii_alphabetic());
        let boundary = match (start, b) {
            (Some(s), Some(b)) if letter && i > s => {
                let prev = bytes[i - 1];
                let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
                (prev.is_ascii_lowercase() && b.is_ascii_uppercase())
                    || (prev.is_ascii_uppercase() && b.is_ascii_uppercase() && next_lower)
            }
            _ => false,
        };
        if let Some(s) = start
            && (!letter || boundary)
        {
            words.push(&text[s..i]);
            start = None;
        }
        if letter && start.is_none() {
            start = Some(i);
        }
    }
    words
}

/// Passwords that only appear in documentation and samples.
const DOCUMENTATION_PASSWORDS: &[&str] = &[
    "pass",
    "password",
    "passwd",
    "secret",
    "pwd",
    "passw0rd",
    "p@ssw0rd",
    "changeit",
    "admin",
    "test",
    "guest",
    "replace_me",
    "replaceme",
];

/// `Authorization: Basic …`: base64 of `user:password` with a non-empty password.
fn basic_auth(secret: &[u8], _: &[u8]) -> Verdict {
    let Some(raw) = general_purpose::STANDARD
        .decode(secret)
        .ok()
        .or_else(|| decode_base64(secret))
    else {
        return Verdict::Invalid;
    };
    let Ok(text) = std::str::from_utf8(&raw) else {
        return Verdict::Invalid;
    };
    match text.split_once(':') {
        Some((user, password)) => verdict(
            !user.is_empty()
                && password.len() >= 4
                && !text.chars().any(|c| c.is_control())
                && super::placeholder_reason(password.as_bytes()).is_none()
                && !DOCUMENTATION_PASSWORDS.contains(&password.to_ascii_lowercase().as_str()),
        ),
        None => Verdict::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(data: &[u8]) -> String {
        general_purpose::URL_SAFE_NO_PAD.encode(data)
    }

    #[test]
    fn github_checksums() {
        let valid = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
        assert_eq!(github_crc32(valid.as_bytes(), b""), Verdict::Valid);
        let mut broken = valid.as_bytes().to_vec();
        broken[10] = if broken[10] == b'a' { b'b' } else { b'a' };
        assert_eq!(github_crc32(&broken, b""), Verdict::Invalid);
        assert_eq!(github_crc32(b"ghr_short", b""), Verdict::NotApplicable);
        assert_eq!(npm_crc32(b"npm_x", b""), Verdict::NotApplicable);
    }

    #[test]
    fn grafana_checksum() {
        let key = concat!("glsa_", "Qm9vZ3FqTzVxWlJ2c1F0bTNlYkR5Uzdr");
        let crc: String = crc32fast::hash(key.as_bytes())
            .to_le_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let token = format!("{key}_{crc}");
        assert_eq!(grafana_crc32(token.as_bytes(), b""), Verdict::Valid);
        let wrong = format!("{key}_00000000");
        assert_eq!(grafana_crc32(wrong.as_bytes(), b""), Verdict::Invalid);
    }

    #[test]
    fn age_keys() {
        let data: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
        let hrp = bech32::Hrp::parse("age-secret-key-").unwrap();
        let key = bech32::encode::<bech32::Bech32>(hrp, &data).unwrap().to_uppercase();
        assert_eq!(age_bech32(key.as_bytes(), b""), Verdict::Valid);
        let mut broken = key.into_bytes();
        let last = broken.len() - 1;
        broken[last] = if broken[last] == b'Q' { b'P' } else { b'Q' };
        assert_eq!(age_bech32(&broken, b""), Verdict::Invalid);
    }

    #[test]
    fn jwts() {
        let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = b64(br#"{"sub":"1234","iat":1700000000}"#);
        let token = format!("{header}.{payload}.c2lnbmF0dXJlLWJ5dGVzLWhlcmU");
        assert_eq!(jwt(token.as_bytes(), b""), Verdict::Valid);
        let no_alg = format!("{}.{payload}.c2ln", b64(br#"{"typ":"JWT"}"#));
        assert_eq!(jwt(no_alg.as_bytes(), b""), Verdict::Invalid);
        let garbage = format!("{header}.eyJnotjsonatall.c2ln");
        assert_eq!(jwt(garbage.as_bytes(), b""), Verdict::Invalid);
    }

    #[test]
    fn pem_bodies_keep_base64_plus_signs() {
        let body = "-----BEGIN PRIVATE KEY-----\n+abc\nde+\n-----END PRIVATE KEY-----";
        assert_eq!(pem_body(body.as_bytes()), b"+abcde+");
        let concatenated = "\"-----BEGIN PRIVATE KEY-----\\n\" +\n  \"+abc\" +\n  \"de+\"";
        assert_eq!(pem_body(concatenated.as_bytes()), b"+abcde+");
    }

    #[test]
    fn pem_bodies() {
        let mut der = vec![0x30, 0x81, 0x40];
        der.extend(std::iter::repeat_n(0x02, 0x40));
        let body = general_purpose::STANDARD.encode(&der);
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n{}\n-----END PRIVATE KEY-----",
            &body[..40],
            &body[40..]
        );
        assert_eq!(pem_private_key(pem.as_bytes(), b""), Verdict::Valid);
        let escaped = pem.replace('\n', "\\n");
        assert_eq!(pem_private_key(escaped.as_bytes(), b""), Verdict::Valid);
        let random = "-----BEGIN PRIVATE KEY-----\nTm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0IHRoYXQgZmlsbHMgc3BhY2U=\n-----END PRIVATE KEY-----";
        assert_eq!(pem_private_key(random.as_bytes(), b""), Verdict::Invalid);
    }

    #[test]
    fn embedded_json_and_macaroons() {
        let token = format!(
            "glc_{}",
            general_purpose::STANDARD.encode(br#"{"o":"1","n":"stack","k":"abc"}"#)
        );
        assert_eq!(embedded_json(token.as_bytes(), b""), Verdict::Valid);
        let sentry = format!(
            "sntrys_{}_{}",
            b64(br#"{"iat":1,"url":"https://sentry.io"}"#),
            "a".repeat(43)
        );
        assert_eq!(embedded_json(sentry.as_bytes(), b""), Verdict::Valid);
        assert_eq!(embedded_json(b"glc_eyJxxxxxxxxxxxx", b""), Verdict::Invalid);
        let pypi = format!("pypi-{}", b64(b"\x02\x01\x08pypi.org\x02\x25identifier-bytes-here"));
        assert_eq!(pypi_macaroon(pypi.as_bytes(), b""), Verdict::Valid);
    }

    #[test]
    fn discord_and_azure_and_basic_auth() {
        let id = b64(b"123456789012345678");
        let token = format!("{id}.GhIjKl.{}", "x".repeat(38));
        assert_eq!(discord_bot_id(token.as_bytes(), b""), Verdict::Valid);
        assert_eq!(
            discord_bot_id(b"MTAbcdefghijklmnopqrstuvw.GhIjKl.x", b""),
            Verdict::Invalid
        );
        let key = general_purpose::STANDARD.encode([7u8; 64]);
        assert_eq!(base64_64_bytes(key.as_bytes(), b""), Verdict::Valid);
        let auth = general_purpose::STANDARD.encode("deploy:s3cr3t-Passw0rd");
        assert_eq!(basic_auth(auth.as_bytes(), b""), Verdict::Valid);
        let no_colon = general_purpose::STANDARD.encode("just-a-token-value");
        assert_eq!(basic_auth(no_colon.as_bytes(), b""), Verdict::Invalid);
    }

    #[test]
    fn secret_shapes() {
        for good in [
            "Vq7!rT2mZx9pLw4e",
            "8hX2qmP0zRt5WcLk",
            "7fa1b99ea6fad349256604c632d6d0086ddc1a59",
            "s3cr3t-v4lue",
        ] {
            assert_eq!(secret_shape_problem(good.as_bytes()), None, "{good}");
        }
        for bad in [
            concat!("$2b$12$", "KIXQJQ8bY5nH2uE5yQW1NeFhL3mP0sQe7rT9uV1wX3yZ5aB7cD9eF"),
            "ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)",
            "ref+awsssm://prod/db/password",
            "0b7f9a6e-3c2d-4e1f-9a8b-7c6d5e4f3a2b",
            "required|string|min:12",
            "confirmNewPassword",
            "bearer",
            "123456",
            "user.password",
            "not a real secret value",
        ] {
            assert!(secret_shape_problem(bad.as_bytes()).is_some(), "{bad}");
        }
    }

    #[test]
    fn code_is_not_a_credential_and_credentials_are_not_code() {
        // Values seen in real packages after a credential-named key.
        for code in [
            "PostgresqlConfig16.PasswordEncryption.ValueType",
            "MysqlConfig8_0.AuthPlugin.ValueType",
            "global___PasswordEncryption",
            "os.environ/OPENAI_API_KEY",
            "SomeList.NextMarker",
            "baseTokenHandler",
            "emptyOboTokenProvider",
            "PasswordLoginModeEnum!",
            "WorkspaceApiKeyListResponseModel",
            ".responses_output_tokens_details",
            "?PasswordPolicies",
            "#/components/schemas/ApiKey",
            "urn:ietf:params:oauth:grant-type:token-exchange",
            "sk-{secrets.token_urlsafe(16)}",
            "bytes,5,opt,name=password,proto3",
            "settings.get_secret(KEY)",
            ".exchangeauthcodeforapikey",
            "os.environ/PERPLEXITYAI_API_KEY",
            "token-counting-2024-11-01",
            "k8s-env-literal-secret",
            "prompt_tokens_details,cached_tokens",
            "),$?Re.createElement(",
            "sts:GetWebIdentityToken",
            "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
            // Seen in third-party SDKs (session 13's training corpora).
            "StreamDescription.Shards[-1].ShardId",
            "popup/index.html#/at-risk-passwords",
            "Reranking-Api-Key",
            "MY-APIFY-TOKEN",
            "Contrase\\u00f1a",
            "\\u30d1\\u30b9\\u30ef\\u30fc\\u30c9",
            "API-Schl\\u00fcssel",
            "secret-key-0123abcd...",
            "ABC1+123...TOKEN==",
            "bXlzdGVyaW91c1BhZ2luYXRpb25Ub2tlbg==",
            "X-Supervisor-Token",
            "List[V1ObjectReference]",
            "Map<String, Secret>",
            "MTY4MDg3NTExMzc2OS85MDY2NDA1ODIyNw==",
            "aHR0cHM6Ly9kZXYtY2xvdWQuZXhhbXBsZS5jb20vYXBpL3Yy",
            "v1/objects/encryption-keys",
            "storage-systems/%s/passwords",
            "org/users/current-user/s3-access-keys",
            "widgets:api-keys:manage",
            "--passwd-entry",
            "+this._instance.config.token),method:",
            "self.device_config[CONF_USE_PSK]",
            "user_input[CONF_NOISE_PSK]",
            "[%key:component::esphome::config::step::encryption_key::data::noise_psk%]",
            "testing123",
            "test1234",
            "Password123!",
            "admin@123",
            "[set=%s]\\n",
            "@brackets",
            "@@webpack/runtime",
            ",DuplicateBinding:",
            "r.password,s.host=r.host,s.port=r.port",
            "new_password2",
            "AuthPluginDefinition<{",
            "Bearer-%s",
        ] {
            assert!(secret_shape_problem(code.as_bytes()).is_some(), "{code}");
        }
        // Credentials, including ones with dots, slashes and words in them.
        for secret in [
            concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"),
            "Zq8Lm3Rt7Vw2Xy9Kp4Nb6Hc1Jd5Fg0S",
            "Summer2024",
            "XTF.~OYWPuNBW7E_",
            "kDq3Xv9LmZ.Yw2Jd8eR1tq7HsVb0nGfPz",
            "Tr0ub4dor3",
            "hunter2hunter2",
            "qX7/vR2+kL9mP4wZ8nT1bY6cH3jD0fG5",
            "s3cr3t-v4lue-2024",
            "x7-k9-m2",
            "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
            "c2VjcmV0LXZhbHVlOnBhc3M=",
            "Xk9-Qm2-Lp7",
            "pass\\u0041word9Z",
            "Xk9[mQ2]Lz",
            "Blue-Horse-7",
            "deploy:hunter",
            "+Zq8Lm3Rt7Vw2Xy9Kp4Nb6Hc1Jd5Fg0S",
            "kd82/ja91/lq03",
        ] {
            assert_eq!(secret_shape_problem(secret.as_bytes()), None, "{secret}");
        }
        assert_eq!(
            sub_words("APIKeyList_v2.nextMarker"),
            ["API", "Key", "List", "v", "next", "Marker"]
        );
    }

    #[test]
    fn a_value_that_repeats_its_name_is_not_a_secret() {
        for (secret, context) in [
            (
                "Erc721TooManyTokens",
                "  Erc721TooManyTokens = \"Erc721TooManyTokens\",\n",
            ),
            ("ed25519_passphrase", "    'ed25519_passphrase': 'ed25519_passphrase',"),
            ("apiKey", "{\"apiKey\": \"apiKey\"}"),
            ("isAuthKeySuiteB1x", "(\"isAuthKeySuiteB1x\", \"isAuthKeySuiteB1x\"),"),
        ] {
            assert!(repeats_its_name(secret.as_bytes(), context.as_bytes()), "{context}");
            assert_eq!(secret_shape(secret.as_bytes(), context.as_bytes()), Verdict::Invalid);
        }
        for (secret, context) in [
            ("Zq8Lm3Rt7Vw2Xy9K", "api_key = \"Zq8Lm3Rt7Vw2Xy9K\""),
            (
                "Zq8Lm3Rt7Vw2Xy9K",
                "Zq8Lm3Rt7Vw2Xy9K = 1\nsecret = \"Zq8Lm3Rt7Vw2Xy9K\"",
            ),
        ] {
            assert!(!repeats_its_name(secret.as_bytes(), context.as_bytes()), "{context}");
        }
    }

    #[test]
    fn every_generic_rule_example_keeps_its_secret_shape() {
        let rules = crate::RuleSet::builtin().unwrap();
        let detector = crate::detect::Detector::new(&rules);
        let shaped = |r: &&crate::Rule| r.validators.iter().any(|(name, _)| *name == "secret-shape");
        let mut checked = 0;
        for rule in rules.rules().iter().filter(shaped) {
            for example in &rule.examples {
                let found = detector.detect(example.as_bytes());
                // Another rule may win the span (a provider prefix): only the rule's own match.
                if let Some(c) = found.iter().find(|c| rules.rules()[c.rule].id == rule.id) {
                    assert_eq!(c.validation, Some(("secret-shape", true)), "{}: {example}", rule.id);
                    checked += 1;
                }
            }
        }
        assert!(checked > 30, "only {checked} examples checked");
    }

    #[test]
    fn service_accounts_and_aws() {
        let ctx = br#"{"type": "service_account", "private_key_id": "x", "private_key": "...", "client_email": "a@b"}"#;
        assert_eq!(gcp_service_account(b"x", ctx), Verdict::Valid);
        assert_eq!(
            gcp_service_account(b"x", br#"{"private_key_id": "x"}"#),
            Verdict::Invalid
        );
        assert_eq!(
            aws_key_id(concat!("AKIA", "IOSFODNN7EXAMPL2").as_bytes(), b""),
            Verdict::NotApplicable
        );
        assert_eq!(
            aws_key_id(concat!("AKIA", "DU2X4TDYFSHAVIGR").as_bytes(), b""),
            Verdict::Valid
        );
    }
}
