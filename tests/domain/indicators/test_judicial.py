"""Judicial indicators on hand-made cases around the as-of date."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.domain.indicators.worlds import day, firm, frames, value, values

# A: defendant in L1 (loan, 50 d ago, open), L2 (contract, 200 d ago, closed 100 d ago, won by
# the plaintiff B), plaintiff in L3 (ip, 400 d ago, closed 300 d ago, lost); L4 filed after
# as_of must not count. B is plaintiff in L2 and defendant in L3; C is a third party in L1.
CASES = [
    {"case_no": "L1", "court": "c1", "filed_on": day(-50), "cause": "loan_dispute",
     "amount": 100.0, "status": "pending"},
    {"case_no": "L2", "court": "c2", "filed_on": day(-200), "closed_on": day(-100),
     "cause": "contract_dispute", "amount": 40.0, "outcome": "won"},
    {"case_no": "L3", "court": "c2", "filed_on": day(-400), "closed_on": day(-300),
     "cause": "ip_infringement", "amount": 7.0, "outcome": "lost"},
    {"case_no": "L4", "court": "c3", "filed_on": day(10), "cause": "loan_dispute",
     "amount": 999.0},
    {"case_no": "L5", "court": "c1", "filed_on": day(-30), "closed_on": day(20),
     "cause": "labor", "amount": 5.0, "outcome": "won"},
]  # fmt: skip
PARTIES = [
    {"case_no": "L1", "uscc": "A", "role": "defendant"},
    {"case_no": "L1", "uscc": "C", "role": "third_party"},
    {"case_no": "L2", "uscc": "B", "role": "plaintiff"},
    {"case_no": "L2", "uscc": "A", "role": "defendant"},
    {"case_no": "L3", "uscc": "A", "role": "plaintiff"},
    {"case_no": "L3", "uscc": "B", "role": "defendant"},
    {"case_no": "L4", "uscc": "A", "role": "defendant"},
    {"case_no": "L5", "uscc": "A", "role": "defendant"},
]
WORLD = frames(
    enterprises=[firm("A", registered_capital=1000.0), firm("B"), firm("C")],
    litigations=CASES, litigation_parties=PARTIES,
)  # fmt: skip


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return values(WORLD)


@pytest.mark.parametrize(
    ("uscc", "code", "expected"),
    [
        ("A", "jud.def.90d.loan_dispute.count", 1.0),
        ("A", "jud.def.90d.loan_dispute.amount", 100.0),
        ("A", "jud.def.90d.all.count", 2.0),  # L1, L5 (L4 is after as_of)
        ("A", "jud.def.90d.labor.count", 1.0),
        ("A", "jud.def.180d.contract_dispute.count", 0.0),
        ("A", "jud.def.365d.contract_dispute.count", 1.0),
        ("A", "jud.def.365d.all.amount", 145.0),
        ("A", "jud.def.all.all.count", 3.0),
        ("A", "jud.pl.365d.ip_infringement.count", 0.0),
        ("A", "jud.pl.730d.ip_infringement.count", 1.0),
        ("A", "jud.pl.all.ip_infringement.amount", 7.0),
        ("A", "jud.any.all.all.count", 4.0),
        ("A", "jud.any.all.other.count", 0.0),
        ("C", "jud.any.90d.loan_dispute.count", 1.0),
        ("C", "jud.def.all.all.count", 0.0),
        ("B", "jud.pl.all.contract_dispute.count", 1.0),
        ("A", "jud.def.open.count", 2.0),  # L1 and L5 (closes after as_of)
        ("A", "jud.def.open.amount", 105.0),
        ("A", "jud.def.all.lost.count", 1.0),  # L2, won by the plaintiff
        ("A", "jud.def.90d.lost.count", 0.0),  # closed 100 days ago
        ("A", "jud.def.180d.lost.count", 1.0),
        ("A", "jud.pl.all.lost.count", 1.0),  # L3
        ("A", "jud.pl.365d.lost.count", 1.0),
        ("B", "jud.def.all.won.count", 1.0),  # L3, lost by the plaintiff A
        ("B", "jud.pl.all.won.count", 1.0),
        ("A", "jud.def.all.lost_rate", 1.0),
        ("B", "jud.pl.all.win_rate", 1.0),
        ("A", "jud.def.365d.amount_to_capital", 0.145),
        ("A", "jud.def.open.amount_to_capital", 0.105),
        ("A", "jud.any.all.counterparties", 2.0),  # B and C
        ("A", "jud.any.all.courts", 2.0),
        ("A", "jud.def.all.days_since_last", 30.0),
    ],
)
def test_values(df: pd.DataFrame, uscc: str, code: str, expected: float) -> None:
    assert value(df, uscc, code) == pytest.approx(expected)


def test_undefined_rates_are_nan(df: pd.DataFrame) -> None:
    assert math.isnan(value(df, "C", "jud.def.all.lost_rate"))
    assert math.isnan(value(df, "C", "jud.def.all.days_since_last"))
