"""Event indicators: counts per type over look-back windows ending at the as-of date."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.domain.indicators.worlds import day, firm, frames, value, values


def event(i: int, uscc: str, offset: int, etype: str) -> dict[str, object]:
    return {"id": f"e{i}", "uscc": uscc, "occurred_at": day(offset) + "T08:00:00Z",
            "type": etype, "payload": {}}  # fmt: skip


EVENTS = [
    event(1, "A", -10, "dishonest_listed"),
    event(2, "A", -100, "dishonest_listed"),
    event(3, "A", -200, "legal_rep_changed"),
    event(4, "A", -400, "overdue_payment"),
    event(5, "A", -1000, "tax_arrears"),
    event(6, "A", 5, "dishonest_listed"),  # after as_of
    event(7, "B", -1, "patent_transferred"),
]
WORLD = frames(enterprises=[firm("A"), firm("B"), firm("C")], events=EVENTS)


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return values(WORLD)


@pytest.mark.parametrize(
    ("uscc", "code", "expected"),
    [
        ("A", "evt.dishonest_listed.90d.count", 1.0),
        ("A", "evt.dishonest_listed.180d.count", 2.0),
        ("A", "evt.dishonest_listed.all.count", 2.0),
        ("A", "evt.legal_rep_changed.180d.count", 0.0),
        ("A", "evt.legal_rep_changed.365d.count", 1.0),
        ("A", "evt.overdue_payment.730d.count", 1.0),
        ("A", "evt.tax_arrears.730d.count", 0.0),
        ("A", "evt.tax_arrears.all.count", 1.0),
        ("A", "evt.severe.365d.count", 2.0),
        ("A", "evt.severe.all.count", 4.0),
        ("A", "evt.any.365d.types", 2.0),
        ("A", "evt.any.all.types", 4.0),
        ("A", "evt.severe.all.days_since_last", 10.0 - 8 / 24),
        ("B", "evt.patent_transferred.90d.count", 1.0),
        ("B", "evt.severe.all.count", 0.0),
        ("C", "evt.any.all.types", 0.0),
    ],
)
def test_values(df: pd.DataFrame, uscc: str, code: str, expected: float) -> None:
    assert value(df, uscc, code) == pytest.approx(expected)


def test_no_severe_event_means_no_days_since(df: pd.DataFrame) -> None:
    assert math.isnan(value(df, "B", "evt.severe.all.days_since_last"))
