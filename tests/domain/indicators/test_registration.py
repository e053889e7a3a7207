"""Registration indicators: facts on record and the status at the as-of date."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.domain.indicators.worlds import AS_OF, day, firm, frames, value, values

ENTERPRISES = [
    firm("A", founded_on="2022-06-30", registered_capital=2e6, employees=40, high_tech=True,
         srdi=True, industry="I65", region="340104", status="cancelled"),
    firm("B", founded_on="2010-01-01", industry="C39", region="340111", status="revoked"),
    firm("C", founded_on="2020-01-01", industry="C39", region="310115"),
    firm("D", founded_on=day(30)),  # founded after as_of
]  # fmt: skip
EVENTS = [  # A is deregistered after as_of; B's revocation has no dated event
    {"id": "e1", "uscc": "A", "occurred_at": day(10), "type": "deregistered", "payload": {}},
]
RELATIONS = [
    {"kind": "officer", "src": "p1", "dst": "A", "role": "legal_rep", "since": "2022-06-30"},
    {"kind": "officer", "src": "p2", "dst": "A", "role": "director", "since": "2022-06-30"},
    {"kind": "officer", "src": "p3", "dst": "A", "role": "director", "since": day(5)},
    {"kind": "officer", "src": "p1", "dst": "A", "role": "shareholder", "since": "2022-06-30"},
]
WORLD = frames(enterprises=ENTERPRISES, events=EVENTS, relations=RELATIONS)


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return values(WORLD)


@pytest.mark.parametrize(
    ("uscc", "code", "expected"),
    [
        ("A", "reg.age_years", 731 / 365.25),
        ("A", "reg.young", 1.0),
        ("B", "reg.young", 0.0),
        ("A", "reg.capital", 2e6),
        ("A", "reg.log_capital", math.log1p(2e6)),
        ("A", "reg.employees", 40.0),
        ("A", "reg.log_employees", math.log1p(40)),
        ("A", "reg.capital_per_employee", 5e4),
        ("A", "reg.high_tech", 1.0),
        ("A", "reg.srdi", 1.0),
        ("A", "reg.certifications", 2.0),
        ("B", "reg.certifications", 0.0),
        ("A", "reg.status.active", 1.0),  # deregistered only after as_of
        ("A", "reg.status.cancelled", 0.0),
        ("B", "reg.status.revoked", 1.0),
        ("B", "reg.status.active", 0.0),
        ("A", "reg.industry.I", 1.0),
        ("A", "reg.industry.C", 0.0),
        ("B", "reg.industry.C", 1.0),
        ("A", "reg.region.eastern", 0.0),
        ("C", "reg.region.eastern", 1.0),
        ("A", "reg.region.city_firms", 2.0),  # A and B in 3401; D is not founded yet
        ("A", "reg.region.district_firms", 1.0),
        ("B", "reg.industry.peer_firms", 2.0),
        ("A", "reg.officers.count", 2.0),  # p3 joins after as_of
        ("A", "reg.officers.directors", 1.0),
        ("A", "reg.officers.legal_rep_known", 1.0),
        ("B", "reg.officers.legal_rep_known", 0.0),
        ("A", "reg.officers.legal_rep_tenure_years", 731 / 365.25),
    ],
)
def test_values(df: pd.DataFrame, uscc: str, code: str, expected: float) -> None:
    assert value(df, uscc, code) == pytest.approx(expected)


def test_firm_not_yet_founded_has_no_registration_indicators(df: pd.DataFrame) -> None:
    reg = [c for c in df.columns if c.startswith("reg.")]
    assert df.loc["D", reg].isna().all()
    assert AS_OF < pd.Timestamp(ENTERPRISES[3]["founded_on"])
