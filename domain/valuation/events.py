"""Which patent a patent event (lapse, invalidation, transfer) is about."""

from __future__ import annotations

PATENT_EVENTS = ("patent_lapsed", "patent_invalidated", "patent_transferred")


def payload_number(payload: object) -> str | None:
    """The patent number an event payload names (`number`, else `patent`)."""
    if isinstance(payload, dict):
        value = payload.get("number") or payload.get("patent")
        return None if value is None else str(value)
    return None
