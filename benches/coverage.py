#!/usr/bin/env python3
"""Generates docs/coverage.md: each provider leakscan detects (the first tag of its rules), its
rule ids, and which peer rule sets also detect it; then the providers a peer detects and
leakscan does not (the gaps).

Peer rule sets are snapshots of the peers' own rule listings, committed under benches/peers/
(one rule id per line; refresh them with the command named in each file's name, e.g.
`kingfisher rules list`). Only rule ids are kept: which providers a peer covers is a fact; its
rule texts are not used.

Usage: python3 benches/coverage.py [--check]   (--check: fail if docs/coverage.md is stale)
"""
import glob
import os
import re
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Peer rule-id prefix → (peer label, how to read the provider out of the id).
PEERS = {
    "betterleaks.": "gitleaks family (Kingfisher 2.14 bundles betterleaks, a gitleaks fork)",
    "veles.secrets/": "Veles (OSV-SCALIBR, bundled by Kingfisher 2.14)",
}

# Peer provider names that leakscan spells differently (peer name → leakscan provider tag).
ALIASES = {
    "togetherai": "together-ai", "travisci": "travis-ci", "weights": "wandb", "weightsandbiases": "wandb",
    "canadian": "gc-notify", "cisco": "meraki", "defined": "defined-networking", "val": "val-town",
    "redirect": "redirect-pizza", "kimi": "moonshot", "llama": "llamacloud", "stability": "stability-ai",
    "polymarket": "polymarket", "fal": "fal-ai", "datagov": "data-gov", "privateai": "private-ai",
    "rainforest": "rainforest-pay", "cockroachlabs": "cockroachdb", "lighton": "lighton",
    "grokxaiapikey": "xai", "denopatorg": "deno-deploy", "herokuplatformkey": "heroku",
    "npmjsaccesstoken": "npm", "digitaloceanapikey": "digitalocean", "cloudflareapitoken": "cloudflare",
    "bitbucketcredentials": "bitbucket", "circleciproject": "circleci", "postmanapikey": "postman",
    "postmancollectiontoken": "postman", "slackappconfigaccesstoken": "slack",
    "slackappconfigrefreshtoken": "slack", "slackappleveltoken": "slack", "sendgrid": "sendgrid",
    "openrouter": "openrouter", "codecatalystcredentials": "aws", "codecommitcredentials": "aws",
    "hcpclientcredentials": "hashicorp", "bitwardenoauth2access": "bitwarden", "packagistsecret": "packagist",
    "packagistorgreadtoken": "packagist", "packagistorgupdatetoken": "packagist",
    "gcp": "google", "microsoft": "azure", "hashicorp": "hashicorp-vault", "sourcegraph": "sourcegraph",
    "facebook": "facebook", "octopus": "octopus-deploy", "sumologic": "sumo-logic", "sumo": "sumo-logic",
    "intra42": "intra42", "infracost": "infracost", "droneci": "drone-ci", "ebay": "ebay",
    "onesignal": "onesignal", "dockerhub": "docker", "kubernetes": "kubernetes", "jwt": "jwt",
    "private": "private-key", "generic": "generic", "curl": "basic-auth", "dropbox": "dropbox",
    "artifactory": "jfrog", "langchain": "langsmith", "sendinblue": "brevo",
}


def norm(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def our_providers():
    providers = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "*.toml"))):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        for rule in doc.get("rule", []):
            if rule.get("check"):
                continue
            tag = (rule.get("tags") or [os.path.basename(path)[:-5]])[0]
            providers.setdefault(tag, []).append(rule["id"])
    return providers


def peer_providers():
    found = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "benches", "peers", "*.txt"))):
        for line in open(path):
            rid = line.strip()
            for prefix, label in PEERS.items():
                if rid.startswith(prefix):
                    name = re.sub(r"\.\d+$", "", rid[len(prefix):])
                    provider = name.split("-")[0] if prefix == "betterleaks." else name.split("-")[0]
                    found.setdefault(provider, {}).setdefault(label, []).append(name)
    return found


def match(peer_name, ours, our_ids):
    """The leakscan provider tag a peer's provider name is, if any."""
    n = norm(peer_name)
    if peer_name in ALIASES and ALIASES[peer_name] in ours:
        return ALIASES[peer_name]
    by_norm = {norm(t): t for t in ours}
    if n in by_norm:
        return by_norm[n]
    for tag in ours:
        if norm(tag).startswith(n) or n.startswith(norm(tag)) and len(norm(tag)) >= 4:
            return tag
    for rid, tag in our_ids.items():
        if norm(rid).startswith(n):
            return tag
    return None


def render():
    ours = our_providers()
    our_ids = {rid: tag for tag, ids in ours.items() for rid in ids}
    peers = peer_providers()
    covered = {}
    gaps = []
    for name, by_peer in sorted(peers.items()):
        tag = match(name, ours, our_ids)
        if tag:
            for label in by_peer:
                covered.setdefault(tag, set()).add(label)
        else:
            gaps.append((name, by_peer))
    labels = {label: i + 1 for i, label in enumerate(PEERS.values())}
    out = [
        "# Provider coverage",
        "",
        "Generated by `python3 benches/coverage.py` from `rules/*.toml` and the peer rule listings in",
        "`benches/peers/`; do not edit by hand (CI runs `benches/coverage.py --check`).",
        "",
        f"leakscan: {sum(len(v) for v in ours.values())} secret rules for {len(ours)} providers and "
        "credential kinds (a rule's provider is its first tag).",
        "",
        "Peers compared (a peer marks a provider it also detects):",
        "",
    ]
    for label, i in labels.items():
        out.append(f"{i}. {label}")
    out += [
        "",
        "GitHub secret scanning, Nosey Parker and TruffleHog are not compared here yet: their rule",
        "listings are not installed on this project's machines (see the issue notes).",
        "",
        "## Gaps: providers a peer detects and leakscan does not",
        "",
    ]
    if gaps:
        out.append("| peer provider | peer rules |")
        out.append("|---|---|")
        for name, by_peer in gaps:
            rules = "; ".join(f"{labels[l]}: " + ", ".join(sorted(set(ids))) for l, ids in by_peer.items())
            out.append(f"| {name} | {rules} |")
    else:
        out.append("None.")
    out += ["", "## Providers", "", "| provider | rules | peers |", "|---|---|---|"]
    for tag in sorted(ours):
        peer_marks = ", ".join(str(labels[l]) for l in sorted(covered.get(tag, ()), key=labels.get)) or "-"
        out.append(f"| {tag} | {', '.join(f'`{r}`' for r in ours[tag])} | {peer_marks} |")
    return "\n".join(out) + "\n"


def main():
    text = render()
    target = os.path.join(ROOT, "docs", "coverage.md")
    if "--check" in sys.argv:
        current = open(target).read() if os.path.exists(target) else ""
        if current != text:
            sys.exit("docs/coverage.md is stale: run python3 benches/coverage.py")
        return
    with open(target, "w") as f:
        f.write(text)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
