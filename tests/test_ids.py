"""Bulk-made row ids are exactly the standard library's UUIDs: ids already in stores, on the
hub and in exports must not change."""

from __future__ import annotations

import uuid

from drp_tui.store.ids import HOST_NAMESPACE, host_id, host_ids, random_ids, uuid5_text
from drp_tui.store.models import host_id as models_host_id


def test_host_ids_are_uuid5_of_the_host_reference() -> None:
    for kind, host, ref in [
        ("person", "host", "P1"),
        ("debt", "academy", "CT00000001"),
        ("case", "host", "Zoë O'Neill"),
        ("debt", "", ""),
        ("person", "h", "x" * 300),
    ]:
        expected = str(uuid.uuid5(HOST_NAMESPACE, f"{kind}:{host}:{ref}"))
        assert host_id(kind, host, ref) == expected
        assert models_host_id(kind, host, ref) == expected
    assert uuid5_text("x", uuid.NAMESPACE_DNS.bytes) == str(uuid.uuid5(uuid.NAMESPACE_DNS, "x"))


def test_random_ids_are_distinct_version_4_uuids_in_canonical_text() -> None:
    ids = random_ids(2_000)
    assert len(set(ids)) == 2_000
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
    assert random_ids(0) == []


def test_host_ids_made_in_bulk_are_host_ids() -> None:
    refs = ["P1", "Zoë O'Neill", "", "x" * 300, "CT00000001"]
    for kind, host in [("person", "host"), ("debt", "academy"), ("case", "")]:
        assert host_ids(kind, host, refs) == [host_id(kind, host, ref) for ref in refs]
    assert host_ids("person", "host", []) == []
