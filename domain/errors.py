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
    # credit lines, renewals, programmes and pledges
    LINE_FROZEN = "LINE_FROZEN"  # the credit line is frozen: nothing can be drawn
    LINE_EXPIRED = "LINE_EXPIRED"  # the credit line's validity has ended (or it is closed)
    GUARANTEE_NOT_SIGNED = "GUARANTEE_NOT_SIGNED"  # the guarantor has not signed yet
    PLEDGE_NOT_REGISTERED = "PLEDGE_NOT_REGISTERED"  # a pledged patent is not registered
    ALREADY_PLEDGED = "ALREADY_PLEDGED"  # the patent has a standing pledge
    RENEWAL_INELIGIBLE = "RENEWAL_INELIGIBLE"  # the renewal policy's conditions are not met
    CLAIM_NOT_DUE = "CLAIM_NOT_DUE"  # days past due below the programme's trigger
    PERIOD_CLOSED = "PERIOD_CLOSED"  # the subsidy period was already claimed
    PERIOD_OPEN = "PERIOD_OPEN"  # the subsidy period has not ended yet
    # the work queue
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"  # another staff member holds the application


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


class AlreadyAssigned(DomainError):
    code = ErrorCode.ALREADY_ASSIGNED
