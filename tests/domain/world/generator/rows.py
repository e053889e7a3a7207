"""What the generated-world tests share: the default timeline and the row type."""

from __future__ import annotations

from datetime import date
from typing import Any

S, E = date(2024, 1, 1), date(2026, 1, 1)  # the default timeline [S, E)
Rows = dict[str, list[dict[str, Any]]]


def as_date(s: str) -> date:
    """An ISO date string as a date."""
    return date.fromisoformat(s)
