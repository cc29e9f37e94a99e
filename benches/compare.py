#!/usr/bin/env python3
"""Helper of benches/compare.sh: records runs, counts findings, writes benches/RESULTS.md.

  compare.py meta META_JSON KIND ARGS...        add a fact (versions, corpora, machine, accuracy)
  compare.py record RECORDS CORPUS TOOL STATUS TIMES RSS FINDINGS CMD [STDERR] [NOTE]
  compare.py count TOOL REPORT_FILE             print the number of findings in a tool's output
  compare.py report META_JSON RECORDS OUT_MD    write the markdown report
"""
import json
import os
import re
import statistics
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

CORPORA = ["crates", "log", "history", "small-files"]
TOOLS = ["leakscan", "kingfisher", "detect-secrets", "ripsecrets", "secretlint", "ripgrep", "ripgrep-all"]
TITLES = {
    "crates": "Corpus 1: crate sources (many real source files)",
    "log": "Corpus 2: 1 GB synthetic log (one file)",
    "history": "Corpus 3: synthetic git history (20,000 commits)",
    "small-files": "Corpus 4: 100,000 small files (1-4 KB)",
}


# ------------------------------------------------------------------ meta
def load(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            lines = [l.rstrip() for l in f if l.strip()]
        return lines[-n:]
    except OSError:
        return []


def meta(path, kind, *args):
    m = load(path, {})
    if kind == "version":
        m.setdefault("versions", {})[args[0]] = args[1]
    elif kind == "install":
        m.setdefault("install", {})[args[0]] = {"status": args[1], "detail": args[2]}
    elif kind == "generator":
        m.setdefault("generators", {})[args[0]] = args[1]
    elif kind == "corpus":
        m.setdefault("corpora", {})[args[0]] = {"path": args[1], "bytes": int(args[2]), "desc": args[3]}
    elif kind == "machine":
        keys = ["nproc", "cpu", "date", "kernel", "loadavg", "memory"]
        m["machine"] = dict(zip(keys, args))
    elif kind == "settings":
        m["settings"] = {"runs": int(args[0]), "timeout": int(args[1]), "threads": int(args[2]),
                         "quick": args[3] == "1"}
    elif kind == "evaluate":
        rc, cmd, out = args
        lines = tail(out, 400)
        # evaluate.py prints a per-family table; keep its heading, column names and "overall" row
        keep = [l for l in lines if re.match(r"\s*(overall|family)\s", l)
                or re.search(r"accuracy corpus|recall|precision", l, re.I)]
        m["evaluate"] = {"rc": int(rc), "cmd": cmd, "lines": keep[:8], "tail": lines[-5:]}
    elif kind == "kf_accuracy":
        m["kf_accuracy"] = kf_accuracy(*args)
    else:
        sys.exit(f"compare.py meta: unknown kind {kind}")
    with open(path, "w") as f:
        json.dump(m, f, indent=1)


# ------------------------------------------------------------------ records and counts
def record(path, corpus, tool, status, times, rss, findings, cmd, stderr="", note="", nbytes=""):
    rec = {"corpus": corpus, "tool": tool, "status": status, "bytes": int(nbytes) if nbytes else None,
           "times": [float(t) for t in times.split(",") if t],
           "rss_kb": [int(r) for r in rss.split(",") if r],
           "findings": findings, "cmd": cmd, "note": note}
    if status != "ok" and stderr:
        lines = tail(stderr, 200)
        errs = [l.strip() for l in lines if re.search(r"error|panic|fatal|killed", l, re.I)]
        rec["stderr_tail"] = errs[:3] if errs else lines[-3:]
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


def count(tool, path):
    if tool == "leakscan":
        return json.load(open(path))["stats"]["findings"]
    if tool == "kingfisher":
        return len(json.load(open(path))["findings"])
    if tool == "detect-secrets":
        return sum(len(v) for v in json.load(open(path))["results"].values())
    if tool == "secretlint":
        text = open(path).read().strip()
        data = json.loads(text) if text else []
        return sum(len(r.get("messages", [])) for r in data)
    if tool == "ripsecrets":  # no JSON output: one line per finding (path:line:match)
        with open(path, errors="replace") as f:
            return sum(1 for l in f if l.strip())
    if tool in ("ripgrep", "ripgrep-all"):  # `rg -c`: PATH:COUNT per file, or COUNT for one file
        total = 0
        with open(path, errors="replace") as f:
            for l in f:
                l = l.strip()
                if l:
                    total += int(l.rsplit(":", 1)[-1])
        return total
    raise SystemExit(f"compare.py count: unknown tool {tool}")


def extra(tool, path):
    """A note on what the tool says it scanned, where its report says so."""
    if tool == "kingfisher":
        s = json.load(open(path))["metadata"]["summary"]
        return f"its own count: {s['bytes_scanned'] / 1e6:,.0f} MB in {s['blobs_scanned']:,} blobs"
    return ""


# ------------------------------------------------------------------ Kingfisher accuracy
def label_entries(node, inherited=None):
    """Every table with `file` and `line` in labels.toml, wherever it sits."""
    out = []
    if isinstance(node, dict):
        if "file" in node and "line" in node:
            out.append(node)
        for k, v in node.items():
            out += label_entries(v)
    elif isinstance(node, list):
        for v in node:
            out += label_entries(v)
    return out


def is_negative(entry):
    for key in ("secret", "is_secret", "positive", "expected", "expect", "should_report", "real"):
        if isinstance(entry.get(key), bool):
            return not entry[key]
    for key in ("kind", "label", "type", "class", "expect", "expected", "verdict"):
        v = entry.get(key)
        if isinstance(v, str) and v.lower() in ("negative", "fp", "false-positive", "false_positive",
                                                  "benign", "decoy", "clean", "none", "no",
                                                  "ignore", "placeholder", "not-secret", "tn"):
            return True
    return False


def kf_accuracy(rc, cmd, out, corpus, labels):
    res = {"rc": int(rc), "cmd": cmd}
    try:
        findings = json.load(open(out))["findings"]
    except (OSError, ValueError, KeyError) as e:
        res["error"] = f"no Kingfisher JSON ({e.__class__.__name__}); exit {rc}"
        return res
    if tomllib is None:
        res["error"] = "Python without tomllib"
        return res
    entries = label_entries(tomllib.load(open(labels, "rb")))
    corpus = os.path.abspath(corpus)

    def norm(p):
        p = p.replace("\\", "/")
        for prefix in (corpus + "/", "fixtures/accuracy/corpus/", "corpus/", "./"):
            if p.startswith(prefix):
                p = p[len(prefix):]
        return p

    pos = {(norm(str(e["file"])), int(e["line"])) for e in entries if not is_negative(e)}
    neg = {(norm(str(e["file"])), int(e["line"])) for e in entries if is_negative(e)}
    hits = set()
    on_pos = on_neg = 0
    for f in findings:
        fd = f.get("finding", {})
        key = (norm(os.path.relpath(fd.get("path", ""), corpus)
                    if os.path.isabs(fd.get("path", "")) else fd.get("path", "")), int(fd.get("line", 0)))
        if key in pos:
            hits.add(key)
            on_pos += 1
        elif key in neg:
            on_neg += 1
    res.update({"findings": len(findings), "labelled_pos": len(pos), "labelled_neg": len(neg),
                "pos_hit": len(hits), "findings_on_pos": on_pos, "findings_on_neg": on_neg})
    return res


# ------------------------------------------------------------------ report
def fmt_s(s):
    if s < 1:
        return f"{s:.3f}"
    return f"{s:.2f}" if s < 100 else f"{s:.0f}"


def report(meta_path, rec_path, out_path):
    m = load(meta_path, {})
    recs = [json.loads(l) for l in open(rec_path) if l.strip()]
    by = {(r["corpus"], r["tool"]): r for r in recs}
    st = m.get("settings", {})
    mach = m.get("machine", {})
    vers = m.get("versions", {})
    L = []
    w = L.append
    w("# leakscan compared with its peers")
    w("")
    w("Generated by `benches/compare.sh" + (" --quick" if st.get("quick") else "") + "`"
      " (do not edit by hand; rerun the script). Every tool gets the same corpus, "
      f"{st.get('threads', 2)} worker threads where it takes a thread count, one untimed warm-up run "
      f"(so the page cache is warm) and then {st.get('runs')} timed run(s) under a "
      f"{st.get('timeout')} s timeout, timed by bash's clock (wall time to the millisecond, start-up "
      "included) and measured with `/usr/bin/time -f '%M'` (peak RSS). The table shows the median wall time and the largest peak RSS of the "
      "timed runs; MB/s is the corpus bytes (10^6) over that median; *ratio* is the tool's time over "
      "leakscan's on the same corpus (higher = slower than leakscan).")
    w("")
    w("## Machine")
    w("")
    w(f"- CPU: {mach.get('cpu', '?')}, `nproc` = {mach.get('nproc', '?')}, memory {mach.get('memory', '?')}")
    w(f"- {mach.get('kernel', '?')}; run finished {mach.get('date', '?')}; load average at the end "
      f"{mach.get('loadavg', '?')} (other work on the machine makes the numbers noisy)")
    w("- Tools:")
    inst = m.get("install", {})
    for t in TOOLS:
        i = inst.get(t, {})
        if i.get("status", "ok") == "ok":
            w(f"  - {t}: {vers.get(t, '?')}")
        else:
            w(f"  - {t}: {i.get('status')}")
    w("")
    corpora = m.get("corpora", {})
    gens = m.get("generators", {})
    for c in CORPORA:
        info = corpora.get(c, {})
        nbytes = info.get("bytes")
        w(f"## {TITLES[c]}")
        w("")
        size = f"{nbytes / 1e6:,.0f} MB ({nbytes:,} bytes)" if nbytes else "unknown size"
        w(f"`{info.get('path', '?')}`: {size}; {info.get('desc', '')}. Made by `{gens.get(c, '?')}`.")
        w("")
        w("| tool | median wall (s) | MB/s | peak RSS (MiB) | findings | ratio | notes |")
        w("|---|---:|---:|---:|---:|---:|---|")
        base = by.get((c, "leakscan"))
        base_t = statistics.median(base["times"]) if base and base["times"] else None
        cmds = []
        rows = [(t, by.get((c, t))) for t in TOOLS]
        for t in TOOLS:
            if (c + "-subset", t) in by:
                rows.append((f"{t}, subset", by[(c + "-subset", t)]))
        for t, r in rows:
            if r is None:
                w(f"| {t} | | | | | | not run |")
                continue
            if r["cmd"]:
                cmds.append((t, r["cmd"]))
            if r["status"] != "ok" or not r["times"]:
                note = r["status"]
                if r.get("stderr_tail"):
                    note += ": `" + r["stderr_tail"][0].replace("|", "\\|").replace("`", "'")[:120] + "`"
                w(f"| {t} | — | — | — | — | — | {note} |")
                continue
            med = statistics.median(r["times"])
            rbytes = r.get("bytes") or nbytes
            mbps = f"{rbytes / 1e6 / med:,.1f}" if rbytes and med > 0 else "—"
            rss = f"{max(r['rss_kb']) / 1024:,.0f}"
            ratio = f"{med / base_t:.2g}×" if base_t and base_t > 0 else "—"
            if base_t and med / base_t >= 10:
                ratio = f"{med / base_t:,.0f}×"
            if t == "leakscan":
                ratio = "1.0×"
            note = r.get("note", "")
            if r.get("bytes"):  # a subset: compare time per byte
                ratio = (f"{(med / rbytes) / (base_t / nbytes):,.0f}× per byte"
                         if base_t and nbytes else "—")
                sub = corpora.get(c + "-subset", {})
                note = (f"subset `{sub.get('path', '?')}`: {sub.get('desc', '')}, {rbytes / 1e6:.1f} MB"
                        + (f"; {note}" if note else ""))
            runs = ", ".join(fmt_s(x) for x in r["times"])
            if len(r["times"]) > 1:
                note = (note + "; " if note else "") + f"runs: {runs}"
            w(f"| {t} | {fmt_s(med)} | {mbps} | {rss} | {r['findings']} | {ratio} | {note} |")
        w("")
        if cmds:
            w("Commands (OUT = the tool's report; `.stdout` = its captured standard output):")
            w("")
            w("```")
            for t, cmd in cmds:
                w(cmd.strip())
            w("```")
            w("")
    w("## Caveats")
    w("")
    for line in CAVEATS:
        w(f"- {line}")
    w("")
    w("## Accuracy")
    w("")
    ev = m.get("evaluate")
    if ev:
        w(f"leakscan on the labelled corpus (`{ev['cmd']}`, exit {ev['rc']}):")
        w("")
        if ev["rc"] >= 2 or not ev["lines"]:
            w("evaluate.py did not produce a score (exit 2: leakscan could not be run or its output "
              "not read); the end of its output:")
            w("")
        w("```")
        for l in (ev["lines"] or ev["tail"] or ["(no output)"]):
            w(l)
        w("```")
    else:
        w("`fixtures/accuracy/evaluate.py` was not present when this report was made.")
    w("")
    kf = m.get("kf_accuracy")
    if kf:
        w(f"Kingfisher over `fixtures/accuracy/corpus` (`{kf['cmd'].strip()}`, exit {kf['rc']}):")
        w("")
        if "error" in kf:
            w(f"- not evaluated: {kf['error']}")
        else:
            P, hit, N = kf["labelled_pos"], kf["pos_hit"], kf["findings"]
            rec = f"{hit / P:.1%}" if P else "—"
            prec = f"{kf['findings_on_pos'] / N:.1%}" if N else "—"
            w(f"- {N} findings (`--no-dedup`); {hit} of {P} labelled secret lines hit "
              f"(rough recall {rec}); {kf['findings_on_pos']} of the findings are on labelled "
              f"secret lines (rough precision {prec}); {kf['findings_on_neg']} on lines labelled "
              f"as not secret ({kf['labelled_neg']} such labels).")
            w("- Rough: a finding counts as a hit when its file and line match a label's `file` and "
              "`line`, whatever the rule; findings on unlabelled lines count against precision "
              "(including a multi-line secret that Kingfisher reports on another line than the "
              "label's, e.g. a service-account JSON reported at line 1).")
    else:
        w("Kingfisher was not run on `fixtures/accuracy/corpus` (corpus, labels or Kingfisher missing).")
    w("")
    with open(out_path, "w") as f:
        f.write("\n".join(L))


CAVEATS = [
    "Findings are not comparable one to one: each tool has its own rules and its own notion of a "
    "finding. leakscan counts reported (unsuppressed) findings, `stats.findings`; Kingfisher "
    "deduplicates identical secrets by default and runs its full rule set with `--no-validate` "
    "(no network); detect-secrets reports every high-entropy string and keyword hit per file; "
    "ripsecrets has no JSON output, so its findings are its output lines; secretlint counts the "
    "`messages` of its JSON formatter; ripgrep counts lines that contain the literal `ghp_`.",
    "Planted tokens: the log holds 500 fake GitHub tokens, the history 40 (each deleted again by a "
    "later commit), the small-files tree 25 (locations in `small-files.planted` beside the corpus); "
    "the crate sources hold none that are meant to be found.",
    "Git history: only leakscan (`leakscan git`: every unique blob once) and Kingfisher "
    "(`--git-history full`) scan it; detect-secrets, ripsecrets, secretlint and ripgrep have no "
    "history mode and are marked n/a. The history's MB/s uses leakscan's `stats.bytes` for both.",
    "The log is given on standard input to leakscan and Kingfisher (Kingfisher copies standard "
    "input to a temporary file before scanning it, and needs `--max-file-size 0`: with its default "
    "of 256 MB it skips the log and reports 0 blobs, exit 0); the other tools get its path.",
    "Threads: leakscan, Kingfisher and ripgrep get `-j 2`, detect-secrets `-c 2` (processes); "
    "ripsecrets has no thread option (its walker uses one thread per core, 2 here); secretlint is "
    "single-threaded Node.js.",
    "Ignore files: leakscan runs with `--no-ignore` on directories and ripgrep with `--no-ignore`; "
    "the corpora are not git work trees, so the others' `.gitignore` handling does not apply.",
    "Sanity check of what was scanned: Kingfisher's own byte and blob counts are in its notes.",
    "A tool whose warm-up run exceeds the timeout is recorded as a timeout and not run again on that "
    "corpus. A warm-up slower than 60 s (`SLOW`) is taken as the only timed run (the page cache "
    "is warm by then), and one slower than timeout/runs is followed by a "
    "single timed run; the notes say so.",
    "detect-secrets and secretlint cannot finish the whole trees within the timeout, so they also "
    "have a row for a fixed subset of small-files (`pkg007`, 1,000 files, 2 planted tokens); the "
    "ratio there compares time per byte with leakscan's on the whole tree (start-up weighs more "
    "on 2.5 MB). detect-secrets is not started on a corpus where its subset speed predicts a "
    "timeout (recorded as \"timeout (predicted …)\"); secretlint is always run.",
    "Peak RSS counts mapped file pages that were touched: ripgrep memory-maps the 1 GB log (hence "
    "~960 MiB); Kingfisher's ~2 GB on the log is its own.",
    "ripgrep is the floor (the cost of reading the files and searching one literal), not a secret "
    "scanner. `ripgrep` is `rg -c --no-ignore ghp_`: it skips hidden files and stops reading a file "
    "at its first NUL byte, so it reads much less than the others on trees with binary files (half "
    "of the crate sources' bytes are in files with a NUL). `ripgrep-all` adds `-a --hidden`: it "
    "reads every byte leakscan reads, the like-for-like floor.",
    "Before the first tool on each corpus, every file of the corpus is read once (`cat` to "
    "/dev/null), so that no tool's warm-up pays for a cold page cache.",
]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "meta":
        meta(*args)
    elif cmd == "record":
        record(*args)
    elif cmd == "count":
        print(count(*args))
    elif cmd == "extra":
        print(extra(*args))
    elif cmd == "report":
        report(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
