"""The request id that follows a request into domain code and actors (no dependencies, so any
module may read it without importing logging or metrics)."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or actor message) being handled, if any."""
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    """Set (or create) the current request id and return it."""
    rid = value or uuid.uuid4().hex
    _request_id.set(rid)
    return rid
