"""Money-moving mutations run at most once per Idempotency-Key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from strawberry.types import Info

from domain.errors import DomainError
from domain.idempotency import run_once
from resolvers.context import ctx
from resolvers.errors import PayloadError, errors_from_stored, stored_errors


@dataclass(frozen=True)
class Done:
    """The key of the record a call produced, or why it produced none."""

    id: int | None
    errors: list[PayloadError]


async def once(
    info: Info,
    *,
    operation: str,
    arguments: dict[str, Any],
    call: Callable[[], Awaitable[int]],
) -> Done:
    """Run a call that returns a record's key, once per Idempotency-Key when the client sent one.

    A replay gets the first call's result back: the key it produced, or its errors.
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
    return Done(id=result["id"], errors=errors_from_stored(result["errors"]))


__all__ = ["Done", "once"]
