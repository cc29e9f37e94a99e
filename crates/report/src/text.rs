//! The text reporter: findings grouped by file, then errors, skips and a one-line summary.

use std::io::{self, Write};

use super::{ReportOptions, Reporter, shown};
use leakscan_model::mask::sanitize;
use leakscan_model::report::ScanReport;
use leakscan_model::{RuleCatalog, Severity};

/// Shows findings for people; colour only when [`ReportOptions::color`] is set.
#[derive(Debug, Clone, Copy)]
pub struct TextReporter {
    /// Display options.
    pub options: ReportOptions,
}

/// How many skipped inputs are listed one by one before the rest are only counted.
const SKIPPED_LISTED: usize = 20;

impl TextReporter {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.options.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        self.paint(code, &format!("{:<8}", s.as_str()))
    }
}

/// ` as login=octocat, scopes=repo` for a verified finding with identity fields.
fn identity_text(f: &leakscan_model::Finding) -> String {
    f.verification.as_ref().map(|v| v.identity_text()).unwrap_or_default()
}

impl Reporter for TextReporter {
    fn write(&self, report: &ScanReport, _rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
        let gate = self.options.gate;
        let findings: Vec<_> = shown(report, &self.options)
            .filter(|f| f.is_suppressed() || gate.fails(f) || self.options.verbose)
            .collect();
        let below_gate = report.active_findings().filter(|f| !gate.fails(f)).count();
        // Live credentials first: what to revoke now.
        let live: Vec<_> = findings
            .iter()
            .filter(|f| !f.is_suppressed() && f.verification.as_ref().is_some_and(|v| v.is_live()))
            .collect();
        if !live.is_empty() {
            writeln!(
                out,
                "{}",
                self.paint(
                    "1;31",
                    &format!(
                        "{} live credential(s): the provider accepted them; revoke first",
                        live.len()
                    )
                )
            )?;
            for f in &live {
                writeln!(
                    out,
                    "  {}:{}  {}{}",
                    sanitize(&f.origin.display),
                    f.start.line,
                    self.paint("1", &f.rule_id),
                    identity_text(f)
                )?;
            }
            writeln!(out)?;
        }
        let mut current: Option<&str> = None;
        let mut files = 0;
        for f in &findings {
            if current != Some(f.origin.display.as_str()) {
                if current.is_some() {
                    writeln!(out)?;
                }
                files += 1;
                writeln!(out, "{}", self.paint("1", &sanitize(&f.origin.display)))?;
                current = Some(&f.origin.display);
            }
            let pos = format!("{}:{}", f.start.line, f.start.column);
            write!(
                out,
                "  {:<9} {} {}  {} [{} confidence]",
                pos,
                self.severity(f.severity),
                self.paint("1", &f.rule_id),
                f.rule_name,
                f.confidence.as_str()
            )?;
            if let Some(encoding) = f.encoding {
                write!(out, " {}", self.paint("2", &format!("({encoding}-encoded)")))?;
            }
            if let Some(note) = &f.confidence_note {
                write!(out, " {}", self.paint("2", &format!("(confidence lowered: {note})")))?;
            }
            if let Some(v) = &f.verification {
                let text = format!("[{}]", v.status.as_str().to_uppercase());
                let code = if v.is_live() { "1;31" } else { "2" };
                write!(out, " {}", self.paint(code, &text))?;
            }
            if let Some(s) = &f.suppression {
                write!(out, " {}", self.paint("2", &format!("(suppressed: {s})")))?;
            } else if !gate.fails(f) {
                write!(out, " {}", self.paint("2", "(below the fail gate)"))?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "  {:<9} {}",
                "",
                self.paint("2", &sanitize(&f.snippet(self.options.show_secrets)))
            )?;
            if let Some(detail) = &f.detail {
                writeln!(out, "  {:<9} {}", "", sanitize(detail))?;
            }
            if let Some(v) = &f.verification {
                writeln!(
                    out,
                    "  {:<9} verification: {} ({}){}",
                    "",
                    v.status.as_str(),
                    sanitize(&v.reason),
                    identity_text(f)
                )?;
            }
            if let Some(c) = f.origin.commit() {
                let short = &c.id[..c.id.len().min(10)];
                let state = f
                    .origin
                    .at_head()
                    .map(|h| format!(" [{}]", h.describe()))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {:<9} introduced in {short} by {} on {}: {}{state}",
                    "",
                    sanitize(&c.author),
                    c.date,
                    sanitize(&c.summary)
                )?;
            }
            if let Some(layer) = f.origin.layer() {
                let what = if layer.digest == "config" {
                    format!("image {} config", layer.image)
                } else {
                    format!("image {} layer {} ({})", layer.image, layer.index, layer.digest)
                };
                let by = layer
                    .created_by
                    .as_deref()
                    .map(|c| format!(", created by `{c}`"))
                    .unwrap_or_default();
                let deleted = if layer.deleted_later {
                    " [deleted in a later layer: still in the image]"
                } else {
                    ""
                };
                writeln!(out, "  {:<9} in {}{}{deleted}", "", sanitize(&what), sanitize(&by))?;
            }
            let later = f.origin.later_versions();
            if !later.is_empty() {
                let shown: Vec<&str> = later
                    .iter()
                    .take(5)
                    .map(|v| &v.commit[..v.commit.len().min(10)])
                    .collect();
                let more = if later.len() > 5 {
                    format!(", … {} more", later.len() - 5)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "  {:<9} still in {} later version(s) of the file: {}{more}",
                    "",
                    later.len(),
                    shown.join(", ")
                )?;
            }
            if let Some(list) = f.origin.occurrences() {
                let shown: Vec<String> = list
                    .iter()
                    .take(5)
                    .map(|o| format!("{}:{}", &o.commit[..o.commit.len().min(10)], sanitize(&o.path)))
                    .collect();
                let more = if list.len() > 5 {
                    format!(", … {} more", list.len() - 5)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "  {:<9} in {} commit/path pairs: {}{more}",
                    "",
                    list.len(),
                    shown.join(", ")
                )?;
            }
        }
        if !findings.is_empty() {
            writeln!(out)?;
        }
        if !report.errors.is_empty() {
            writeln!(
                out,
                "{}",
                self.paint(
                    "1;31",
                    &format!("Errors ({}): these inputs were not scanned", report.errors.len())
                )
            )?;
            for e in &report.errors {
                let path = if e.path.is_empty() { "<walk>" } else { &e.path };
                writeln!(out, "  {}: {}", sanitize(path), sanitize(&e.message))?;
            }
            writeln!(out)?;
        }
        if !report.skipped.is_empty() {
            writeln!(out, "Skipped ({}):", report.skipped.len())?;
            for s in report.skipped.iter().take(SKIPPED_LISTED) {
                writeln!(
                    out,
                    "  {}: {} ({})",
                    sanitize(&s.path),
                    s.reason.as_str(),
                    sanitize(&s.detail)
                )?;
            }
            if report.skipped.len() > SKIPPED_LISTED {
                writeln!(
                    out,
                    "  … and {} more (see --format json)",
                    report.skipped.len() - SKIPPED_LISTED
                )?;
            }
            writeln!(out)?;
        }
        if !report.warnings.is_empty() {
            writeln!(
                out,
                "{}",
                self.paint("33", &format!("Warnings ({}):", report.warnings.len()))
            )?;
            for w in &report.warnings {
                writeln!(out, "  {}", sanitize(w))?;
            }
            writeln!(out)?;
        }
        if !report.notifications.is_empty() {
            writeln!(
                out,
                "{}",
                self.paint("33", &format!("Configuration ({}):", report.notifications.len()))
            )?;
            for n in &report.notifications {
                writeln!(out, "  {}: {}", n.level.as_str(), sanitize(&n.line()))?;
            }
            writeln!(out)?;
        }
        if let Some(h) = report.history() {
            let shallow = if h.shallow {
                " (shallow clone: older history is missing)"
            } else {
                ""
            };
            writeln!(
                out,
                "History: {} commits, {} unique blobs{shallow}",
                h.commits, h.unique_blobs
            )?;
            if !h.submodules.is_empty() {
                writeln!(out, "Submodules (not followed): {}", sanitize(&h.submodules.join(", ")))?;
            }
        }
        if let Some(s) = report.staged() {
            writeln!(out, "Staged: {} changed file{}", s.changed, plural(s.changed as usize))?;
        }
        let st = &report.stats;
        let count = findings.iter().filter(|f| gate.fails(f)).count();
        let headline = match count {
            0 => "no findings".to_string(),
            1 => format!("1 finding in {files} file{}", plural(files)),
            n => format!("{n} findings in {files} file{}", plural(files)),
        };
        let headline = if count > 0 {
            self.paint("1;31", &headline)
        } else {
            self.paint("1;32", &headline)
        };
        let headline = if below_gate > 0 {
            let hint = if self.options.verbose { "" } else { ", shown with -v" };
            format!("{headline} ({below_gate} more below the fail gate{hint})")
        } else {
            headline
        };
        let mut skipped = format!("{} skipped", st.skipped_total());
        if st.skipped_total() > 0 {
            let parts: Vec<String> = st.skipped.iter().map(|(r, n)| format!("{n} {}", r.as_str())).collect();
            skipped = format!("{skipped} ({})", parts.join(", "));
        }
        writeln!(
            out,
            "{headline} · {} file{}, {} scanned in {:.2} s ({:.1} MB/s) · {} suppressed · {skipped} · {} error{}",
            st.blobs,
            plural(st.blobs as usize),
            human_bytes(st.bytes),
            st.elapsed.as_secs_f64(),
            st.megabytes_per_second(),
            st.suppressed,
            st.errors,
            plural(st.errors as usize),
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `1234567` → `1.2 MB` (decimal units).
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
