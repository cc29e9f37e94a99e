#!/usr/bin/env python3
"""Generate a synthetic git repository for history-scan benchmarks, with `git fast-import`.

Usage: benches/gen_git_history.py OUT_DIR [--commits 20000] [--mb 200] [--seed 7]

Every commit rewrites one or two files of a few hundred paths with fresh, source-like content,
so the repository holds about --mb megabytes of unique blob content across --commits commits.
About one commit in 500 adds a fake, format-valid token (assembled here; never a real one),
and a later commit removes it again: history scanning must still find it.
Deterministic for a given seed.
"""
import argparse
import random
import subprocess
import sys
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_tokens import github_token  # noqa: E402

WORDS = ("let fn return if else match self value count buffer index result error config request "
         "response user name path file data items len map iter collect String Vec Option Some None "
         "Ok Err impl struct pub use mod password token secret key").split()

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def source_text(rng, size):
    lines, total = [], 0
    while total < size:
        line = "    " * rng.randrange(4) + " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 11))) + ";"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=20000)
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    per_commit = max(256, args.mb * 1_000_000 // args.commits)
    paths = [f"src/mod{d}/file{f}.rs" for d in range(20) for f in range(20)]
    subprocess.run(["git", "init", "-q", "--bare", args.out], check=True)
    fi = subprocess.Popen(["git", "-C", args.out, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    out = fi.stdin
    planted = 0
    pending_removal = None
    for i in range(args.commits):
        files = {}
        n = 1 + rng.randrange(2)
        for _ in range(n):
            files[rng.choice(paths)] = source_text(rng, per_commit // n)
        if pending_removal:
            files[pending_removal] = "# token removed\n"
            pending_removal = None
        elif i % 500 == 250:
            token = github_token(rng)
            path = f"config/leak{planted}.env"
            files[path] = f"GITHUB_TOKEN={token}\n"
            pending_removal = path
            planted += 1
        ts = 1_600_000_000 + i * 600
        msg = f"commit {i}\n".encode()
        out.write(b"commit refs/heads/main\n")
        out.write(f"author Bench <bench@example.org> {ts} +0000\n".encode())
        out.write(f"committer Bench <bench@example.org> {ts} +0000\n".encode())
        out.write(f"data {len(msg)}\n".encode() + msg)
        for path, text in files.items():
            data = text.encode()
            out.write(f"M 100644 inline {path}\n".encode())
            out.write(f"data {len(data)}\n".encode() + data + b"\n")
        out.write(b"\n")
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", args.out, "repack", "-a", "-d", "-q"], check=True)
    print(f"{args.out}: {args.commits} commits, ~{args.mb} MB of blobs, {planted} planted tokens (each deleted again)")


if __name__ == "__main__":
    main()
