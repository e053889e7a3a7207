"""Money-moving mutations run at most once per Idempotency-Key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.types import Info

from domain.errors import DomainError
from domain.idempotency import run_once
from resolvers.context import ctx
from resolvers.errors import errors_from_stored, stored_errors

P = TypeVar("P")


async def once(
    info: Info,
    make: Callable[..., P],
    call: Callable[[], Awaitable[int]],
    *,
    reload: Callable[[int], Awaitable[Any]],
    operation: str,
    arguments: dict[str, Any],
) -> P:
    """Run a call that returns a record's key, once per Idempotency-Key when the client sent one.

    A replay gets the first call's result back: `make(reload(key))` for the key it produced,
    `make(errors=[...])` for its errors.
    """
    c = ctx(info)
    principal = c.require()

    async def stored() -> dict[str, Any]:
        # what is kept for replays: JSON only
        try:
            key = await call()
        except DomainError as exc:
            return {"id": None, "errors": stored_errors(exc)}
        return {"id": key, "errors": []}

    if not c.idempotency_key:
        result = await stored()
    else:
        try:
            result = await run_once(
                key=c.idempotency_key,
                user_id=principal.user_id,
                operation=operation,
                arguments=arguments,
                call=stored,
            )
        except DomainError as exc:
            result = {"id": None, "errors": stored_errors(exc)}
    if result["id"] is None:
        return make(errors=errors_from_stored(result["errors"]))
    return make(await reload(result["id"]))


__all__ = ["once"]
