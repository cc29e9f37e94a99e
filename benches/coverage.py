#!/usr/bin/env python3
"""Generates docs/coverage.md: each provider leakscan detects (the first tag of its rules), its
rule ids, and which peer rule sets also detect it; then the providers a peer detects and
leakscan does not (the gaps).

Peer listings are snapshots committed under benches/peers/. Only names are kept (rule ids,
detector names, provider and secret-type names): which providers a peer covers is a fact; the
peers' rule texts, regexes and test strings are not used. Each file's header names its source
and commit. To refresh them:

- gitleaks-rule-ids.txt: the `id = "..."` of every [[rules]] entry in gitleaks/gitleaks
  config/gitleaks.toml (one id a line).
- noseyparker-rule-ids.txt: `id<TAB>name` of the rules in praetorian-inc/noseyparker
  crates/noseyparker/data/default/builtin/ (rulesets/default.yml lists the default ones with
  their names; rules/*.yml hold the rest), or `noseyparker rules list`.
- kingfisher-2.14.0-rule-ids.txt: `kingfisher rules list` (rule ids only).
- github-secret-scanning-secret-types.txt: `provider<TAB>secretType` for each entry of
  github/docs src/secret-scanning/data/public-docs.yml (an entry whose secretType joins several
  types with `</br>` gives one line per type).
- trufflehog-detectors.txt: the pkg/detectors/<name>/ directories that
  trufflesecurity/trufflehog pkg/engine/defaults/defaults.go imports and enables (one a line).

Mapping a peer entry to a leakscan provider tries, in order: the peer's longest name prefix that
is a leakscan provider or an ALIASES entry (precise), then a loose prefix match on the peer's
provider name. Generic entries (passwords, private keys, connection strings) map to leakscan's
generic, private-key, database, ... families through ALIASES.

Usage: python3 benches/coverage.py [--check]   (--check: fail if docs/coverage.md is stale)
"""
import glob
import os
import re
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_DIR = os.path.join(ROOT, "benches", "peers")

# Peer key → (column label, listing file). The column number is the position in this list.
PEERS = [
    ("gitleaks", "gitleaks (config/gitleaks.toml)", "gitleaks-rule-ids.txt"),
    ("noseyparker", "Nosey Parker (builtin rules)", "noseyparker-rule-ids.txt"),
    ("kingfisher", "Kingfisher 2.14 (`kingfisher rules list`: its bundled betterleaks and Veles rules)",
     "kingfisher-2.14.0-rule-ids.txt"),
    ("github", "GitHub secret scanning (supported secrets, github/docs public-docs.yml)",
     "github-secret-scanning-secret-types.txt"),
    ("trufflehog", "TruffleHog (enabled detectors, pkg/engine/defaults)", "trufflehog-detectors.txt"),
]

# Peer names (normalised: lower case, letters and digits only) that leakscan spells differently:
# peer name → leakscan provider tag. Keys may be a whole peer name or a prefix of it.
ALIASES = {
    # provider spellings
    "togetherai": "together-ai", "weights": "wandb", "weightsandbiases": "wandb", "wandb": "wandb",
    "canadian": "gc-notify", "canadiandigitalservice": "gc-notify", "cds": "gc-notify",
    "cisco": "meraki", "defined": "defined-networking", "val": "val-town",
    "redirect": "redirect-pizza", "kimi": "moonshot", "llama": "llamacloud", "stability": "stability-ai",
    "fal": "fal-ai", "datagov": "data-gov", "rainforest": "rainforest-pay",
    "cockroachlabs": "cockroachdb", "ccdb": "cockroachdb", "grokxaiapikey": "xai", "grok": "xai",
    "denopatorg": "deno-deploy", "deno": "deno", "herokuplatformkey": "heroku",
    "npmjsaccesstoken": "npm", "npmtoken": "npm", "npmtokenv2": "npm",
    "digitaloceanapikey": "digitalocean", "codecatalystcredentials": "aws", "codecommitcredentials": "aws",
    "amazonaws": "aws", "appsync": "aws", "s3": "aws", "arn": "aws",
    "hcpclientcredentials": "hashicorp", "bitwardenoauth2access": "bitwarden",
    "packagistsecret": "packagist", "packagistorg": "packagist",
    "gcp": "google", "gcs": "google", "googleoauth2": "google", "youtubeapikey": "google", "youtube": "google",
    "nvapi": "nvidia", "ngc": "nvidia", "mandrill": "mailchimp",
    "microsoftteams": "msteams", "microsoftteamswebhook": "msteams", "microsoft": "azure", "azure": "azure",
    "hashicorpvault": "vault", "hashicorptf": "terraform", "terraformcloudpersonaltoken": "terraform",
    "octopus": "octopus-deploy", "sumo": "sumo-logic", "droneci": "drone", "dockerhub": "docker",
    "artifactory": "jfrog", "langchain": "langsmith", "sendinblue": "brevo", "sendinbluev2": "brevo",
    "contributedsystems": "sidekiq", "loginwithamazon": "amazon", "sonar": "sonarqube",
    "sonarcloud": "sonarqube", "cratesio": "crates-io", "particleio": "particle", "jina": "jina-ai", "ovh": "ovhcloud",
    "hf": "huggingface", "huggingface": "huggingface", "frameio": "frameio", "checkoutcom": "checkout-com",
    "githubsecretscanning": "github", "githubapp": "github", "githuboauth2": "github",
    "mistralai": "mistral", "nexmo": "vonage", "alibaba": "alibaba-cloud", "tencent": "tencent-cloud",
    "volcengine": "volcengine", "newrelicpersonalapikey": "newrelic", "jiratoken": "atlassian",
    "confluence": "atlassian", "jira": "atlassian", "atlassian": "atlassian", "twilioapikey": "twilio",
    "splunkobservabilitytoken": "splunk", "fastlypersonaltoken": "fastly", "figmapersonalaccesstoken": "figma",
    "rabbitmq": "rabbitmq", "kubernetes": "kubernetes", "openshift": "openshift",
    "persona": "persona", "personaidentities": "persona", "readmeio": "readme",
    "weatherstack": "weatherstack", "sourcegraphcody": "sourcegraph", "mapbox": "mapbox",
    "dotnet": "generic", "jdbc": "database", "sqlserver": "database", "odbc": "database",
    "mongo": "mongodb", "postgres": "postgres", "uri": "url", "ftp": "url", "ldap": "url",
    # generic families
    "private": "private-key", "privatekey": "private-key", "pem": "private-key", "pkcs12": "private-key",
    "generic": "generic", "database": "database", "curl": "basic-auth", "http": "basic-auth",
    "netrc": "netrc", "pwhash": "password-hash", "reactapp": "generic", "psexec": "generic",
    "vmware": "generic", "phpmailer": "generic", "gradle": "generic", "nugetconfig": "nuget",
    "jwt": "jwt",
}

# Peer names to leave unmatched even though a loose prefix would match a leakscan provider.
NOT_A_MATCH = {"mailjetbasicauth", "mailjetsms", "gitalk", "elasticemail"}

# Suffixes that TruffleHog and gitleaks append to a provider name.
SUFFIXES = ("personalaccesstoken", "accesstoken", "apitoken", "apikey", "oauth", "token", "key",
            "webhook", "secret", "v2", "v1")


def norm(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def strip_suffixes(name):
    n = norm(name)
    changed = True
    while changed:
        changed = False
        for s in SUFFIXES:
            if n.endswith(s) and len(n) > len(s) + 2:
                n, changed = n[: -len(s)], True
    return n


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


def listing(name):
    """The non-comment lines of a peer listing, split on tabs."""
    with open(os.path.join(PEER_DIR, name)) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]


def peer_entries(key, filename):
    """(candidate names, longest first; display name for a gap; entry label) for each peer entry."""
    for fields in listing(filename):
        if key == "gitleaks" or (key == "kingfisher" and fields[0].startswith("betterleaks.")):
            rid = re.sub(r"^betterleaks\.|\.\d+$", "", fields[0])
            tokens = rid.split("-")
            yield prefixes(tokens), tokens[0], fields[0]
        elif key == "kingfisher":
            rid = fields[0].split("/", 1)[1].split("-")[0]
            yield [norm(rid), strip_suffixes(rid)], strip_suffixes(rid), fields[0]
        elif key == "noseyparker":
            # np.<provider>.<n>: the name's multi-word prefixes, then the id's provider, then the
            # name's first word ("Hashicorp Vault ..." is vault, "Amazon MWS ..." is np.aws).
            prov = fields[0].split(".")[1]
            words = prefixes(re.split(r"[^A-Za-z0-9]+", fields[1]))
            yield words[:-1] + [prov] + words[-1:], prov, f"{fields[0]} {fields[1]}"
        elif key == "github":
            provider, stype = fields
            yield prefixes(stype.split("_")) + [norm(provider)], provider, stype
        elif key == "trufflehog":
            name = fields[0]
            yield [norm(name), strip_suffixes(name)], strip_suffixes(name), name


def prefixes(tokens):
    """Normalised prefixes of a token list, longest first: ['aws', 'access', 'token'] →
    ['awsaccesstoken', 'awsaccess', 'aws']."""
    tokens = [t for t in tokens if t]
    return [norm("".join(tokens[:i])) for i in range(len(tokens), 0, -1)]


def match(candidates, ours):
    """The leakscan provider tag a peer entry is, if any: an exact name or alias first, then the
    longest leakscan tag that the entry's main name starts with (or that starts with it)."""
    by_norm = {norm(t): t for t in ours}
    for c in candidates:
        if c in NOT_A_MATCH:
            return None
        if c in ALIASES and ALIASES[c] in ours:
            return ALIASES[c]
        if c in by_norm:
            return by_norm[c]
    main = candidates[-1] if len(candidates) > 1 and len(candidates[-1]) >= 4 else candidates[0]
    loose = [t for n, t in by_norm.items()
             if (len(n) >= 4 and main.startswith(n)) or (len(main) >= 5 and n.startswith(main))]
    return max(loose, key=len) if loose else None


def render():
    ours = our_providers()
    labels = {key: (i + 1, label, filename) for i, (key, label, filename) in enumerate(PEERS)}
    covered = {}            # our tag → set of peer numbers
    gaps = {}               # normalised gap name → {"name", "peers": {number: [entries]}}
    counts = {}
    for key, (num, _, filename) in labels.items():
        n_entries = 0
        for candidates, display, entry in peer_entries(key, filename):
            n_entries += 1
            tag = match(candidates, ours)
            if tag:
                covered.setdefault(tag, set()).add(num)
                continue
            gkey = strip_suffixes(display) or norm(display)
            g = gaps.setdefault(gkey, {"name": display, "peers": {}})
            g["peers"].setdefault(num, []).append(entry)
        counts[key] = n_entries
    # Two peers' spellings of one gap provider (np "sauce", TruffleHog "saucelabs"): merge a gap
    # whose key starts with another's when no peer is in both.
    for gkey in sorted(gaps, key=len):
        for other in list(gaps):
            if (other != gkey and gkey in gaps and len(gkey) >= 4 and other.startswith(gkey)
                    and not set(gaps[gkey]["peers"]) & set(gaps[other]["peers"])):
                for num, entries in gaps.pop(other)["peers"].items():
                    gaps[gkey]["peers"].setdefault(num, []).extend(entries)
    out = [
        "# Provider coverage",
        "",
        "Generated by `python3 benches/coverage.py` from `rules/*.toml` and the peer listings in",
        "`benches/peers/`; do not edit by hand (CI runs `benches/coverage.py --check`).",
        "",
        f"leakscan: {sum(len(v) for v in ours.values())} secret rules for {len(ours)} providers and "
        "credential kinds (a rule's provider is its first tag).",
        "",
        "Peers compared (a peer marks a provider it also detects; the listing files name their source and commit):",
        "",
    ]
    for key, (num, label, filename) in labels.items():
        marked = sum(1 for s in covered.values() if num in s)
        n_gaps = sum(1 for g in gaps.values() if num in g["peers"])
        out.append(f"{num}. {label}: `benches/peers/{filename}`, {counts[key]} entries; marks {marked} "
                   f"leakscan providers; {n_gaps} gap providers.")
    out += [
        "",
        "Peer entries are matched to leakscan providers by name (see `ALIASES` in the script), so a",
        "mark means the peer detects some credential of that provider, not every kind leakscan does.",
        "Many TruffleHog detectors look for a provider keyword near a hex or alphanumeric string and",
        "verify it live; such credentials have no recognisable shape of their own.",
        "",
        "## Gaps: providers a peer detects and leakscan does not",
        "",
        "Sorted by the number of peers that detect the provider, then by name.",
        "",
    ]
    if gaps:
        out.append("| provider | peers | peer entries |")
        out.append("|---|---|---|")
        for gkey, g in sorted(gaps.items(), key=lambda kv: (-len(kv[1]["peers"]), kv[0])):
            nums = ", ".join(str(n) for n in sorted(g["peers"]))
            entries = "; ".join(f"{n}: " + ", ".join(sorted(set(e)))
                                for n, e in sorted(g["peers"].items()))
            out.append(f"| {g['name']} | {nums} | {entries.replace('|', '/')} |")
    else:
        out.append("None.")
    out += ["", "## Providers", "", "| provider | rules | peers |", "|---|---|---|"]
    for tag in sorted(ours):
        marks = ", ".join(str(n) for n in sorted(covered.get(tag, ()))) or "-"
        out.append(f"| {tag} | {', '.join(f'`{r}`' for r in ours[tag])} | {marks} |")
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
