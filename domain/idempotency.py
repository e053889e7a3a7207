"""Idempotency keys: the same key replays the first result; a different request is refused."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError

from db.models import IdempotencyRecord
from domain.errors import Conflict, InvalidInput

MAX_KEY = 128
WAIT_SECONDS = 30.0


def request_hash(operation: str, arguments: dict[str, Any]) -> str:
    """A fingerprint of the operation and its arguments."""
    body = json.dumps([operation, arguments], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


async def run_once(
    *,
    key: str,
    user_id: int,
    operation: str,
    arguments: dict[str, Any],
    call: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run `call` once per (key, user); later calls with the key get the first result back.

    The first caller claims the key with a row (unique per user and key); concurrent callers
    wait for its result. A failed claim (an unexpected exception) releases the key.
    """
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput("Idempotency-Key must be 1 to 128 printable characters")
    digest = request_hash(operation, arguments)
    try:
        record = await IdempotencyRecord.create(
            key=key, user_id=user_id, operation=operation, request_hash=digest
        )
    except IntegrityError:
        return await _replay(key=key, user_id=user_id, digest=digest)
    try:
        result = await call()
    except BaseException:
        await IdempotencyRecord.filter(id=record.id).delete()
        raise
    await IdempotencyRecord.filter(id=record.id).update(response=result)
    return result


async def _replay(*, key: str, user_id: int, digest: str) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    delay = 0.01
    while True:
        record = await IdempotencyRecord.get_or_none(key=key, user_id=user_id)
        if record is None:
            raise Conflict("the first request with this Idempotency-Key failed; use a new key")
        if record.request_hash != digest:
            raise Conflict("this Idempotency-Key was used for a different request")
        if record.response is not None:
            response: dict[str, Any] = record.response
            return response
        if loop.time() > deadline:
            raise Conflict("the first request with this Idempotency-Key is still running")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)
