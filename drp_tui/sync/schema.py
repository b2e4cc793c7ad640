"""The hub's own tables, beside a full copy of the store's tables (see hub.py).

`hubchange` is the change feed every workstation pulls from: triggers on the replicated tables
write one row per changed row, numbered in commit order, with the case it belongs to and the
workstation whose push made it (so that desk is not sent its own change back).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text

HUB_METADATA = MetaData()
# SQLite numbers rows itself only for INTEGER PRIMARY KEY; PostgreSQL needs a 64-bit sequence.
Sequence64 = BigInteger().with_variant(Integer(), "sqlite")

hub_event = Table(
    "hubevent",
    HUB_METADATA,
    Column("seq", Sequence64, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("officer_id", String, nullable=False),
    Column("at", Text, nullable=False),
    Column("case_id", String, nullable=True, index=True),
    Column("kind", String, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String, nullable=False),
    Column("hash", String, nullable=False),
    Column("workstation_id", String, nullable=False, index=True),
    Column("received_at", Text, nullable=False),
)

hub_change = Table(
    "hubchange",
    HUB_METADATA,
    Column("seq", Sequence64, primary_key=True, autoincrement=True),
    Column("table_name", String, nullable=False),
    Column("row_key", String, nullable=False),
    Column("case_id", String, nullable=True, index=True),
    Column("origin", String, nullable=True),
    Column("moved_from", String, nullable=True, index=True),
    Column("moved_to", String, nullable=True),
)

hub_allocation = Table(
    "huballocation",
    HUB_METADATA,
    Column("case_id", String, primary_key=True),
    Column("officer_id", String, primary_key=True),
)

hub_workstation = Table(
    "hubworkstation",
    HUB_METADATA,
    Column("id", String, primary_key=True),
    Column("officer_id", String, nullable=False),
    Column("first_seen_at", Text, nullable=False),
    Column("last_push_at", Text, nullable=True),
    Column("last_pull_at", Text, nullable=True),
    Column("cursor", BigInteger, nullable=False, default=0),
    Column("events_pushed", BigInteger, nullable=False, default=0),
)

hub_conflict = Table(
    "hubconflict",
    HUB_METADATA,
    Column("id", String, primary_key=True),
    Column("kind", String, nullable=False),
    Column("case_id", String, nullable=True, index=True),
    Column("detail", Text, nullable=False),
    Column("workstation_id", String, nullable=True),
    Column("flagged_at", Text, nullable=False),
    Column("resolved_at", Text, nullable=True),
)

hub_refusal = Table(
    "hubrefusal",
    HUB_METADATA,
    Column("id", String, primary_key=True),
    Column("workstation_id", String, nullable=False),
    Column("officer_id", String, nullable=False),
    Column("case_id", String, nullable=True),
    Column("item", String, nullable=False),
    Column("reason", Text, nullable=False),
    Column("received_at", Text, nullable=False),
)

hub_origin = Table(
    "huborigin",
    HUB_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("workstation_id", String, nullable=True),
)

hub_anchor = Table(
    "hubanchor",
    HUB_METADATA,
    Column("workstation_id", String, primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("officer_id", String, nullable=False),
    Column("hash", String, nullable=False),
    Column("received_at", Text, nullable=False),
)

# What the hub's retention removed, case by case and record type, numbered in the order
# written, for the desks that hold the cases (h024; h021's hubremovedcase before it).
hub_removal = Table(
    "hubremoval",
    HUB_METADATA,
    Column("seq", Sequence64, primary_key=True, autoincrement=True),
    Column("case_id", String, nullable=False, index=True),
    Column("record_type", String, nullable=False),
    Column("removed_at", Text, nullable=False),
)
