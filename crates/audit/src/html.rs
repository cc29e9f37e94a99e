//! The HTML audit report: one self-contained file (inline CSS and JavaScript, no network
//! access), with findings by rule, by repository and by age, a timeline of when secrets were
//! introduced, filters, and the findings list.
//!
//! The findings are listed in [`report_order`] (live credentials first, then severity, then
//! confidence, then repository, path and line) as HTML written here, every value escaped, so the list reads without
//! JavaScript. Each finding shows its location, redacted snippet, commit (short id), author,
//! date, fingerprint, the latest verification verdict (a red LIVE badge when the provider
//! accepted the credential) and the rule's remediation, and has a stable `id` ([`anchor`]) with a link
//! to itself: `report.html#<id>` opens the page at that finding. The layout wraps long paths,
//! snippets and fingerprints instead of scrolling sideways (checked in headless Chromium at 1280
//! and 390 px wide by `scanner-cli/tests/audit.rs`).
//!
//! The data the charts and filters use is embedded as JSON in a `<script
//! type="application/json">` element with `<`, `>` and `&` escaped as `\u003c`, `\u003e`,
//! `\u0026`, so no value can close the element.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::model::{FindingRecord, RepositoryRecord};
use leakscan_model::RuleCatalog;

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

/// A finding's severity, confidence, state and triage status names: the one place the page
/// reads those fields.
fn levels(f: &FindingRecord) -> (&str, &str, &str, &str) {
    (
        f.severity.as_str(),
        f.confidence.as_str(),
        f.state().as_str(),
        f.status.as_str(),
    )
}

/// The rank of a severity or confidence name: `critical` 3, `high` 2, `medium` 1, `low` 0,
/// anything else below `low`.
fn rank(level: &str) -> i8 {
    match level {
        "critical" => 3,
        "high" => 2,
        "medium" => 1,
        "low" => 0,
        _ => -1,
    }
}

/// The order of the page: live credentials (latest verdict) first, then severity (critical
/// first), confidence (high first), repository, path, line, column, rule and fingerprint.
pub fn report_order(findings: &[FindingRecord]) -> Vec<&FindingRecord> {
    let mut sorted: Vec<&FindingRecord> = findings.iter().collect();
    sorted.sort_by(|a, b| compare(a, b));
    sorted
}

fn compare(a: &FindingRecord, b: &FindingRecord) -> Ordering {
    let (sev_a, conf_a, ..) = levels(a);
    let (sev_b, conf_b, ..) = levels(b);
    b.is_live()
        .cmp(&a.is_live())
        .then(rank(sev_b).cmp(&rank(sev_a)))
        .then(rank(conf_b).cmp(&rank(conf_a)))
        .then_with(|| a.repository.cmp(&b.repository))
        .then_with(|| a.path.cmp(&b.path))
        .then(a.line.cmp(&b.line))
        .then(a.column.cmp(&b.column))
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.fingerprint.cmp(&b.fingerprint))
}

/// The finding's `id` on the page, stable across reports: `f-`, the first 12 letters and
/// digits of its fingerprint (what `leakscan triage` accepts as a prefix), `-`, and 8 hex
/// digits of `sha256(repository ‖ NUL ‖ fingerprint)` (the same fingerprint can occur in
/// several repositories).
pub fn anchor(f: &FindingRecord) -> String {
    let readable: String = f
        .fingerprint
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    let mut h = Sha256::new();
    h.update(f.repository.as_bytes());
    h.update([0]);
    h.update(f.fingerprint.as_bytes());
    let digest: String = h.finalize()[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("f-{readable}-{digest}")
}

/// Writes the page. `rules` gives each rule's remediation text; a rule it lacks gets a
/// general advice and a pointer to `leakscan rules explain`.
pub fn write_html(
    repositories: &[RepositoryRecord],
    findings: &[FindingRecord],
    rules: &RuleCatalog,
    out: &mut dyn Write,
) -> io::Result<()> {
    let sorted = report_order(findings);
    let data = serde_json::json!({
        "generated_at": super::now(),
        "repositories": repositories,
        "findings": sorted,
    });
    let data = script_safe_json(&serde_json::to_string(&data)?);
    let open = findings.iter().filter(|f| f.is_open()).count();
    let fixed = findings.iter().filter(|f| f.fixed_at.is_some()).count();
    let failed = repositories
        .iter()
        .filter(|r| r.status != super::model::RepoStatus::Ok)
        .count();
    let live = findings.iter().filter(|f| f.is_live()).count();
    let mut summary = format!(
        "{} repositories ({} not fully audited) · {} findings · {} open · {} fixed",
        repositories.len(),
        failed,
        findings.len(),
        open,
        fixed
    );
    if live > 0 {
        summary.push_str(&format!(" · {live} live"));
    }
    let mut list = String::new();
    let mut ids = HashSet::new();
    for (i, f) in sorted.iter().enumerate() {
        let mut id = anchor(f);
        let mut n = 1;
        while !ids.insert(id.clone()) {
            n += 1;
            id = format!("{}-{n}", anchor(f));
        }
        finding_html(&mut list, i, &id, f, rules);
    }
    if sorted.is_empty() {
        list.push_str("<li class=\"none\">No findings.</li>\n");
    }
    let page = TEMPLATE
        .replace("{{SUMMARY}}", &escape(&summary))
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
        .replace("{{FINDINGS}}", &list)
        .replace("{{DATA}}", &data);
    out.write_all(page.as_bytes())
}

/// One finding as a list item; every value escaped.
fn finding_html(out: &mut String, index: usize, id: &str, f: &FindingRecord, rules: &RuleCatalog) {
    let (severity, confidence, state, status) = levels(f);
    let (severity, confidence, state) = (escape(severity), escape(confidence), escape(state));
    let id = escape(id);
    let dash = "<span class=\"none\">—</span>".to_string();
    let (commit, author, date) = match &f.commit {
        Some(c) => {
            let short: String = c.id.chars().take(10).collect();
            let summary = if c.summary.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"muted\">{}</span>", escape(&c.summary))
            };
            let or_dash = |text: &str| if text.is_empty() { dash.clone() } else { escape(text) };
            (
                format!("<code title=\"{}\">{}</code>{summary}", escape(&c.id), escape(&short)),
                or_dash(&c.author),
                or_dash(&c.date),
            )
        }
        None => (
            "<span class=\"none\">none recorded (working-tree audit)</span>".to_string(),
            dash.clone(),
            format!("{} <span class=\"muted\">(first seen)</span>", escape(&f.first_seen)),
        ),
    };
    let mut seen = format!("first {} · last {}", escape(&f.first_seen), escape(&f.last_seen));
    if let Some(at) = &f.fixed_at {
        seen.push_str(&format!(" · <b>fixed {}</b>", escape(at)));
    }
    let triage = if f.triaged_by.is_some() || f.triage_reason.is_some() {
        format!(
            "<dt>Triage</dt><dd>{}{}{}{}</dd>",
            escape(status),
            f.triaged_by
                .as_deref()
                .map(|w| format!(" by {}", escape(w)))
                .unwrap_or_default(),
            f.triaged_at
                .as_deref()
                .map(|w| format!(" at {}", escape(w)))
                .unwrap_or_default(),
            f.triage_reason
                .as_deref()
                .map(|w| format!(": {}", escape(w)))
                .unwrap_or_default(),
        )
    } else {
        String::new()
    };
    let remediation = match rules
        .get(&f.rule)
        .map(|r| &r.remediation)
        .filter(|r| !r.trim().is_empty())
    {
        Some(text) => escape(text),
        None => format!(
            "Revoke or rotate the secret where it was issued, then remove it from the code and, \
             where it matters, from the history. (No remediation text for this rule in the rule \
             set the report was written with: see <code>leakscan rules explain {}</code>.)",
            escape(&f.rule)
        ),
    };
    let (live_badge, verification) = match &f.verification {
        Some(v) => {
            let status = escape(v.status.as_str());
            let identity: Vec<String> = v
                .identity
                .iter()
                .map(|i| format!("{}={}", escape(&i.name), escape(&i.value)))
                .collect();
            let identity = if identity.is_empty() {
                String::new()
            } else {
                format!(" as <code>{}</code>", identity.join(", "))
            };
            (
                if v.is_live() {
                    "<span class=\"badge live\" title=\"The provider accepted this credential: revoke it first\">LIVE</span>"
                } else {
                    ""
                },
                format!(
                    "<dt>Verification</dt><dd><span class=\"verif verif-{status}\">{status}</span>{identity} \
                     <span class=\"muted\">({}) at {}</span></dd>",
                    escape(&v.reason),
                    escape(&v.checked_at)
                ),
            )
        }
        None => ("", String::new()),
    };
    let blob = f
        .blob_id
        .as_deref()
        .map(|b| format!("<dt>Blob</dt><dd><code>{}</code></dd>", escape(b)))
        .unwrap_or_default();
    out.push_str(&format!(
        "<li class=\"finding sev-{severity}\" id=\"{id}\" data-i=\"{index}\" data-sev=\"{severity}\" data-conf=\"{confidence}\">\n\
<div class=\"fhead\">{live_badge}<span class=\"badge sev sev-{severity}\">{severity}</span>\
<span class=\"badge conf\">{confidence} confidence</span>\
<span class=\"state state-{state}\">{state}</span>\
<span class=\"title\">{name} <code>{rule}</code></span>\
<a class=\"permalink\" href=\"#{id}\" title=\"Link to this finding\" aria-label=\"Link to this finding\">#</a></div>\n\
<div class=\"fbody\"><div>\
<p class=\"loc\"><b>{repo}</b> <code>{path}:{line}:{column}</code></p>\
<pre class=\"snip\" title=\"snippet, secret redacted\">{snippet}</pre>\
<div class=\"fix\"><h3>Remediation</h3><p>{remediation}</p></div></div>\n\
<dl class=\"meta\"><dt>Commit</dt><dd>{commit}</dd><dt>Author</dt><dd>{author}</dd><dt>Date</dt><dd>{date}</dd>\
<dt>Seen</dt><dd>{seen}</dd>{verification}{triage}{blob}\
<dt>Fingerprint</dt><dd><code class=\"fp\">{fingerprint}</code></dd></dl></div>\n</li>\n",
        name = escape(&f.rule_name),
        rule = escape(&f.rule),
        repo = escape(&f.repository),
        path = escape(&f.path),
        line = f.line,
        column = f.column,
        snippet = escape(&f.snippet),
        fingerprint = escape(&f.fingerprint),
    ));
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
        --crit:#c92a2a; --high:#e8590c; --med:#b35f00; --low:#4263eb; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust:100%; text-size-adjust:100%; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink);
       overflow-wrap:anywhere; }
header { background:#1d2330; color:#fff; padding:16px clamp(10px, 3vw, 24px); }
header h1 { margin:0; font-size:20px; }
header p { margin:4px 0 0; color:#c5cad3; }
main { padding:16px clamp(8px, 3vw, 24px); max-width:1400px; margin:auto; }
.cards { display:flex; gap:12px; flex-wrap:wrap; margin-bottom:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; flex:1 1 120px; min-width:0; }
.card b { display:block; font-size:24px; }
.card span { color:var(--muted); }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(min(300px, 100%), 1fr)); gap:16px; margin-bottom:16px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px clamp(8px, 2vw, 16px); min-width:0; }
section h2 { font-size:15px; margin:0 0 8px; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; white-space:nowrap; }
td.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.bar { height:10px; background:var(--accent); border-radius:3px; }
.chart { overflow-x:auto; }
.filters { display:flex; gap:8px 12px; flex-wrap:wrap; margin-bottom:10px; align-items:center; }
.filters label { display:flex; gap:4px; align-items:center; max-width:100%; min-width:0; white-space:nowrap; }
.filters input, .filters select { padding:4px 6px; border:1px solid var(--line); border-radius:4px; font:inherit; max-width:100%; min-width:0; }
code, pre, .snip { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.muted, .none { color:var(--muted); }
.state { padding:1px 6px; border-radius:10px; font-size:12px; background:#e7f5ff; }
.state-open { background:#ffe3e3; } .state-fixed { background:#d3f9d8; } .state-accepted-risk { background:#fff3bf; }
.state-false-positive, .state-revoked { background:#e9ecef; }
.sev-critical { --sev:var(--crit); } .sev-high { --sev:var(--high); } .sev-medium { --sev:var(--med); } .sev-low { --sev:var(--low); }
.findings { list-style:none; margin:0; padding:0; display:grid; gap:12px; }
.finding { background:var(--card); border:1px solid var(--line); border-left:4px solid var(--sev, var(--line)); border-radius:8px;
           padding:10px 12px; min-width:0; scroll-margin-top:8px; }
.finding:target { outline:3px solid var(--accent); outline-offset:1px; }
.fhead { display:flex; flex-wrap:wrap; gap:4px 8px; align-items:center; }
.fhead .title { font-weight:600; flex:1 1 12rem; min-width:0; }
.fhead .title code { font-weight:400; color:var(--muted); }
.badge { display:inline-block; padding:0 6px; border-radius:10px; font-size:12px; border:1px solid var(--line); }
.badge.live { color:#fff; background:var(--crit); border-color:var(--crit); font-weight:700; letter-spacing:.05em; }
.verif { padding:1px 6px; border-radius:10px; font-size:12px; background:#e9ecef; }
.verif-live { background:var(--crit); color:#fff; font-weight:700; } .verif-revoked { background:#d3f9d8; }
.badge.sev { color:#fff; background:var(--sev, var(--muted)); border-color:var(--sev, var(--muted)); font-weight:700; text-transform:uppercase; }
.permalink { text-decoration:none; color:var(--accent); font-weight:700; padding:0 6px; border:1px solid var(--line); border-radius:4px; }
.fbody { display:grid; grid-template-columns:repeat(auto-fit, minmax(min(24rem, 100%), 1fr)); gap:8px 24px; margin-top:8px; }
.fbody > * { min-width:0; }
.loc { margin:0 0 6px; }
pre.snip { margin:0 0 8px; padding:6px 8px; background:#f1f3f5; border-radius:4px; white-space:pre-wrap; overflow-wrap:anywhere; }
.fix h3 { font-size:12px; text-transform:uppercase; color:var(--muted); margin:0; }
.fix p { margin:2px 0 0; }
dl.meta { display:grid; grid-template-columns:max-content minmax(0, 1fr); gap:2px 10px; margin:0; align-content:start; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; min-width:0; }
code.fp { user-select:all; -webkit-user-select:all; background:#f1f3f5; padding:0 3px; border-radius:3px; }
svg text { font-size:10px; fill:var(--muted); }
#count { color:var(--muted); font-weight:400; }
</style>
</head>
<body>
<header>
<h1>leakscan audit report</h1>
<p id="summary">{{SUMMARY}}</p>
</header>
<main>
<noscript><p>The charts and filters need JavaScript; the findings are listed below without it.</p></noscript>
<div class="cards" id="cards"></div>
<div class="grid">
<section><h2>Findings by rule</h2><table id="by-rule"></table></section>
<section><h2>Findings by repository</h2><table id="by-repo"></table></section>
<section><h2>Findings by age (when introduced)</h2><table id="by-age"></table></section>
</div>
<section style="margin-bottom:16px"><h2>Timeline: secrets introduced per month</h2><div id="timeline" class="chart"></div></section>
<section>
<h2>Findings <span id="count"></span></h2>
<p class="muted">Live credentials first, then by severity, confidence, repository, path and line. Secrets are redacted. The <b>#</b> of a finding links to it; its fingerprint names it for <code>leakscan triage</code>.</p>
<div class="filters">
<label>State <select id="f-state"><option value="">all</option></select></label>
<label>Severity <select id="f-sev"><option value="">all</option></select></label>
<label>Verification <select id="f-verif"><option value="">all</option></select></label>
<label>Rule <select id="f-rule"><option value="">all</option></select></label>
<label>Repository <input id="f-repo" placeholder="name contains…"></label>
<label>Text <input id="f-text" placeholder="path, snippet, commit…"></label>
</div>
<ol class="findings" id="findings">
{{FINDINGS}}</ol>
</section>
<p class="muted">Generated by leakscan {{VERSION}}. Secrets are redacted; fingerprints identify findings for <code>leakscan triage</code>.</p>
</main>
<script type="application/json" id="data">{{DATA}}</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const F = DATA.findings;
const ITEMS = [...document.querySelectorAll("#findings > li.finding")];
const state = f => f.fixed_at ? "fixed" : (f.status || "open");
const introduced = f => (f.commit && f.commit.date) ? f.commit.date : f.first_seen;
const SEV = ["critical", "high", "medium", "low"];
const FILTERS = ["f-state", "f-sev", "f-verif", "f-rule", "f-repo", "f-text"];
const verdict = f => f.verification ? f.verification.status : "not verified";
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
  const W = Math.max(280, months.length * 34), H = 140, max = Math.max(...months.map(m => m[1]));
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
    ["triaged", F.filter(f => !f.fixed_at && (f.status || "open") !== "open").length],
    ["live", F.filter(f => verdict(f) === "live").length], ["repositories", DATA.repositories.length],
    ["not fully audited", DATA.repositories.filter(r => r.status !== "ok").length]]) {
  cards.append(el("div", { class: "card" }, el("b", {}, n), el("span", {}, label)));
}
fill("f-state", [...new Set(F.map(state))].sort());
fill("f-sev", SEV.filter(s => F.some(f => f.severity === s)));
fill("f-verif", [...new Set(F.map(verdict))].sort());
fill("f-rule", [...new Set(F.map(f => f.rule))].sort());
function render() {
  const st = document.getElementById("f-state").value, sev = document.getElementById("f-sev").value;
  const verif = document.getElementById("f-verif").value;
  const rule = document.getElementById("f-rule").value, repo = document.getElementById("f-repo").value.toLowerCase();
  const text = document.getElementById("f-text").value.toLowerCase();
  const keep = f => (!st || state(f) === st) && (!sev || f.severity === sev) && (!verif || verdict(f) === verif)
    && (!rule || f.rule === rule)
    && (!repo || f.repository.toLowerCase().includes(repo))
    && (!text || [f.path, f.snippet, f.fingerprint, f.rule, f.commit ? f.commit.id + " " + f.commit.author : ""]
      .join(" ").toLowerCase().includes(text));
  const list = [];
  F.forEach((f, i) => {
    const shown = keep(f);
    if (shown) list.push(f);
    if (ITEMS[i]) ITEMS[i].hidden = !shown;
  });
  barTable("by-rule", countBy(list, f => f.rule), "rule");
  barTable("by-repo", countBy(list, f => f.repository), "repository");
  const order = ["< 30 days", "30–90 days", "90 days – 1 year", "> 1 year", "unknown"];
  barTable("by-age", countBy(list, ageBucket).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])), "age");
  timeline(list);
  document.getElementById("count").textContent = "(" + list.length + " of " + F.length + " shown)";
}
// A link to a finding that the filters hide clears them.
function reveal() {
  let id = location.hash.slice(1);
  try { id = decodeURIComponent(id); } catch (e) { /* not percent-encoded */ }
  const target = id && document.getElementById(id);
  if (!target || !target.classList.contains("finding") || !target.hidden) return;
  for (const id of FILTERS) document.getElementById(id).value = "";
  render();
  target.scrollIntoView();
}
for (const id of FILTERS) document.getElementById(id).addEventListener("input", render);
addEventListener("hashchange", reveal);
render();
reveal();
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
    fn live_credentials_come_first_with_a_badge_and_escaped_details() {
        use crate::datastore::tests::{record, verdict};
        use leakscan_model::VerificationStatus;
        let mut critical = record("fp-critical", None);
        critical.severity = leakscan_model::Severity::Critical;
        let mut live = record(
            "fp-live",
            Some(verdict(VerificationStatus::Live, "2024-05-01T00:00:00Z")),
        );
        live.severity = leakscan_model::Severity::Low;
        if let Some(v) = live.verification.as_mut() {
            v.reason = "<img src=x onerror=alert(1)>".into();
            v.identity[0].value = "<b>octo</b>".into();
        }
        let findings = [critical, live];
        let order: Vec<&str> = report_order(&findings).iter().map(|f| f.fingerprint.as_str()).collect();
        assert_eq!(order, ["fp-live", "fp-critical"]);
        let mut out = Vec::new();
        write_html(&[], &findings, &RuleCatalog::default(), &mut out).unwrap_or_default();
        let page = String::from_utf8_lossy(&out);
        let badge = page.find("class=\"badge live\"").unwrap_or(usize::MAX);
        assert!(
            badge < page.find("fp-critical").unwrap_or(0),
            "the live finding is listed first"
        );
        assert!(page.contains(">LIVE</span>"));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("login=&lt;b&gt;octo&lt;/b&gt;"));
        assert!(!page.contains("<img src=x") && !page.contains("<b>octo"));
        assert!(page.contains("· 1 live"));
    }

    #[test]
    fn page_has_no_external_urls() {
        let mut out = Vec::new();
        write_html(&[], &[], &RuleCatalog::default(), &mut out).unwrap_or_default();
        let page = String::from_utf8_lossy(&out);
        assert!(!page.contains("https://") && !page.contains("http://cdn"));
        assert!(page.contains("leakscan audit report"));
    }
}
