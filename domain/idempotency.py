"""Idempotency keys: the same key replays the first result; a different request is refused.

The key's record and the business change commit in one transaction: the record is inserted
first, the call runs inside the same transaction (its own transactions become savepoints), and
the record's response is written before the commit. A crash anywhere before the commit leaves
nothing, so a retry runs the call; after the commit a retry gets the stored response. A request
with the same key that arrives meanwhile waits on the record's unique key (PostgreSQL) or on the
write lock (SQLite) and then replays. No record is ever left "still running" by a request that
died; rows without a response written by older versions are taken over after `LEASE`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db.models import IdempotencyRecord
from domain.errors import Conflict, InvalidInput
from domain.messaging import outbox

MAX_KEY = 128
WAIT_SECONDS = 30.0
# a record without a response older than this belongs to a request that died
LEASE = timedelta(seconds=60)


class _Taken(Exception):
    """Another request holds (or held) this key."""


def request_hash(operation: str, arguments: dict[str, Any]) -> str:
    """A fingerprint of the operation and its arguments."""
    body = json.dumps([operation, arguments], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def check_key(key: str) -> None:
    """INVALID_INPUT unless the key is 1 to 128 printable characters."""
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput("Idempotency-Key must be 1 to 128 printable characters")


async def run_once(
    *,
    key: str,
    user_id: int,
    operation: str,
    arguments: dict[str, Any],
    call: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run `call` once per (key, user); later calls with the key get the first result back.

    `call` returns what is kept for replays (JSON). It runs in one transaction with the key's
    record: an exception from it rolls both back, and the key is free for a retry.
    """
    check_key(key)
    digest = request_hash(operation, arguments)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    delay = 0.01
    while True:
        stored = await _stored(key=key, user_id=user_id, digest=digest)
        if stored is not None:
            return stored
        try:
            result = await _run_in_transaction(key, user_id, operation, digest, call)
        except _Taken:
            stored = await _stored(key=key, user_id=user_id, digest=digest)
            if stored is not None:
                return stored
            # a row without a response, still within its lease (an older version's request)
            if loop.time() > deadline:
                raise Conflict(
                    "the first request with this Idempotency-Key is still running"
                ) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
            continue
        # outbox rows the call wrote are visible only now: wake the dispatchers again
        outbox.notify()
        return result


async def _run_in_transaction(
    key: str,
    user_id: int,
    operation: str,
    digest: str,
    call: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Claim the key, run the call and store its response, all in one transaction."""
    async with in_transaction() as conn:
        try:
            # on PostgreSQL this waits while another transaction holds the same key
            record = await IdempotencyRecord.create(
                key=key, user_id=user_id, operation=operation, request_hash=digest, using_db=conn
            )
        except IntegrityError:
            raise _Taken from None  # leaving the block rolls the transaction back
        result = await call()
        await save_response(record.id, result, conn=conn)
    return result


async def save_response(record_id: int, response: dict[str, Any], *, conn: Any) -> None:
    """Store the response to replay (inside the claiming transaction)."""
    await IdempotencyRecord.filter(id=record_id).using_db(conn).update(response=response)


async def _stored(*, key: str, user_id: int, digest: str) -> dict[str, Any] | None:
    """The stored response for the key, None when the key is free (or freed from a dead
    request); CONFLICT when it was used for another request."""
    record = await IdempotencyRecord.get_or_none(key=key, user_id=user_id)
    if record is None:
        return None
    if record.request_hash != digest:
        raise Conflict("this Idempotency-Key was used for a different request")
    if record.response is not None:
        response: dict[str, Any] = record.response
        return response
    if record.created_at < datetime.now(UTC) - LEASE:
        # written without its response by a request that died: take the key over
        await IdempotencyRecord.filter(id=record.id, response__isnull=True).delete()
    return None
