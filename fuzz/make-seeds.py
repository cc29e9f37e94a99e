#!/usr/bin/env python3
"""Writes small seed inputs for every fuzz target into fuzz/corpus/<target>/ (not committed),
and the fixed OCI layout blobs of the image_layout target into fuzz/image-template/
(committed: the target reads them). Deterministic; fake secrets are assembled at run time."""

import gzip
import hashlib
import io
import json
import os
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
AWS = "AK" + "IA" + "DU2X4TDYFSHAVIGR"
GHP = "gh" + "p_UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb"


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def tar_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gz(data):
    return gzip.compress(data, mtime=0)


def sha(data):
    return hashlib.sha256(data).hexdigest()


# rules_toml: the built-in rule files (each is a valid rule file).
for name in sorted(os.listdir(os.path.join(ROOT, "rules")))[:12]:
    with open(os.path.join(ROOT, "rules", name), "rb") as f:
        put("rules_toml", name, f.read())

# archive_expand: each container kind around a secret, and nesting.
env = f"AWS_ACCESS_KEY_ID={AWS}\n".encode()
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("app/.env", env)
    z.writestr("README", b"hello\n")
put("archive_expand", "zip", zbuf.getvalue())
put("archive_expand", "tar", tar_of([("etc/app.env", env)]))
put("archive_expand", "tar.gz", gz(tar_of([("etc/app.env", env)])))
put("archive_expand", "gz", gz(env))
try:
    import bz2
    import lzma

    put("archive_expand", "bz2", bz2.compress(env))
    put("archive_expand", "xz", lzma.compress(env, format=lzma.FORMAT_XZ))
except ImportError:
    pass

# detector: text with tokens, UTF-16, base64, percent-encoding, a PEM block.
put("detector", "plain", f"aws_access_key_id = {AWS}\ntoken = '{GHP}'\n")
put("detector", "utf16", "\ufeff".encode("utf-16-le") + f"key={AWS}\n".encode("utf-16-le"))
import base64

put("detector", "base64", b"data:\n  creds: " + base64.b64encode(f"aws_access_key_id={AWS}".encode()) + b"\n")
put("detector", "percent", f"https://x.invalid/?k=gh%70_{GHP[4:]}\n")
put("detector", "pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n")
put("detector", "allow", f"x = {AWS} # leakscan:allow\n")

# keyword_filter: keywords (newline-separated), 0xFF, text.
put("keyword_filter", "mixed", b"ghp_\nsk0\npassword\ndatabase_url\nq\nIntegration_Key\xffPASSWORD=ghp_x sk01 DATABASE_URL integration_key q")
put("keyword_filter", "folded", b"a_b\nA\x7fB\n\n*\xffa_b a\x7fb \n\x00 *")
put("keyword_filter", "overlap", b"aaaa\naa\naaa\xffaaaaaaaaa")

# config_checks: first byte picks the file name (see NAMES in the target).
put("config_checks", "workflow", b"\x00on: pull_request_target\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: echo \"${{ github.event.issue.title }}\"\n")
put("config_checks", "gitlab", b"\x01variables:\n  DB_PASSWORD: hunter2-Zq8x\nbuild:\n  script: [make]\n")
put("config_checks", "k8s", b"\x02apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: " + base64.b64encode(b"s3cr3t-Pa55w0rd!") + b"\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    env:\n    - name: API_TOKEN\n      value: tok-9f8e7d6c5b4a\n")
put("config_checks", "compose", b"\x03services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: Zx9-secret-pass\n")
put("config_checks", "values", b"\x04auth:\n  password: Zx9-secret-pass\n")
put("config_checks", "dockerfile", b"\x05FROM alpine:3\nARG NPM_TOKEN\nENV DB_PASSWORD=Zx9-secret-pass\nRUN echo $NPM_TOKEN > ~/.npmrc\nADD https://x.invalid/a.sh /a.sh\nUSER root\n")
put("config_checks", "terraform", b"\x07resource \"aws_db_instance\" \"db\" {\n  password = \"Zx9-secret-pass\"\n}\nvariable \"token\" {\n  default = \"tok-9f8e7d6c5b4a\"\n}\n")
put("config_checks", "dotenv", b"\x09DB_PASSWORD=Zx9-secret-pass\nAPI_KEY=\"k-8f7e6d5c4b3a\"\n")
put("config_checks", "reuse", b"\x0aDB_PASSWORD=Zx9-secret-pass\n\x00\x00DB_PASSWORD=Zx9-secret-pass\n")

# git_object: a tree, a commit and a tag as gix decodes them (mode 0), and as replaced
# loose objects (modes 1 and 2).
blob_id = bytes.fromhex("8baef1b4abc478178b004d62031cf7fe6db6f903")
tree = b"100644 app.env\x00" + blob_id + b"40000 src\x00" + blob_id
commit = (b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
          b"author A <a@x> 1700000000 +0000\ncommitter C <c@x> 1700000000 -0130\ngpgsig -----BEGIN PGP SIGNATURE-----\n x\n -----END PGP SIGNATURE-----\n\nsubject\n\nbody\n")
tag = b"object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1\ntagger T <t@x> 1700000000 +0000\n\nmsg\n"
put("git_object", "tree", b"\x00" + tree)
put("git_object", "commit", b"\x00" + commit)
put("git_object", "tag", b"\x00" + tag)
put("git_object", "loose-tree", b"\x01" + tree)
put("git_object", "loose-commit", b"\x02" + commit)



def git_pack_seeds():
    """The packed repository of the git_object target (same commands, names and dates), so its
    pack and index are seeds for modes 3 and 4."""
    import glob
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as root:
        env = dict(os.environ, GIT_AUTHOR_DATE="1700000000 +0000", GIT_COMMITTER_DATE="1700000000 +0000")

        def git(*args):
            subprocess.run(["git", "-C", root, "-c", "user.name=fuzz", "-c", "user.email=fuzz@example.invalid",
                            "-c", "commit.gpgsign=false", *args], check=True, env=env, capture_output=True)

        git("init", "-q")
        lines = "".join(f"setting_{i} = value {i}\n" for i in range(64))
        with open(os.path.join(root, "app.cfg"), "w") as f:
            f.write(lines)
        git("add", ".")
        git("commit", "-q", "-m", "first")
        with open(os.path.join(root, "app.cfg"), "w") as f:
            f.write(lines + "TOKEN=abc\n")
        git("commit", "-q", "-am", "second")
        git("repack", "-a", "-d", "-q")
        pack = glob.glob(os.path.join(root, ".git/objects/pack/*.pack"))[0]
        with open(pack, "rb") as f:
            put("git_object", "pack", b"\x03" + f.read())
        with open(pack[:-5] + ".idx", "rb") as f:
            put("git_object", "pack-index", b"\x04" + f.read())


git_pack_seeds()

# image_layout: the fixed OCI layout (template) and seeds: its index.json (odd first byte),
# the whole layout as a tarball, and a docker-save tarball (even first byte).
# The template is committed: no secret-shaped values in it (the project scans itself).
layer = gz(tar_of([("etc/app.env", b"TOKEN=changeme\n"), ("etc/.wh.old", b"")]))
config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/bin", "DEPLOY_TOKEN=changeme"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(gzip.decompress(layer))]},
    "history": [{"created_by": "COPY app.env /etc/app.env"}],
}, sort_keys=True).encode()
manifest = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + sha(layer), "size": len(layer)}],
}, sort_keys=True).encode()
index = json.dumps({
    "schemaVersion": 2,
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(manifest),
                   "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "acme/app:1.0"}}],
}, sort_keys=True).encode()
template = os.path.join(HERE, "image-template")
os.makedirs(os.path.join(template, "blobs", "sha256"), exist_ok=True)
layout_files = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')]
for blob in (layer, config, manifest):
    with open(os.path.join(template, "blobs", "sha256", sha(blob)), "wb") as f:
        f.write(blob)
    layout_files.append(("blobs/sha256/" + sha(blob), blob))
with open(os.path.join(template, "oci-layout"), "wb") as f:
    f.write(layout_files[0][1])
put("image_layout", "index", b"\x01" + index)
put("image_layout", "manifest", b"\x03" + manifest)
put("image_layout", "oci-tar", b"\x00" + tar_of(layout_files + [("index.json", index)]))
docker_manifest = json.dumps([{"Config": "blobs/sha256/" + sha(config), "RepoTags": ["acme/app:1.0"],
                               "Layers": ["blobs/sha256/" + sha(layer)]}]).encode()
put("image_layout", "docker-save", b"\x02" + tar_of(layout_files[1:] + [("manifest.json", docker_manifest)]))
print("seeds written to", os.path.join(HERE, "corpus"))
