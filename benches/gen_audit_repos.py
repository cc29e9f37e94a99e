#!/usr/bin/env python3
"""Generates N synthetic git repositories for the bulk-audit benchmark (benches/audit_bench.sh).

Each repository gets COMMITS commits touching a handful of source-like files (about 40 files,
a few KB each, with history), and every 10th repository a fake token planted in one commit
(assembled here at run time, so this file holds no full token). Deterministic: the same
arguments give the same repositories. Uses `git fast-import` so 200 repositories take seconds.

usage: gen_audit_repos.py OUT_DIR [--repos 200] [--commits 50] [--files 40]
       gen_audit_repos.py OUT_DIR --add-commit NAME...   (one more commit in each NAME)
"""
import argparse
import os
import random
import subprocess
import sys

WORDS = ("alpha beta gamma delta config server client request response token value handler "
         "index cache user session timeout retry limit buffer stream parse render update").split()


def text(rng, lines):
    out = []
    for i in range(lines):
        out.append("def f_%d(%s):  # %s" % (i, ", ".join(rng.sample(WORDS, 3)), " ".join(rng.sample(WORDS, 6))))
    return "\n".join(out) + "\n"


def git(cwd, *args, data=None):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=cwd,
               GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.org",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.org")
    subprocess.run(["git", *args], cwd=cwd, input=data, check=True, env=env,
                   stdout=subprocess.DEVNULL)


def make_repo(path, seed, commits, files):
    rng = random.Random(seed)
    os.makedirs(path, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    stream = []
    mark = 0
    names = ["src/mod_%02d.py" % i for i in range(files)]
    secret_commit = rng.randrange(commits) if seed % 10 == 0 else -1
    t = 1700000000 + seed * 1000
    for c in range(commits):
        touched = names if c == 0 else rng.sample(names, 3)
        blobs = []
        for name in touched:
            mark += 1
            body = text(rng, rng.randint(40, 120)).encode()
            stream.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(body), body))
            blobs.append((name, mark))
        if c == secret_commit:
            mark += 1
            token = "ghp_" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(36))
            body = ("GITHUB_TOKEN = \"%s\"\n" % token).encode()
            stream.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(body), body))
            blobs.append(("settings.py", mark))
        msg = b"commit %d" % c
        stream.append(b"commit refs/heads/main\ncommitter Bench <bench@example.org> %d +0000\ndata %d\n%s\n"
                      % (t + c * 60, len(msg), msg))
        for name, m in blobs:
            stream.append(b"M 100644 :%d %s\n" % (m, name.encode()))
        stream.append(b"\n")
    git(path, "fast-import", "--quiet", data=b"".join(stream))
    git(path, "checkout", "-q", "-f", "main")


def add_commit(path, seed):
    rng = random.Random(seed * 7919 + 1)
    with open(os.path.join(path, "CHANGELOG.md"), "a") as f:
        f.write(text(rng, 5))
    git(path, "add", "CHANGELOG.md")
    git(path, "commit", "-q", "-m", "one more commit")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--commits", type=int, default=50)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--add-commit", nargs="*", metavar="NAME")
    a = ap.parse_args()
    if a.add_commit is not None:
        for i, name in enumerate(a.add_commit):
            add_commit(os.path.join(a.out, name), i)
        return 0
    for i in range(a.repos):
        make_repo(os.path.join(a.out, "repo-%03d" % i), i, a.commits, a.files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
