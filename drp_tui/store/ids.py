"""Row identifiers made in bulk: the same text UUIDs as `uuid.uuid5` and `uuid.uuid4` give,
built straight from the digest or the random bytes.

An import of a million rows makes two or three million of them; through `uuid.UUID` (an int
conversion, a version check and its own formatting) that alone took seconds. The values are
exactly the standard library's (a test compares them), so ids already in stores, on the hub and
in exports stay what they were.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from hashlib import sha1

HOST_NAMESPACE = uuid.UUID("5b1f6f0e-8d53-4b8a-9a55-2f0f0c6b3d11")
_NAMESPACE_BYTES = HOST_NAMESPACE.bytes


# The variant's hex digit: its two top bits set to 10 (RFC 4122), the low two kept.
_VARIANT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


def _text(h: str, version: str) -> str:
    """32 hex digits as a UUID's text, with its version digit and variant bits set."""
    return f"{h[:8]}-{h[8:12]}-{version}{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def uuid5_text(name: str, namespace: bytes = _NAMESPACE_BYTES) -> str:
    """`str(uuid.uuid5(namespace, name))`."""
    return _text(sha1(namespace + name.encode("utf-8"), usedforsecurity=False).hexdigest(), "5")


def host_id(kind: str, host_system: str, host_ref: str) -> str:
    """The same id for the same host record, on every machine."""
    return uuid5_text(f"{kind}:{host_system}:{host_ref}")


def host_ids(kind: str, host_system: str, host_refs: Iterable[str]) -> list[str]:
    """`host_id(kind, host_system, ref)` for each ref, made in one loop (a million in about a
    second): the namespace and prefix are hashed once and the digest formatted inline."""
    prefix = sha1(_NAMESPACE_BYTES + f"{kind}:{host_system}:".encode(), usedforsecurity=False)
    variant = _VARIANT
    found = []
    for ref in host_refs:
        digest = prefix.copy()
        digest.update(ref.encode("utf-8"))
        h = digest.hexdigest()
        found.append(f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant[h[16]]}{h[17:20]}-{h[20:32]}")
    return found


def random_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as text, from one read of the system's random source."""
    pool = os.urandom(16 * count).hex()
    return [_text(pool[start : start + 32], "4") for start in range(0, 32 * count, 32)]
