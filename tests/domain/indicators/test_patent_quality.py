"""Per-patent quality features on a tiny hand-made world, including the as-of rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from db.frames import WorldFrames
from domain.indicators.patent_quality import COLUMNS, TEXT_COLUMNS, patent_quality

AS_OF = pd.Timestamp("2024-06-30")


def _patent(
    number: str, kind: str, ipc: str, filed: str, granted: str | None, status: str, **extra: object
) -> dict[str, object]:
    row: dict[str, object] = {
        "number": number, "owner": "A", "title": number, "ipc": ipc, "kind": kind,
        "filed_on": filed, "granted_on": granted, "status": status, "claims": 5,
        "independent_claims": 1, "inventors": 1, "family_size": 1, "transfers": 0,
        "licenses": 0, "pledged": False, "annuity_paid_through": None,
    }  # fmt: skip
    row.update(extra)
    return row


def world() -> dict[str, pd.DataFrame]:
    patents = [
        _patent("P1", "invention", "G06N3/08", "2015-01-01", "2017-01-01", "granted",
                claims=10, independent_claims=2, inventors=3, family_size=3, transfers=2,
                licenses=1, pledged=True, annuity_paid_through="2024-12-31"),
        _patent("P2", "utility_model", "H04L9/32", "2020-03-01", "2020-09-01", "lapsed",
                annuity_paid_through="2024-03-01"),
        _patent("P3", "invention", "G06F16/00", "2021-01-01", "2023-01-01", "invalidated"),
        _patent("P4", "invention", "G06N5/02", "2023-05-01", "2024-10-01", "granted"),
        _patent("P5", "design", "F16H1/00", "2025-01-01", None, "pending"),
        _patent("P6", "utility_model", "F16H1/00", "2010-01-01", "2010-06-01", "expired"),
        _patent("P7", "invention", "H04L1/00", "2022-01-01", "2023-06-01", "lapsed"),
    ]  # fmt: skip
    citations = [
        ("P2", "P1"), ("P3", "P1"), ("P4", "P1"), ("P5", "P1"), ("X9", "P1"),
        ("P1", "P6"), ("P1", "Y1"), ("P4", "P3"), ("P4", "P6"),
    ]  # fmt: skip
    events = [
        {"id": "e1", "uscc": "A", "occurred_at": "2024-09-01T00:00:00Z", "type": "patent_lapsed",
         "payload": {"number": "P2"}},
        {"id": "e2", "uscc": "A", "occurred_at": "2024-02-01T00:00:00Z", "type": "patent_lapsed",
         "payload": {"number": "P7"}},
        # one transfer B -> A after as_of, reported to both sides
        {"id": "e3", "uscc": "A", "occurred_at": "2024-12-01T00:00:00Z",
         "type": "patent_transferred",
         "payload": {"number": "P1", "from": "B", "to": "A", "role": "assignee"}},
        {"id": "e3b", "uscc": "B", "occurred_at": "2024-12-01T00:00:00Z",
         "type": "patent_transferred",
         "payload": {"number": "P1", "from": "B", "to": "A", "role": "assignor"}},
        {"id": "e4", "uscc": "A", "occurred_at": "2023-01-01T00:00:00Z",
         "type": "patent_transferred", "payload": {"number": "P1"}},
    ]  # fmt: skip
    litigations = [
        {"case_no": "L1", "filed_on": "2023-01-01", "cause": "ip_infringement"},
        {"case_no": "L2", "filed_on": "2024-08-01", "cause": "ip_infringement"},
    ]
    return {
        "patents": pd.DataFrame(patents),
        "citations": pd.DataFrame(citations, columns=["citing", "cited"]),
        "events": pd.DataFrame(events),
        "litigations": pd.DataFrame(litigations),
        "litigation_patents": pd.DataFrame({"case_no": ["L1", "L2"], "number": ["P1", "P1"]}),
    }


def _num(q: pd.DataFrame, number: str, column: str) -> float:
    return float(q[column].to_numpy(np.float64)[q.index.get_loc(number)])


@pytest.fixture(scope="module")
def quality() -> pd.DataFrame:
    return patent_quality(WorldFrames.from_tables(world()), AS_OF)


def test_only_patents_filed_by_as_of(quality: pd.DataFrame) -> None:
    assert list(quality.index) == ["P1", "P2", "P3", "P4", "P6", "P7"]
    assert quality.index.name == "number"
    assert list(quality.columns) == list(COLUMNS)
    numeric = [c for c in COLUMNS if c not in TEXT_COLUMNS]
    assert all(quality[c].dtype == "float64" for c in numeric)


@pytest.mark.parametrize(
    ("number", "column", "expected"),
    [
        # P5 (filed after as_of) does not count; X9 (unknown, undated) does
        ("P1", "forward_citations", 4.0),
        ("P1", "backward_citations", 2.0),
        ("P1", "generality", 2 / 3),  # H04L, G06F, G06N
        ("P1", "originality", 0.0),  # only F16H is known among cited
        ("P1", "radicalness", 1.0),
        ("P4", "backward_citations", 3.0),
        ("P4", "originality", 2 / 3),
        ("P4", "radicalness", 2 / 3),
        ("P3", "forward_citations", 1.0),
        ("P3", "generality", 0.0),
        ("P6", "forward_citations", 2.0),
        ("P1", "grant_lag_days", 731.0),
        ("P1", "age_years", 3468 / 365.25),
        ("P1", "remaining_life_years", 20 - 3468 / 365.25),
        ("P1", "transfers", 1.0),  # one of the two transfers is dated after as_of
        ("P1", "licenses", 1.0),
        ("P1", "pledged", 1.0),
        ("P1", "litigated", 1.0),  # L2 is filed after as_of
        ("P1", "annuity_gap_days", -184.0),
        ("P2", "annuity_gap_days", 121.0),
        ("P1", "claims", 10.0),
        ("P1", "independent_claims", 2.0),
        ("P1", "inventors", 3.0),
        ("P1", "family_size", 3.0),
    ],
)
def test_values(quality: pd.DataFrame, number: str, column: str, expected: float) -> None:
    assert quality.loc[number, column] == pytest.approx(expected)


def test_missing_citation_features_are_nan(quality: pd.DataFrame) -> None:
    assert math.isnan(_num(quality, "P7", "generality"))  # never cited
    assert math.isnan(_num(quality, "P7", "originality"))  # cites nothing
    assert quality.loc["P2", "originality"] == 0.0  # cites P1 only
    assert math.isnan(_num(quality, "P4", "grant_lag_days"))  # granted after as_of


@pytest.mark.parametrize(
    ("number", "granted", "in_force", "lapsed", "invalidated", "expired", "pending"),
    [
        ("P1", 1, 1, 0, 0, 0, 0),
        ("P2", 1, 1, 0, 0, 0, 0),  # lapses after as_of
        ("P3", 1, 0, 0, 1, 0, 0),  # invalidated, no dated event: before the timeline
        ("P4", 0, 0, 0, 0, 0, 1),  # granted after as_of
        ("P6", 1, 0, 0, 0, 1, 0),  # utility model term of 10 years is over
        ("P7", 1, 0, 1, 0, 0, 0),  # lapse event before as_of
    ],
)
def test_status_as_of(
    quality: pd.DataFrame, number: str, granted: int, in_force: int, lapsed: int,
    invalidated: int, expired: int, pending: int,
) -> None:  # fmt: skip
    row = quality.loc[number]
    got = [row["is_granted"], row["is_in_force"], row["is_lapsed"], row["is_invalidated"],
           row["is_expired"], row["is_pending"]]  # fmt: skip
    assert got == [granted, in_force, lapsed, invalidated, expired, pending]


def test_remaining_life_and_kinds(quality: pd.DataFrame) -> None:
    assert quality.loc["P3", "remaining_life_years"] == 0.0
    assert quality.loc["P6", "remaining_life_years"] == 0.0
    assert quality.loc["P7", "remaining_life_years"] == 0.0
    p2_age = (AS_OF - pd.Timestamp("2020-03-01")).days / 365.25
    assert quality.loc["P2", "remaining_life_years"] == pytest.approx(10 - p2_age)
    assert quality.loc["P2", "term_years"] == 10.0
    kinds = quality.loc["P2", ["kind_invention", "kind_utility_model", "kind_design"]]
    assert list(kinds) == [0.0, 1.0, 0.0]
    assert quality.loc["P1", "ipc_section"] == "G"
    assert quality.loc["P1", "ipc_subclass"] == "G06N"
    assert quality.loc["P1", "owner"] == "B"  # bought by A after as_of
    assert quality.loc["P2", "owner"] == "A"


def test_value_scores_of_p1(quality: pd.DataFrame) -> None:
    life_share = (20 - 3468 / 365.25) / 20
    legal = 0.35 * life_share + 0.25 * 10 / 20 + 0.15 * 2 / 4 + 0.25 * 1.0
    technical = (0.35 * 4 / 7 + 0.15 * 2 / 7 + 0.15 * 2 / 3 + 0.15 * 0.0 + 0.10 * 1.0
                 + 0.10 * 3 / 6)  # fmt: skip
    economic = 0.30 * 2 / 4 + 0.30 * 2 / 3 + 0.15 * 1.0 + 0.10 * 1 / 2 + 0.15 * life_share
    row = quality.loc["P1"]
    assert row["legal_value_score"] == pytest.approx(legal)
    assert row["technical_value_score"] == pytest.approx(technical)
    assert row["economic_value_score"] == pytest.approx(economic)


def test_dead_patents_have_no_legal_value(quality: pd.DataFrame) -> None:
    assert quality.loc[["P3", "P6", "P7"], "legal_value_score"].tolist() == [0.0, 0.0, 0.0]
    scores = quality[["legal_value_score", "technical_value_score", "economic_value_score"]]
    assert ((scores >= 0) & (scores <= 1)).all().all()


def test_facts_after_as_of_change_nothing(quality: pd.DataFrame) -> None:
    tables = world()
    later = pd.DataFrame(
        [_patent("P8", "invention", "A61K9/00", "2024-07-01", "2024-08-01", "granted")]
    )
    tables["patents"] = pd.concat([tables["patents"], later], ignore_index=True)
    tables["citations"] = pd.concat(
        [tables["citations"], pd.DataFrame({"citing": ["P8", "P8"], "cited": ["P1", "P2"]})],
        ignore_index=True,
    )
    tables["events"] = pd.concat(
        [tables["events"], pd.DataFrame([
            {"id": "e9", "uscc": "A", "occurred_at": "2024-07-02T00:00:00Z",
             "type": "patent_invalidated", "payload": {"number": "P1"}},
            {"id": "e10", "uscc": "A", "occurred_at": "2024-07-03T00:00:00Z",
             "type": "patent_transferred", "payload": {"number": "P4", "from": "A", "to": "C"}},
        ])],
        ignore_index=True,
    )  # fmt: skip
    tables["litigations"] = pd.concat(
        [tables["litigations"], pd.DataFrame([{"case_no": "L3", "filed_on": "2024-07-05"}])],
        ignore_index=True,
    )
    tables["litigation_patents"] = pd.concat(
        [tables["litigation_patents"], pd.DataFrame({"case_no": ["L3"], "number": ["P2"]})],
        ignore_index=True,
    )
    again = patent_quality(WorldFrames.from_tables(tables), AS_OF)
    pd.testing.assert_frame_equal(again, quality)


def test_as_of_accepts_aware_datetimes_and_empty_frames() -> None:
    from datetime import UTC, datetime

    frames = WorldFrames.from_tables(world())
    aware = patent_quality(frames, datetime(2024, 6, 30, tzinfo=UTC))
    pd.testing.assert_frame_equal(aware, patent_quality(frames, AS_OF))
    empty = patent_quality(WorldFrames.from_tables({}), AS_OF)
    assert empty.empty
    assert list(empty.columns) == list(COLUMNS)
