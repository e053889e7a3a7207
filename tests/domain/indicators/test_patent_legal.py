"""The statutory term by kind and filing date, and the legal status at a date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domain.indicators.patent_legal import legal_status, term_years

AS_OF = pd.Timestamp("2024-06-30")
NAT = np.datetime64("NaT", "ns")


@pytest.mark.parametrize(
    ("kind", "filed_on", "years"),
    [
        ("invention", "2021-05-31", 20.0),
        ("invention", "2021-06-01", 20.0),
        ("utility_model", "2021-05-31", 10.0),
        ("utility_model", "2021-06-01", 10.0),
        ("design", "2021-05-31", 10.0),
        ("design", "2021-06-01", 15.0),
        ("design", "2012-01-01", 10.0),
        ("design", "2024-01-01", 15.0),
        ("design", None, 10.0),  # undated: counts as filed before the reform
        ("unknown", "2021-06-01", 20.0),
    ],
)
def test_term_depends_on_kind_and_filing_date(
    kind: str, filed_on: str | None, years: float
) -> None:
    got = term_years(pd.Series([kind]), pd.to_datetime(pd.Series([filed_on], dtype=object)))
    assert got.tolist() == [years]


def _status(recorded: str, *, granted: bool = True, term_over: bool = False,
            lapsed_on: str | None = None, invalidated_on: str | None = None) -> str:  # fmt: skip
    def day(s: str | None) -> np.ndarray:
        return np.array([NAT if s is None else np.datetime64(pd.Timestamp(s))], dtype="M8[ns]")

    got = legal_status(
        pd.Series([recorded]),
        np.array([granted]),
        np.array([term_over]),
        {"lapsed": day(lapsed_on), "invalidated": day(invalidated_on)},
        AS_OF,
    )
    names = [n for n in ("lapsed", "invalidated", "expired") if getattr(got, n)[0]]
    assert len(names) <= 1
    assert bool(got.dead[0]) == bool(names)
    return names[0] if names else "alive"


@pytest.mark.parametrize(
    ("recorded", "kwargs", "expected"),
    [
        ("granted", {}, "alive"),
        ("expired", {}, "expired"),  # recorded, even though the term has not run out
        ("lapsed", {}, "lapsed"),
        ("invalidated", {}, "invalidated"),
        ("granted", {"term_over": True}, "expired"),
        ("expired", {"granted": False}, "alive"),  # not granted by as_of: pending, not dead
        # a dated event says otherwise
        ("lapsed", {"lapsed_on": "2024-09-01"}, "alive"),
        ("invalidated", {"invalidated_on": "2024-09-01"}, "alive"),
        ("expired", {"lapsed_on": "2024-09-01"}, "alive"),
        ("expired", {"lapsed_on": "2024-09-01", "term_over": True}, "expired"),
        ("granted", {"lapsed_on": "2024-02-01"}, "lapsed"),
        ("expired", {"invalidated_on": "2024-06-30"}, "invalidated"),
        ("lapsed", {"lapsed_on": "2024-02-01", "term_over": True}, "lapsed"),
    ],
)
def test_recorded_status_holds_unless_a_dated_event_says_otherwise(
    recorded: str, kwargs: dict, expected: str
) -> None:
    assert _status(recorded, **kwargs) == expected
