"""IP indicators: a firm's patent portfolio at the as-of date."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from domain.indicators.patent_quality import patent_quality
from tests.domain.indicators.worlds import AS_OF, firm, frames, value, values


def pat(
    number: str,
    owner: str,
    kind: str,
    ipc: str | None,
    filed: str,
    granted: str | None,
    status: str,
    claims: int,
    **extra: object,
) -> dict[str, object]:
    return {"number": number, "owner": owner, "kind": kind, "ipc": ipc, "filed_on": filed,
            "granted_on": granted, "status": status, "claims": claims, "family_size": 1,
            **extra}  # fmt: skip


PATENTS = [
    pat("Q1", "A", "invention", "G06N3/08", "2015-01-01", "2017-01-01", "granted", 10,
        family_size=3, pledged=True, transfers=1, annuity_paid_through="2025-01-01"),
    pat("Q2", "A", "invention", "G06F16/00", "2023-01-01", None, "pending", 6),
    pat("Q3", "A", "utility_model", "H04L9/32", "2019-01-01", "2019-07-01", "lapsed", 4),
    pat("Q4", "A", "design", None, "2024-01-01", "2024-05-01", "granted", 1),
    pat("Q5", "A", "invention", "G06N5/02", "2021-06-30", "2023-06-30", "granted", 8,
        annuity_paid_through="2024-01-01"),
    pat("Q6", "B", "invention", "G06N5/04", "2022-01-01", None, "pending", 3),
]  # fmt: skip
CITATIONS = [{"citing": "Q5", "cited": "Q1"}, {"citing": "Q2", "cited": "Q1"},
             {"citing": "Q6", "cited": "Q5"}]  # fmt: skip
TABLES = {
    "enterprises": [firm("A", employees=50, registered_capital=1e7), firm("B"), firm("C")],
    "patents": PATENTS, "citations": CITATIONS,
    "litigations": [{"case_no": "L1", "filed_on": "2024-01-01", "cause": "ip_infringement"}],
    "litigation_patents": [{"case_no": "L1", "number": "Q5"}],
}  # fmt: skip
WORLD = frames(**TABLES)


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return values(WORLD)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ip.all.count", 5.0), ("ip.invention.count", 3.0), ("ip.utility_model.count", 1.0),
        ("ip.design.count", 1.0), ("ip.granted.count", 4.0), ("ip.in_force.count", 3.0),
        ("ip.pending.count", 1.0), ("ip.lapsed.count", 1.0), ("ip.invalidated.count", 0.0),
        ("ip.expired.count", 0.0), ("ip.dead.count", 1.0), ("ip.pledged.count", 1.0),
        ("ip.litigated.count", 1.0), ("ip.transferred.count", 1.0), ("ip.licensed.count", 0.0),
        ("ip.cited.count", 2.0), ("ip.highly_cited.count", 0.0), ("ip.near_expiry.count", 0.0),
        ("ip.annuity_overdue.count", 1.0), ("ip.invention_in_force.count", 2.0),
        ("ip.utility_model_in_force.count", 0.0), ("ip.design_in_force.count", 1.0),
        ("ip.pledged_in_force.count", 1.0), ("ip.section_G.count", 3.0),
        ("ip.section_H.count", 1.0), ("ip.section_A.count", 0.0), ("ip.filed_1y.count", 1.0),
        ("ip.filed_2y.count", 2.0), ("ip.filed_3y.count", 2.0), ("ip.filed_5y.count", 3.0),
        ("ip.granted_1y.count", 1.0), ("ip.granted_2y.count", 2.0),
        ("ip.granted_3y.count", 2.0),
        ("ip.invention.share", 0.6), ("ip.granted.share", 0.8), ("ip.in_force.share", 0.6),
        ("ip.pending.share", 0.2), ("ip.dead.share", 0.2), ("ip.pledged.share", 0.2),
        ("ip.litigated.share", 0.2), ("ip.transferred.share", 0.2), ("ip.licensed.share", 0.0),
        ("ip.cited.share", 0.4), ("ip.annuity_overdue.share", 0.2),
        ("ip.invention_in_force.share", 0.4), ("ip.section_G.share", 0.6),
        ("ip.filed_2y.share", 0.4),
        ("ip.forward_citations.mean", 0.6), ("ip.forward_citations.max", 2.0),
        ("ip.forward_citations.sum", 3.0), ("ip.backward_citations.sum", 2.0),
        ("ip.claims.mean", 5.8), ("ip.claims.max", 10.0), ("ip.claims.sum", 29.0),
        ("ip.family_size.sum", 7.0), ("ip.transfers.sum", 1.0), ("ip.litigated.sum", 1.0),
        ("ip.grant_lag_days.mean", 440.75), ("ip.grant_lag_days.max", 731.0),
        ("ip.ipc_subclass.hhi", 0.375), ("ip.ipc_subclass.distinct", 3.0),
        ("ip.ipc_subclass.top_share", 0.5), ("ip.ipc_section.hhi", 0.625),
        ("ip.ipc_section.distinct", 2.0), ("ip.invention.grant_rate", 1.0),
        ("ip.filing.growth_2y", 1.0), ("ip.per_employee", 0.1),
        ("ip.invention_in_force.per_employee", 0.04), ("ip.per_million_capital", 0.5),
        ("ip.in_force.remaining_life_years.min", 20 - 3468 / 365.25),
    ],
)  # fmt: skip
def test_portfolio_of_a(df: pd.DataFrame, code: str, expected: float) -> None:
    assert value(df, "A", code) == pytest.approx(expected)


def test_scores_follow_patent_quality(df: pd.DataFrame) -> None:
    q = patent_quality(WORLD, AS_OF)
    mine = q[q["owner"] == "A"]
    live = mine[mine["is_in_force"] > 0]
    scores = ["legal_value_score", "technical_value_score", "economic_value_score"]
    assert value(df, "A", "ip.legal_value_score.mean") == pytest.approx(
        mine["legal_value_score"].mean()
    )
    assert value(df, "A", "ip.in_force.technical_value_score.mean") == pytest.approx(
        live["technical_value_score"].mean()
    )
    assert value(df, "A", "ip.in_force.value_index") == pytest.approx(
        live[scores].mean(axis=1).sum()
    )
    assert value(df, "A", "ip.generality.mean") == pytest.approx(mine["generality"].mean())


@pytest.mark.parametrize(
    ("uscc", "code", "expected"),
    [("C", "ip.all.count", 0.0), ("C", "ip.claims.sum", 0.0), ("C", "ip.claims.mean", math.nan),
     ("C", "ip.granted.share", math.nan), ("C", "ip.in_force.value_index", 0.0),
     ("B", "ip.all.count", 1.0), ("B", "ip.pending.share", 1.0),
     ("B", "ip.invention.grant_rate", 0.0)],
)  # fmt: skip
def test_other_portfolios(df: pd.DataFrame, uscc: str, code: str, expected: float) -> None:
    got = value(df, uscc, code)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)
