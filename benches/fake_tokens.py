"""Fake, format-valid tokens for the benchmark generators (never real credentials)."""
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_token(rng):
    """A classic GitHub token shape: `ghp_`, 30 random base62 characters and their CRC32."""
    body = "".join(rng.choice(BASE62) for _ in range(30))
    n, check = zlib.crc32(body.encode()), ""
    for _ in range(6):
        n, r = divmod(n, 62)
        check = BASE62[r] + check
    return "ghp_" + body + check
