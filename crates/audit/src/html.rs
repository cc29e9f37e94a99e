//! The HTML audit report: one self-contained file (inline CSS and JavaScript, no network
//! access), with findings by rule, by repository and by age, a timeline of when secrets were
//! introduced, filters, and the findings table with redacted snippets.
//!
//! The data is embedded as JSON in a `<script type="application/json">` element with `<`, `>`
//! and `&` escaped as `\u003c`, `\u003e`, `\u0026`, so no value can close the element.

use std::io::{self, Write};

use super::model::{FindingRecord, RepositoryRecord};

/// Escapes JSON text so that it can sit inside a `<script>` element.
pub fn script_safe_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Writes the page.
pub fn write_html(
    repositories: &[RepositoryRecord],
    findings: &[FindingRecord],
    out: &mut dyn Write,
) -> io::Result<()> {
    let data = serde_json::json!({
        "generated_at": super::now(),
        "repositories": repositories,
        "findings": findings,
    });
    let data = script_safe_json(&serde_json::to_string(&data)?);
    let open = findings.iter().filter(|f| f.is_open()).count();
    let fixed = findings.iter().filter(|f| f.fixed_at.is_some()).count();
    let failed = repositories
        .iter()
        .filter(|r| r.status != super::model::RepoStatus::Ok)
        .count();
    let summary = format!(
        "{} repositories ({} not fully audited) · {} findings · {} open · {} fixed",
        repositories.len(),
        failed,
        findings.len(),
        open,
        fixed
    );
    let page = TEMPLATE
        .replace("{{SUMMARY}}", &escape(&summary))
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
        .replace("{{DATA}}", &data);
    out.write_all(page.as_bytes())
}

const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>leakscan audit report</title>
<style>
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#667085; --line:#e3e6eb; --accent:#3b5bdb;
        --crit:#c92a2a; --high:#e8590c; --med:#f08c00; --low:#5c7cfa; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
header { background:#1d2330; color:#fff; padding:16px 24px; }
header h1 { margin:0; font-size:20px; }
header p { margin:4px 0 0; color:#c5cad3; }
main { padding:16px 24px; max-width:1400px; margin:auto; }
.cards { display:flex; gap:12px; flex-wrap:wrap; margin-bottom:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-width:140px; }
.card b { display:block; font-size:24px; }
.card span { color:var(--muted); }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap:16px; margin-bottom:16px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
section h2 { font-size:15px; margin:0 0 8px; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; }
td.n { text-align:right; font-variant-numeric:tabular-nums; }
.bar { height:10px; background:var(--accent); border-radius:3px; }
.filters { display:flex; gap:8px; flex-wrap:wrap; margin-bottom:8px; align-items:center; }
.filters input, .filters select { padding:4px 6px; border:1px solid var(--line); border-radius:4px; font:inherit; }
code, .snip { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.snip { background:#f1f3f5; padding:2px 4px; border-radius:3px; word-break:break-all; }
.sev { font-weight:600; }
.sev-critical { color:var(--crit); } .sev-high { color:var(--high); } .sev-medium { color:var(--med); } .sev-low { color:var(--low); }
.state { padding:1px 6px; border-radius:10px; font-size:12px; background:#e7f5ff; }
.state-open { background:#ffe3e3; } .state-fixed { background:#d3f9d8; } .state-accepted-risk { background:#fff3bf; }
.state-false-positive, .state-revoked { background:#e9ecef; }
svg text { font-size:10px; fill:var(--muted); }
#count { color:var(--muted); }
</style>
</head>
<body>
<header>
<h1>leakscan audit report</h1>
<p id="summary">{{SUMMARY}}</p>
</header>
<main>
<noscript><p>This report needs JavaScript to draw its tables; the data is embedded in the page source.</p></noscript>
<div class="cards" id="cards"></div>
<div class="grid">
<section><h2>Findings by rule</h2><table id="by-rule"></table></section>
<section><h2>Findings by repository</h2><table id="by-repo"></table></section>
<section><h2>Findings by age (when introduced)</h2><table id="by-age"></table></section>
</div>
<section style="margin-bottom:16px"><h2>Timeline: secrets introduced per month</h2><div id="timeline"></div></section>
<section>
<h2>Findings <span id="count"></span></h2>
<div class="filters">
<label>State <select id="f-state"><option value="">all</option></select></label>
<label>Severity <select id="f-sev"><option value="">all</option></select></label>
<label>Rule <select id="f-rule"><option value="">all</option></select></label>
<label>Repository <input id="f-repo" placeholder="name contains…"></label>
<label>Text <input id="f-text" placeholder="path, snippet…"></label>
</div>
<table id="findings"><thead><tr><th>State</th><th>Severity</th><th>Repository</th><th>Location</th><th>Rule</th><th>Snippet (redacted)</th><th>Introduced</th><th>Last seen</th></tr></thead><tbody></tbody></table>
</section>
<p style="color:var(--muted)">Generated by leakscan {{VERSION}}. Secrets are redacted; fingerprints identify findings for <code>leakscan triage</code>.</p>
</main>
<script type="application/json" id="data">{{DATA}}</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const F = DATA.findings;
const state = f => f.fixed_at ? "fixed" : (f.status || "open");
const introduced = f => (f.commit && f.commit.date) ? f.commit.date : f.first_seen;
const SEV = ["critical", "high", "medium", "low"];
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === "class") e.className = v; else e.setAttribute(k, v); }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
function countBy(list, key) {
  const m = new Map();
  for (const f of list) { const k = key(f); m.set(k, (m.get(k) || 0) + 1); }
  return [...m.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
}
function barTable(id, rows, head) {
  const t = document.getElementById(id);
  t.replaceChildren(el("tr", {}, el("th", {}, head), el("th", {}, "findings"), el("th", {}, "")));
  const max = Math.max(1, ...rows.map(r => r[1]));
  for (const [k, n] of rows) {
    const bar = el("div", { class: "bar", style: "width:" + Math.round(100 * n / max) + "%" });
    t.append(el("tr", {}, el("td", {}, k), el("td", { class: "n" }, n), el("td", { style: "width:40%" }, bar)));
  }
  if (!rows.length) t.append(el("tr", {}, el("td", { colspan: 3 }, "none")));
}
function ageBucket(f) {
  const d = Date.parse(introduced(f));
  if (isNaN(d)) return "unknown";
  const days = (Date.now() - d) / 86400000;
  if (days < 30) return "< 30 days";
  if (days < 90) return "30–90 days";
  if (days < 365) return "90 days – 1 year";
  return "> 1 year";
}
function timeline(list) {
  const months = countBy(list.filter(f => introduced(f)), f => introduced(f).slice(0, 7)).sort((a, b) => a[0].localeCompare(b[0]));
  const box = document.getElementById("timeline");
  if (!months.length) { box.textContent = "no dated findings"; return; }
  const W = Math.max(300, months.length * 34), H = 140, max = Math.max(...months.map(m => m[1]));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("role", "img");
  months.forEach(([m, n], i) => {
    const h = Math.round((H - 34) * n / max), x = i * 34 + 6;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", x); r.setAttribute("y", H - 20 - h); r.setAttribute("width", 24); r.setAttribute("height", h);
    r.setAttribute("fill", "#3b5bdb");
    const t = document.createElementNS(ns, "title"); t.textContent = m + ": " + n; r.append(t);
    const lab = document.createElementNS(ns, "text"); lab.setAttribute("x", x - 4); lab.setAttribute("y", H - 6); lab.textContent = m;
    const val = document.createElementNS(ns, "text"); val.setAttribute("x", x + 8); val.setAttribute("y", H - 24 - h); val.textContent = n;
    svg.append(r, lab, val);
  });
  box.replaceChildren(svg);
}
function fill(id, values) {
  const s = document.getElementById(id);
  for (const v of values) s.append(el("option", { value: v }, v));
}
const cards = document.getElementById("cards");
const byState = new Map(countBy(F, state));
for (const [label, n] of [["findings", F.length], ["open", byState.get("open") || 0], ["fixed", byState.get("fixed") || 0],
    ["triaged", F.filter(f => !f.fixed_at && (f.status || "open") !== "open").length], ["repositories", DATA.repositories.length],
    ["not fully audited", DATA.repositories.filter(r => r.status !== "ok").length]]) {
  cards.append(el("div", { class: "card" }, el("b", {}, n), el("span", {}, label)));
}
fill("f-state", [...new Set(F.map(state))].sort());
fill("f-sev", SEV.filter(s => F.some(f => f.severity === s)));
fill("f-rule", [...new Set(F.map(f => f.rule))].sort());
function render() {
  const st = document.getElementById("f-state").value, sev = document.getElementById("f-sev").value;
  const rule = document.getElementById("f-rule").value, repo = document.getElementById("f-repo").value.toLowerCase();
  const text = document.getElementById("f-text").value.toLowerCase();
  const list = F.filter(f => (!st || state(f) === st) && (!sev || f.severity === sev) && (!rule || f.rule === rule)
    && (!repo || f.repository.toLowerCase().includes(repo))
    && (!text || (f.path + " " + f.snippet + " " + f.fingerprint).toLowerCase().includes(text)));
  barTable("by-rule", countBy(list, f => f.rule), "rule");
  barTable("by-repo", countBy(list, f => f.repository), "repository");
  const order = ["< 30 days", "30–90 days", "90 days – 1 year", "> 1 year", "unknown"];
  barTable("by-age", countBy(list, ageBucket).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])), "age");
  timeline(list);
  const body = document.querySelector("#findings tbody");
  body.replaceChildren();
  for (const f of list.slice(0, 2000)) {
    const s = state(f);
    body.append(el("tr", { title: "fingerprint " + f.fingerprint + (f.triage_reason ? "\ntriage: " + f.triage_reason : "") },
      el("td", {}, el("span", { class: "state state-" + s }, s)),
      el("td", { class: "sev sev-" + f.severity }, f.severity),
      el("td", {}, f.repository),
      el("td", {}, el("code", {}, f.path + ":" + f.line + ":" + f.column)),
      el("td", {}, f.rule),
      el("td", {}, el("span", { class: "snip" }, f.snippet)),
      el("td", {}, (introduced(f) || "").slice(0, 10)),
      el("td", {}, (f.last_seen || "").slice(0, 10))));
  }
  document.getElementById("count").textContent = "(" + list.length + " shown" + (list.length > 2000 ? ", first 2000 listed" : "") + ")";
}
for (const id of ["f-state", "f-sev", "f-rule", "f-repo", "f-text"]) document.getElementById(id).addEventListener("input", render);
render();
document.body.setAttribute("data-rendered", "yes");
</script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_the_script() {
        let safe = script_safe_json(r#"{"s":"</script><script>alert(1)</script>"}"#);
        assert!(!safe.contains("</script"));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back["s"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn page_has_no_external_urls() {
        let mut out = Vec::new();
        write_html(&[], &[], &mut out).unwrap_or_default();
        let page = String::from_utf8_lossy(&out);
        assert!(!page.contains("https://") && !page.contains("http://cdn"));
        assert!(page.contains("leakscan audit report"));
    }
}
