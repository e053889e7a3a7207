"""Append audit entries to a hash chain and verify it.

Each entry's hash covers the previous entry's hash and the entry's own canonical JSON, so a
changed, removed or reordered entry breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import AuditEntry
from domain.context import current_request_id

GENESIS = "0" * 64
# PostgreSQL advisory lock key serialising appends to the chain
_CHAIN_LOCK = 4_242_001


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    data: Any,
) -> str:
    """The SHA-256 of the previous hash and the entry's canonical JSON."""
    body = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "data": data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


async def record(
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    data: dict[str, Any] | None = None,
    connection: BaseDBAsyncClient | None = None,
) -> AuditEntry:
    """Append one entry; pass the caller's transaction so the entry commits with the change."""
    if connection is None:
        async with in_transaction() as conn:
            return await _append(conn, actor, action, entity_type, str(entity_id), data or {})
    return await _append(connection, actor, action, entity_type, str(entity_id), data or {})


async def _append(
    conn: BaseDBAsyncClient,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    data: dict[str, Any],
) -> AuditEntry:
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_CHAIN_LOCK])
    elif conn.capabilities.dialect == "sqlite":
        # take the write lock before reading the chain's end: a transaction that read first
        # and then writes fails at once ("database is locked") when another process wrote in
        # between, while taking the lock first waits for it (the busy timeout)
        await conn.execute_query("UPDATE audit_entry SET seq = seq WHERE 0 = 1")
    last = await AuditEntry.all().using_db(conn).order_by("-seq").first()
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    at = datetime.now(UTC)
    # round-trip through JSON so the hash covers exactly what is stored
    stored = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    digest = entry_hash(
        prev,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        data=stored,
    )
    return await AuditEntry.create(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        data=stored,
        request_id=current_request_id(),
        prev_hash=prev,
        hash=digest,
        using_db=conn,
    )


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying the chain: ok, or the first broken entry and why."""

    ok: bool
    entries: int
    broken_at_seq: int | None = None
    reason: str = ""


async def verify_chain() -> ChainReport:
    """Walk the chain in order and report the first entry that does not verify."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    async for entry in AuditEntry.all().order_by("seq"):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(
                False, count, entry.seq, f"sequence gap: expected {expected_seq}, found {entry.seq}"
            )
        if entry.prev_hash != prev:
            return ChainReport(False, count, entry.seq, "previous hash does not match")
        digest = entry_hash(
            prev,
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            data=entry.data,
        )
        if digest != entry.hash:
            return ChainReport(False, count, entry.seq, "entry content was changed")
        prev = entry.hash
        expected_seq += 1
    return ChainReport(True, count)
