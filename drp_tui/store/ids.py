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
from hashlib import sha1

HOST_NAMESPACE = uuid.UUID("5b1f6f0e-8d53-4b8a-9a55-2f0f0c6b3d11")
_NAMESPACE_BYTES = HOST_NAMESPACE.bytes


def _text(raw: bytes | bytearray) -> str:
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def uuid5_text(name: str, namespace: bytes = _NAMESPACE_BYTES) -> str:
    """`str(uuid.uuid5(namespace, name))`."""
    raw = bytearray(sha1(namespace + name.encode("utf-8"), usedforsecurity=False).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50
    raw[8] = (raw[8] & 0x3F) | 0x80
    return _text(bytes(raw))


def host_id(kind: str, host_system: str, host_ref: str) -> str:
    """The same id for the same host record, on every machine."""
    return uuid5_text(f"{kind}:{host_system}:{host_ref}")


def random_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as text, from one read of the system's random source."""
    pool = bytearray(os.urandom(16 * count))
    ids = []
    for start in range(0, 16 * count, 16):
        pool[start + 6] = (pool[start + 6] & 0x0F) | 0x40
        pool[start + 8] = (pool[start + 8] & 0x3F) | 0x80
        ids.append(_text(pool[start : start + 16]))
    return ids
