"""Business errors with stable codes; resolvers map them to `UserError` in one place."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable codes shared with the GraphQL `ErrorCode` enum."""

    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_STATE = "INVALID_STATE"
    CONFLICT = "CONFLICT"
    DUPLICATE = "DUPLICATE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    UNAVAILABLE = "UNAVAILABLE"
    UNVERIFIED = "UNVERIFIED"  # the account's enterprise is not verified (KYB) yet
    NO_CONSENT = "NO_CONSENT"  # no valid data authorisation covers what is needed


class DomainError(Exception):
    """An expected failure: bad input, wrong state, not found... Nothing was written."""

    code: ErrorCode = ErrorCode.INVALID_INPUT

    def __init__(self, message: str, *, code: ErrorCode | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class InvalidState(DomainError):
    code = ErrorCode.INVALID_STATE


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class Duplicate(DomainError):
    code = ErrorCode.DUPLICATE


class LimitExceeded(DomainError):
    code = ErrorCode.LIMIT_EXCEEDED


class Unavailable(DomainError):
    code = ErrorCode.UNAVAILABLE


class Unverified(DomainError):
    code = ErrorCode.UNVERIFIED


class NoConsent(DomainError):
    code = ErrorCode.NO_CONSENT
