"""Pledge value follows the legal status: the recorded status, dated events, the statutory term;
and over generated worlds no dead or already pledged patent has a pledge value."""

from __future__ import annotations

from datetime import date
from functools import cache

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.frames import WorldFrames
from domain.indicators.patent_quality import patent_quality
from domain.valuation.model import ValuationModel, fit_valuation
from domain.valuation.value import value_patents
from domain.world.frames import frames_from_rows
from domain.world.generator import generate_world
from tests.domain.valuation.synthetic import synthetic

AS_OF = pd.Timestamp("2024-06-30")
DEAD = ("lapsed", "invalidated", "expired")


@cache
def _model() -> ValuationModel:
    quality, prices = synthetic(600, seed=5)
    return fit_valuation(quality, prices, seed=5)[0]


def _patent(number: str, kind: str, filed: str, status: str, **extra: object) -> dict:
    row: dict[str, object] = {
        "number": number, "owner": "A", "title": number, "ipc": "G06N3/08", "kind": kind,
        "filed_on": filed, "granted_on": str(pd.Timestamp(filed) + pd.Timedelta(days=200))[:10],
        "status": status, "claims": 8, "independent_claims": 2, "inventors": 2,
        "family_size": 2, "transfers": 0, "licenses": 0, "pledged": False,
        "annuity_paid_through": "2025-01-01",
    }  # fmt: skip
    row.update(extra)
    return row


def _lapse(number: str, on: str) -> dict:
    return {"id": f"e-{number}", "uscc": "A", "occurred_at": f"{on}T00:00:00Z",
            "type": "patent_lapsed", "payload": {"number": number}}  # fmt: skip


@pytest.fixture(scope="module")
def valued() -> pd.DataFrame:
    patents = [
        _patent("LIVE", "invention", "2019-01-01", "granted"),
        _patent("EXPIRED", "invention", "2019-01-01", "expired"),  # recorded, term not over
        _patent("LAPSED", "invention", "2019-01-01", "lapsed"),
        _patent("INVALID", "invention", "2019-01-01", "invalidated"),
        _patent("LAPSES_LATER", "invention", "2019-01-01", "lapsed"),
        _patent("EXPIRED_LAPSES_LATER", "invention", "2019-01-01", "expired"),
        _patent("OLD_DESIGN", "design", "2014-03-01", "granted"),  # 10 years: over in 2024-03
        _patent("NEW_DESIGN", "design", "2021-06-01", "granted"),
        _patent("PLEDGED", "invention", "2019-01-01", "granted", pledged=True),
    ]
    events = [_lapse("LAPSES_LATER", "2024-09-01"), _lapse("EXPIRED_LAPSES_LATER", "2024-09-01")]
    frames = WorldFrames.from_tables(
        {"patents": pd.DataFrame(patents), "events": pd.DataFrame(events)}
    )
    quality = patent_quality(frames, AS_OF)
    return value_patents(_model(), quality).join(quality[["term_years"]])


@pytest.mark.parametrize("number", ["EXPIRED", "LAPSED", "INVALID", "OLD_DESIGN", "PLEDGED"])
def test_dead_or_pledged_patent_has_no_pledge_value(valued: pd.DataFrame, number: str) -> None:
    row = valued.loc[number]
    assert row["pledge_value"] == 0.0
    assert row["value"] > 0


@pytest.mark.parametrize("number", ["LIVE", "LAPSES_LATER", "EXPIRED_LAPSES_LATER", "NEW_DESIGN"])
def test_patent_in_force_at_the_date_keeps_its_pledge_value(
    valued: pd.DataFrame, number: str
) -> None:
    row = valued.loc[number]
    assert bool(row["in_force"])
    assert row["pledge_value"] > 0


def test_design_term_follows_the_filing_date(valued: pd.DataFrame) -> None:
    assert valued.loc["OLD_DESIGN", "term_years"] == 10.0
    assert "NOT_IN_FORCE:expired" in str(valued.loc["OLD_DESIGN", "flags"]).split(",")
    assert valued.loc["NEW_DESIGN", "term_years"] == 15.0


@pytest.mark.parametrize("column", ["is_pending", "is_lapsed", "is_invalidated", "is_expired"])
def test_a_dead_flag_zeroes_the_pledge_value_even_when_marked_in_force(column: str) -> None:
    quality, _ = synthetic(50, seed=1)
    row = quality[quality["is_in_force"] > 0].iloc[[0]].copy()
    assert value_patents(_model(), row)["pledge_value"].iloc[0] > 0
    row[column] = 1.0
    assert value_patents(_model(), row)["pledge_value"].iloc[0] == 0.0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    enterprises=st.integers(20, 60),
    contagion=st.sampled_from([0.0, 1.0, 2.5]),
    start_year=st.integers(2012, 2024),
    months=st.integers(6, 36),
    after_days=st.integers(0, 400),
)
def test_no_dead_or_pledged_patent_has_pledge_value_in_generated_worlds(
    seed: int, enterprises: int, contagion: float, start_year: int, months: int, after_days: int
) -> None:
    start = date(start_year, 1, 1)
    rows = generate_world(
        enterprises=enterprises, seed=seed, contagion=contagion, start=start, months=months
    )
    frames = frames_from_rows(rows)
    # valued on or after the end of the world, where its recorded statuses hold
    as_of = pd.Timestamp(start) + pd.DateOffset(months=months) + pd.Timedelta(days=after_days)
    quality = patent_quality(frames, as_of)
    out = value_patents(_model(), quality)
    recorded = frames.patents.drop_duplicates("number", keep="last").set_index("number")
    status = recorded["status"].reindex(quality.index)
    pledged = recorded["pledged"].reindex(quality.index).astype(bool)
    dead = status.isin(DEAD) | (quality["is_in_force"] <= 0)
    assert (out.loc[dead | pledged, "pledge_value"] == 0.0).all()
    assert (out.loc[status.isin(DEAD), "in_force"] == False).all()  # noqa: E712
    assert (out["pledge_value"] >= 0).all()
