#!/usr/bin/env python3
"""Write a tree of many small, source-like files for scanner benchmarks (deterministic per seed).

Usage: benches/gen_small_files.py OUT_DIR [--files 100000] [--seed 7] [--tokens 25]

Files are 1-4 KB of Python, Rust, JavaScript, Go, YAML, JSON and Markdown-like text, spread
over directories of at most 1,000 files. The noise is what a scanner must not report: UUIDs,
hex digests, base64 blobs, version strings, identifiers named `token`, `secret`, `password`
with placeholder values. --tokens N plants N fake, format-valid GitHub tokens (assembled by
benches/fake_tokens.py; never real credentials), one per chosen file; their locations are
printed to stderr as PATH:LINE, PATH relative to OUT_DIR. OUT_DIR must not exist or be empty.
"""
import argparse
import base64
import os
import random
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_tokens import github_token  # noqa: E402

WORDS = ("value count buffer index result error config request response user name path file data "
         "items cache store client server handler worker queue event message payload account order invoice price total limit offset cursor page retry "
         "timeout deadline region bucket table column row schema record batch stream").split()
PLACEHOLDERS = ["changeme", "<your-token-here>", "${API_TOKEN}", "xxxxxxxx", "example", "dummy",
                "os.environ['TOKEN']", "TODO", "null", "test-password"]
EXTS = [".py", ".rs", ".js", ".go", ".yaml", ".json", ".md"]


def ident(rng):
    return "_".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 4)))


def camel(rng):
    parts = [rng.choice(WORDS) for _ in range(rng.randrange(1, 4))]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


SENSITIVE = ["api_token", "password", "client_secret", "access_key", "db_password", "auth_token"]


def noise_value(rng):
    k = rng.randrange(7)
    if k == 0:
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if k == 1:
        return f"{rng.getrandbits(256):064x}"
    if k == 2:
        return base64.b64encode(rng.randbytes(rng.choice((12, 18, 24)))).decode()
    if k == 3:
        return f"{rng.randrange(10)}.{rng.randrange(40)}.{rng.randrange(100)}"
    if k == 4:
        return rng.choice(PLACEHOLDERS)
    if k == 5:
        return f"https://api.example.org/v{rng.randrange(1, 4)}/{rng.choice(WORDS)}/{rng.randrange(10**6)}"
    return str(rng.randrange(10**9))


def line_py(rng):
    k = rng.randrange(6)
    ind = "    " * rng.randrange(3)
    if k == 0:
        return f"{ind}def {ident(rng)}(self, {ident(rng)}, {ident(rng)}=None):"
    if k == 1:
        return f'{ind}{ident(rng)} = "{noise_value(rng)}"'
    if k == 2:
        return f"{ind}if {ident(rng)} is not None and len({ident(rng)}) > {rng.randrange(100)}:"
    if k == 3:
        return f"{ind}# {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(4, 12)))}"
    if k == 4:
        return f"{ind}return self.{ident(rng)}.get({ident(rng)!r}, {rng.randrange(50)})"
    return f"{ind}{ident(rng)}.append({ident(rng)}[{rng.randrange(8)}])"


def line_rs(rng):
    k = rng.randrange(6)
    ind = "    " * rng.randrange(3)
    if k == 0:
        return f"{ind}pub fn {ident(rng)}(&self, {ident(rng)}: &str) -> Result<usize, Error> {{"
    if k == 1:
        return f'{ind}let {ident(rng)} = "{noise_value(rng)}";'
    if k == 2:
        return f"{ind}match {ident(rng)} {{ Some(v) => v.len(), None => {rng.randrange(10)} }};"
    if k == 3:
        return f"{ind}// {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(4, 12)))}"
    if k == 4:
        return f"{ind}}}"
    return f"{ind}self.{ident(rng)}.insert({ident(rng)}.clone(), {rng.randrange(1000)});"


def line_js(rng):
    k = rng.randrange(6)
    ind = "  " * rng.randrange(3)
    if k == 0:
        return f"{ind}export async function {camel(rng)}({camel(rng)}, {camel(rng)}) {{"
    if k == 1:
        return f"{ind}const {camel(rng)} = '{noise_value(rng)}';"
    if k == 2:
        return f"{ind}if (!{camel(rng)}) throw new Error('{' '.join(rng.choice(WORDS) for _ in range(3))}');"
    if k == 3:
        return f"{ind}// {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(4, 12)))}"
    if k == 4:
        return f"{ind}}}"
    return f"{ind}await {camel(rng)}.{camel(rng)}({{ {camel(rng)}: {rng.randrange(100)} }});"


def line_go(rng):
    k = rng.randrange(6)
    ind = "\t" * rng.randrange(3)
    if k == 0:
        return f"{ind}func ({ident(rng)[:1]} *{camel(rng).capitalize()}) {camel(rng).capitalize()}(ctx context.Context) error {{"
    if k == 1:
        return f'{ind}{camel(rng)} := "{noise_value(rng)}"'
    if k == 2:
        return f"{ind}if err != nil {{ return fmt.Errorf(\"{rng.choice(WORDS)}: %w\", err) }}"
    if k == 3:
        return f"{ind}// {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(4, 12)))}"
    if k == 4:
        return f"{ind}}}"
    return f"{ind}{camel(rng)}.{camel(rng).capitalize()}({rng.randrange(100)})"


def line_yaml(rng):
    ind = "  " * rng.randrange(4)
    if rng.randrange(20) == 0:
        return f"{ind}{rng.choice(SENSITIVE)}: {rng.choice(PLACEHOLDERS)}"
    if rng.randrange(5) == 0:
        return f"{ind}{ident(rng)}:"
    return f"{ind}{ident(rng)}: {noise_value(rng)}"


def line_json(rng):
    return f'  "{camel(rng)}": "{noise_value(rng)}",'


def line_md(rng):
    k = rng.randrange(4)
    if k == 0:
        return f"## {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(2, 6))).capitalize()}"
    if k == 1:
        return f"- `{ident(rng)}`: {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(4, 12)))}"
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 20))) + "."


LINES = {".py": line_py, ".rs": line_rs, ".js": line_js, ".go": line_go, ".yaml": line_yaml,
         ".json": line_json, ".md": line_md}
TOKEN_LINES = {
    ".py": 'GITHUB_TOKEN = "{}"',
    ".rs": 'const GITHUB_TOKEN: &str = "{}";',
    ".js": "const githubToken = '{}';",
    ".go": 'githubToken := "{}"',
    ".yaml": "github_token: {}",
    ".json": '  "githubToken": "{}",',
    ".md": "Set `GITHUB_TOKEN={}` before running.",
}


def file_text(rng, ext, size, token=None):
    make = LINES[ext]
    lines = ["{"] if ext == ".json" else []
    total = 0
    while total < size:
        line = make(rng)
        lines.append(line)
        total += len(line) + 1
    token_line = None
    if token is not None:
        token_line = rng.randrange(1, len(lines))
        lines.insert(token_line, TOKEN_LINES[ext].format(token))
        token_line += 1  # 1-based
    if ext == ".json":
        lines.append('  "end": true')
        lines.append("}")
    return "\n".join(lines) + "\n", token_line


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tokens", type=int, default=25)
    args = ap.parse_args()
    if os.path.isdir(args.out) and os.listdir(args.out):
        sys.exit(f"{args.out} exists and is not empty")
    rng = random.Random(args.seed)
    planted = set(rng.sample(range(args.files), min(args.tokens, args.files)))
    total = 0
    for i in range(args.files):
        d = os.path.join(args.out, f"pkg{i // 1000:03d}", f"mod{(i // 100) % 10}")
        if i % 100 == 0:
            os.makedirs(d, exist_ok=True)
        ext = rng.choice(EXTS)
        size = rng.randrange(1024, 4096 - 200)
        token = github_token(rng) if i in planted else None
        text, token_line = file_text(rng, ext, size, token)
        name = f"{ident(rng)}_{i}{ext}"
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
        if token_line is not None:
            print(f"{os.path.relpath(path, args.out)}:{token_line}", file=sys.stderr)
    print(f"wrote {args.files} files, {total} bytes, {len(planted)} planted tokens under {args.out}")


if __name__ == "__main__":
    main()
