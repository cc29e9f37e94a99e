//! Deterministic sharding: `--shard K/N` (1-based: `1/4` … `4/4`) keeps the inputs whose
//! stable hash falls into share K, so N jobs of any scheduler (a CI matrix, a Kubernetes
//! Indexed Job) together cover every input exactly once.
//!
//! The hash is the first 8 bytes (big-endian) of `sha256(key)` modulo N, where the key is the
//! input's path as given, relative to the audit root, `/`-separated (so every machine computes
//! the same share whatever its checkout directory is).

use sha2::{Digest, Sha256};

/// `--shard` was not `K/N` with `1 <= K <= N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard `{0}`: expected K/N with 1 <= K <= N (for example 1/4)")]
pub struct ShardError(pub String);

/// One share of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index of this share.
    pub index: u64,
    /// Number of shares.
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` with `1 <= K <= N`.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError(text.to_string());
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The 1-based share `key` belongs to.
    pub fn share_of(key: &str, count: u64) -> u64 {
        let digest = Sha256::digest(normalise(key).as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % count.max(1) + 1
    }

    /// Whether `key` belongs to this share.
    pub fn contains(&self, key: &str) -> bool {
        Shard::share_of(key, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `/`-separated, without a leading `./` or trailing `/`.
fn normalise(key: &str) -> String {
    let key = key.replace('\\', "/");
    let key = key.trim_start_matches("./").trim_end_matches('/');
    key.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_validates() {
        assert_eq!(Shard::parse("2/3").ok(), Some(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_partition_the_inputs() {
        let keys: Vec<String> = (0..500).map(|i| format!("org/repo-{i}")).collect();
        for n in [1, 2, 3, 7] {
            let mut counts = vec![0; n as usize];
            for key in &keys {
                let owners: Vec<u64> = (1..=n)
                    .filter(|k| Shard { index: *k, count: n }.contains(key))
                    .collect();
                assert_eq!(owners.len(), 1, "{key} in exactly one of {n} shares");
                counts[(owners[0] - 1) as usize] += 1;
            }
            assert!(counts.iter().all(|c| *c > 0), "{counts:?}");
        }
        assert_eq!(Shard::share_of("./a/b/", 5), Shard::share_of("a/b", 5));
    }
}
