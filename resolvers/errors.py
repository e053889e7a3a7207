"""The one place mapping domain errors to payload errors and to top-level GraphQL errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import GraphQLError

from domain.errors import DomainError, ErrorCode

P = TypeVar("P")

# top-level codes of refusals that are not domain errors
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
BAD_USER_INPUT = "BAD_USER_INPUT"


@dataclass(frozen=True)
class PayloadError:
    """An expected failure as a payload lists it (`UserError` reads it).

    Not the exception itself: GraphQL execution treats an exception in a field's value as a
    failure of that field.
    """

    field: str | None
    message: str
    code: ErrorCode

    @classmethod
    def of(cls, exc: DomainError) -> PayloadError:
        """The payload error for a domain error."""
        return cls(field=exc.field, message=exc.message, code=exc.code)


def unauthenticated() -> GraphQLError:
    """The top-level error for a missing or invalid token."""
    return GraphQLError("authentication required", extensions={"code": UNAUTHENTICATED})


def forbidden(message: str = "not allowed") -> GraphQLError:
    """The top-level error for an operation the role may not use."""
    return GraphQLError(message, extensions={"code": FORBIDDEN})


def bad_request(message: str) -> GraphQLError:
    """The top-level error for malformed arguments (a cursor that is not ours...)."""
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT})


def top_level_code(exc: DomainError) -> str:
    """The top-level code of a domain error: bad arguments read as BAD_USER_INPUT."""
    if exc.code in (ErrorCode.INVALID_INPUT, ErrorCode.NOT_FOUND):
        return BAD_USER_INPUT
    return exc.code.value


def graphql_error(exc: DomainError) -> GraphQLError:
    """A domain error raised outside a payload, as a top-level error with a stable code."""
    return GraphQLError(
        exc.message, extensions={"code": top_level_code(exc), "reason": exc.code.value}
    )


async def payload(make: Callable[..., P], call: Callable[[], Awaitable[Any]]) -> P:
    """Run a domain call: `make(result)` on success, `make(errors=[...])` on a domain error."""
    try:
        result = await call()
    except DomainError as exc:
        return make(errors=[PayloadError.of(exc)])
    return make(result)


def stored_errors(exc: DomainError) -> list[dict[str, Any]]:
    """A domain error as payload errors that can be stored (an idempotent call's result)."""
    return [{"field": exc.field, "message": exc.message, "code": exc.code.value}]


def errors_from_stored(stored: list[dict[str, Any]]) -> list[PayloadError]:
    """Payload errors back from their stored form."""
    return [
        PayloadError(field=e["field"], message=e["message"], code=ErrorCode(e["code"]))
        for e in stored
    ]


__all__ = [
    "BAD_USER_INPUT",
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "PayloadError",
    "bad_request",
    "errors_from_stored",
    "forbidden",
    "graphql_error",
    "payload",
    "stored_errors",
    "top_level_code",
    "unauthenticated",
]
