#!/usr/bin/env python3
"""Write a synthetic CI/application log of realistic noise to stdout (deterministic per seed).

Usage: benches/gen_log.py MEGABYTES [--seed 7] [--tokens N]

Lines carry timestamps, request and trace ids, UUIDs, hex digests, base64 cursors, JWT-shaped
but invalid strings, URLs and key=value noise: what a scanner must not report. --tokens N
plants N fake, format-valid GitHub tokens (assembled here) at random lines.
"""
import argparse
import base64
import random
import sys
import uuid
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_tokens import github_token  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("mb", type=int)
ap.add_argument("--seed", type=int, default=7)
ap.add_argument("--tokens", type=int, default=0)
args = ap.parse_args()
rng = random.Random(args.seed)

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
levels = ["INFO", "DEBUG", "WARN", "INFO", "INFO"]
paths = ["/api/v1/orders", "/healthz", "/api/v2/users/search", "/static/app.js", "/metrics"]
target = args.mb * 1_000_000
token_at = set(rng.randrange(max(1, target // 120)) for _ in range(args.tokens))
out = sys.stdout
written = 0
n = 0
buf = []
while written < target:
    ts = f"2026-11-26T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
    kind = rng.randrange(6)
    if n in token_at:
        line = f"{ts} DEBUG env GITHUB_TOKEN={github_token(rng)}"
    elif kind == 0:
        line = f"{ts} {rng.choice(levels)} request_id={uuid.UUID(int=rng.getrandbits(128))} path={rng.choice(paths)} status=200 dur_ms={rng.randrange(900)}"
    elif kind == 1:
        line = f"{ts} {rng.choice(levels)} trace_id={rng.getrandbits(128):032x} span_id={rng.getrandbits(64):016x} sampled=true"
    elif kind == 2:
        line = f"{ts} INFO artifact sha256:{rng.getrandbits(256):064x} uploaded size={rng.randrange(10**7)}"
    elif kind == 3:
        cursor = base64.b64encode(rng.randbytes(24)).decode()
        line = f"{ts} DEBUG page cursor={cursor} next=true"
    elif kind == 4:
        line = f"{ts} INFO git checkout {rng.getrandbits(160):040x} (detached HEAD)"
    else:
        line = f"{ts} {rng.choice(levels)} worker-{rng.randrange(64)} processed {rng.randrange(10**5)} items from queue jobs-{rng.randrange(9)}"
    buf.append(line)
    written += len(line) + 1
    n += 1
    if len(buf) >= 10_000:
        out.write("\n".join(buf) + "\n")
        buf = []
if buf:
    out.write("\n".join(buf) + "\n")
