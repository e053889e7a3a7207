"""Expected failures as the API shows them: `UserError` reads a `resolvers.errors.PayloadError`."""

from __future__ import annotations

import strawberry

from domain.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(
    DomainErrorCode, name="ErrorCode", description="Stable codes of expected failures."
)


@strawberry.type(description="An expected failure: bad input, wrong state, not found...")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: ErrorCode = strawberry.field(description="A stable code, for programs.")  # type: ignore[valid-type]


__all__ = ["ErrorCode", "UserError"]
