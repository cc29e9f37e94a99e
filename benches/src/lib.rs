//! Seeded synthetic corpora shared by leakscan's benchmarks (no randomness from the OS: the
//! same seed gives the same bytes on every machine).

/// A tiny xorshift64* generator: deterministic and dependency-free.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `len` characters from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

const WORDS: &[&str] = &[
    "let", "fn", "return", "if", "else", "match", "self", "value", "count", "buffer", "index", "result", "error",
    "config", "request", "response", "user", "name", "path", "file", "data", "items", "len", "map", "iter", "collect",
    "String", "Vec", "Option", "Some", "None", "Ok", "Err", "impl", "struct", "pub", "use", "mod",
];

/// Source-like text of about `size` bytes: identifiers, operators and comments. With
/// `keyword_hits`, one line in about forty mentions a rule keyword (`password`, `token`,
/// `secret`, `api_key`, `AKIA`, `ghp_`) without being a secret, and one in about 2,000 lines
/// holds a fake, format-valid token.
pub fn source_corpus(seed: u64, size: usize, keyword_hits: bool) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(size + 256);
    let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    while out.len() < size {
        let indent = "    ".repeat(rng.below(4));
        let roll = rng.below(2000);
        if keyword_hits && roll == 0 {
            out.push_str(&format!("{indent}let token = \"ghp_{}\";\n", rng.string(alnum, 36)));
        } else if keyword_hits && roll < 50 {
            let lines = [
                "let password = user.password.clone();",
                "// the token is read from the environment",
                "let secret = std::env::var(\"APP_SECRET\")?;",
                "config.api_key = None;",
                "assert!(!key.starts_with(\"AKIA\"));",
                "if prefix == \"ghp_\" { return Kind::Classic; }",
            ];
            out.push_str(&indent);
            out.push_str(lines[rng.below(lines.len())]);
            out.push('\n');
        } else if roll < 200 {
            out.push_str(&format!(
                "{indent}// {} {} {}\n",
                WORDS[rng.below(WORDS.len())],
                WORDS[rng.below(WORDS.len())],
                WORDS[rng.below(WORDS.len())]
            ));
        } else {
            let n = 3 + rng.below(8);
            let line: Vec<&str> = (0..n).map(|_| WORDS[rng.below(WORDS.len())]).collect();
            out.push_str(&indent);
            out.push_str(&line.join(" "));
            out.push_str(";\n");
        }
    }
    out.into_bytes()
}

/// Alphabet of AWS access key ids after the `AKIA` prefix (base32).
const AWS_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// One line of `count` AWS-shaped access key ids separated by spaces (a hostile file: many
/// findings on one line).
pub fn many_keys_on_one_line(seed: u64, count: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let keys: Vec<String> = (0..count)
        .map(|_| format!("AKIA{}", rng.string(AWS_ALPHABET, 16)))
        .collect();
    (keys.join(" ") + "\n").into_bytes()
}

/// One line of about `size` bytes of `api_key = "<32 characters>"; ` assignments.
pub fn assignments_on_one_line(seed: u64, size: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(size + 64);
    while out.len() < size {
        out.push_str("api_key = \"");
        out.push_str(&rng.string(ALNUM, 32));
        out.push_str("\"; ");
    }
    out.push('\n');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_deterministic_and_sized() {
        let a = source_corpus(7, 10_000, true);
        assert_eq!(a, source_corpus(7, 10_000, true));
        assert!(a.len() >= 10_000 && a.len() < 10_400);
        assert_ne!(a, source_corpus(8, 10_000, true));
    }
}
