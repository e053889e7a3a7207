"""Mapping domain errors to payload `UserError`s and top-level GraphQL errors."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError
from domain.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(
    DomainErrorCode, name="ErrorCode", description="Stable codes of expected failures."
)


@strawberry.type(description="An expected failure: bad input, wrong state, not found...")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: ErrorCode = strawberry.field(description="A stable code, for programs.")  # type: ignore[valid-type]


def user_errors(exc: DomainError) -> list[UserError]:
    """The payload errors for a domain error."""
    return [UserError(field=exc.field, message=exc.message, code=exc.code)]


def unauthenticated() -> GraphQLError:
    """The top-level error for a missing or invalid token."""
    return GraphQLError("authentication required", extensions={"code": "UNAUTHENTICATED"})


def forbidden(message: str = "not allowed") -> GraphQLError:
    """The top-level error for an operation the role may not use."""
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def bad_request(message: str) -> GraphQLError:
    """The top-level error for malformed arguments (a cursor that is not ours...)."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
