//! Metadata shown next to findings (commit author and summary, image name and the build
//! instruction that created a layer) comes from the scanned input, so it may hold a secret. The
//! metadata is also scanned as content by its source (commit messages, ref names and the image
//! config are blobs of their own kind); this module masks it wherever it is *shown*: every
//! span any rule matches (suppressed matches included: a placeholder filter is no reason to
//! print a value) and every token-shaped run (see [`leakscan_model::mask`]).

use std::collections::HashMap;
use std::sync::Arc;

use leakscan_model::LayerInfo;
use leakscan_model::finding::Finding;
use leakscan_rules::RuleSet;
use leakscan_rules::detect::Detector;
use leakscan_sources::CommitInfo;

/// Masks the metadata of findings, each distinct commit and layer once.
pub struct MetadataMasker<'r> {
    detector: Detector<'r>,
    commits: HashMap<String, Arc<CommitInfo>>,
    layers: HashMap<(String, String, usize, bool), Arc<LayerInfo>>,
}

impl<'r> MetadataMasker<'r> {
    /// A masker that finds secrets with `rules`.
    pub fn new(rules: &'r RuleSet) -> MetadataMasker<'r> {
        MetadataMasker {
            detector: Detector::diagnostic(rules),
            commits: HashMap::new(),
            layers: HashMap::new(),
        }
    }

    /// `text` with every rule match and token-shaped run masked (control characters are left
    /// for the reporters, which escape them in their own way).
    pub fn mask(&self, text: &str) -> String {
        if text.is_empty() {
            return String::new();
        }
        let spans: Vec<_> = self
            .detector
            .detect(text.as_bytes())
            .into_iter()
            .filter(|c| !c.evidence)
            .map(|c| c.secret)
            .collect();
        leakscan_model::mask::mask_spans(text.as_bytes(), &spans)
    }

    /// Masks the commit and layer metadata of every finding.
    pub fn mask_findings(&mut self, findings: &mut [Finding]) {
        for f in findings {
            f.origin.map_commit(|c| match self.commits.get(&c.id) {
                Some(m) => m.clone(),
                None => {
                    let m = Arc::new(self.commit(c));
                    self.commits.insert(c.id.clone(), m.clone());
                    m
                }
            });
            f.origin.map_layer(|l| {
                let key = (l.image.clone(), l.digest.clone(), l.index, l.deleted_later);
                match self.layers.get(&key) {
                    Some(m) => m.clone(),
                    None => {
                        let m = Arc::new(self.layer(l));
                        self.layers.insert(key, m.clone());
                        m
                    }
                }
            });
        }
    }

    fn commit(&self, c: &CommitInfo) -> CommitInfo {
        CommitInfo {
            id: c.id.clone(),
            author: self.mask(&c.author),
            date: c.date.clone(),
            summary: self.mask(&c.summary),
            walk_order: c.walk_order,
        }
    }

    fn layer(&self, l: &LayerInfo) -> LayerInfo {
        LayerInfo {
            image: self.mask(&l.image),
            digest: l.digest.clone(),
            index: l.index,
            created_by: l.created_by.as_deref().map(|c| self.mask(c)),
            deleted_later: l.deleted_later,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakscan_model::Provenance;

    const TOKEN: &str = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
    /// Matches a rule (a keyword and a value) but is not token-shaped on its own.
    const PASSWORD: &str = "hunter2hunter2";

    #[test]
    fn every_rule_match_and_token_shaped_run_is_masked() {
        let rules = RuleSet::builtin().unwrap();
        let masker = MetadataMasker::new(&rules);
        let text = format!("Add deploy key {TOKEN} and PGPASSWORD={PASSWORD} for staging");
        let masked = masker.mask(&text);
        assert!(!masked.contains(TOKEN), "{masked}");
        assert!(masked.starts_with("Add deploy key ghp_…"), "{masked}");
        assert!(masked.ends_with(" for staging"), "{masked}");
        assert_eq!(masker.mask("Fix typo in README"), "Fix typo in README");
    }

    #[test]
    fn findings_share_one_masked_commit() {
        let rules = RuleSet::builtin().unwrap();
        let mut masker = MetadataMasker::new(&rules);
        let commit = Arc::new(CommitInfo {
            id: "a".repeat(40),
            author: format!("Eve <{TOKEN}@example.com>"),
            date: "2026-01-01T00:00:00Z".into(),
            summary: format!("token {TOKEN}"),
            walk_order: 0,
        });
        let scanner = crate::Scanner::builder().rules(rules.clone()).build().unwrap();
        let mut f = scanner.scan_bytes("x", TOKEN.as_bytes()).remove(0);
        f.origin.provenance = Provenance::CommitMessage(commit);
        let mut findings = vec![f.clone(), f];
        masker.mask_findings(&mut findings);
        let a = findings[0].origin.commit().unwrap();
        assert!(!a.summary.contains(TOKEN) && !a.author.contains(TOKEN), "{a:?}");
        assert!(Arc::ptr_eq(a, findings[1].origin.commit().unwrap()));
    }
}
