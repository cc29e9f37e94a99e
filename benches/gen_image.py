#!/usr/bin/env python3
"""Write a synthetic `docker save` tarball for image-scan benchmarks (deterministic per seed).

Usage: benches/gen_image.py OUT.tar [--layers 10] [--mb 500] [--seed 7]

Each layer is a gzip-compressed tar of source-like files; one fake, format-valid token is
planted in layer 0 and whited out in layer 1.
"""
import argparse
import gzip
import hashlib
import io
import json
import random
import tarfile
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_tokens import github_token  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--layers", type=int, default=10)
ap.add_argument("--mb", type=int, default=500)
ap.add_argument("--seed", type=int, default=7)
args = ap.parse_args()
rng = random.Random(args.seed)
WORDS = "let fn return if else match self value count buffer index result error config request user name path".split()

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def text(size):
    words = []
    total = 0
    while total < size:
        w = rng.choice(WORDS)
        words.append(w)
        total += len(w) + 1
    return (" ".join(words) + "\n").encode()


def tar_bytes(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


per_layer = args.mb * 1_000_000 // args.layers
layers = []
for i in range(args.layers):
    files = []
    size = 0
    n = 0
    while size < per_layer:
        data = text(rng.randrange(20_000, 200_000))
        files.append((f"app/layer{i}/file{n}.txt", data))
        size += len(data)
        n += 1
    if i == 0:
        files.append(("etc/app.env", ("GH_TOKEN=" + github_token(rng) + "\n").encode()))
    if i == 1:
        files.append(("etc/.wh.app.env", b""))
    layers.append(gzip.compress(tar_bytes(files), compresslevel=1))
config = json.dumps({"config": {"Env": ["PATH=/usr/bin"]}, "history": [{"created_by": f"COPY layer {i}"} for i in range(args.layers)]}).encode()
entries = []
paths = []
for layer in layers:
    p = "blobs/sha256/" + hashlib.sha256(layer).hexdigest()
    entries.append((p, layer))
    paths.append(p)
cp = "blobs/sha256/" + hashlib.sha256(config).hexdigest()
entries.append((cp, config))
entries.append(("manifest.json", json.dumps([{"Config": cp, "RepoTags": ["bench/app:1"], "Layers": paths}]).encode()))
with open(args.out, "wb") as f:
    f.write(tar_bytes(entries))
print(f"{args.out}: {args.layers} layers, ~{args.mb} MB of files")
