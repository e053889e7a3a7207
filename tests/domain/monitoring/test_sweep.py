"""Sweeps: borrowers sent in batches; each batch judged on collateral and financials."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from db.models import Financial, OutboxMessage, Patent, RiskScore, RiskWarning, WarningStatus
from domain.monitoring.figures import Pledge, pledge_worth, protection_end
from domain.monitoring.sweep import monitor_borrowers, sweep_borrowers
from domain.monitoring.warnings import resolve_warning
from domain.valuation.ltv import load_ltv
from tests.domain.monitoring.helpers import Portfolio, appraise

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)


async def run(p: Portfolio) -> int:
    report = await monitor_borrowers(enterprise_ids=[p.a.id, p.b.id, p.c.id, p.d.id], as_of=AS_OF)
    assert report.borrowers == 3
    return report.warnings


async def test_sweep_sends_every_borrower_in_batches(portfolio: Portfolio) -> None:
    sent: list[list[int]] = []
    report = await sweep_borrowers(enqueue=sent.append, batch_size=2)
    assert (report.borrowers, report.batches) == (3, 2)
    assert sent == [[portfolio.a.id, portfolio.b.id], [portfolio.c.id]]
    with pytest.raises(ValueError, match="batch_size"):
        await sweep_borrowers(enqueue=sent.append, batch_size=0)


async def test_collateral_shortfall_is_raised_once_per_band(portfolio: Portfolio) -> None:
    p = portfolio
    # an invention with ~13 years left pledges at 30 %: A covers 600k of 1M, B 1.5M of 1M
    await appraise(p.patents["a"], "2000000")
    await appraise(p.patents["b"], "5000000")
    assert await run(p) == 1
    [w] = await RiskWarning.all()
    assert (w.enterprise_id, w.kind, w.level, w.loan_id) == (
        p.a.id, "ltv_shortfall", "ORANGE", p.loans["a"].id
    )  # fmt: skip
    assert w.evidence["indicators"][0]["after"] == "0.6000"
    assert w.evidence["collateral_value"] == "600000.00"
    assert "60%" in w.message
    assert await OutboxMessage.filter(topic="warning").count() == 1
    # the same shortfall next sweep, even after staff resolved it, is not raised again
    assert await run(p) == 0
    await resolve_warning(principal=p.staff, warning_id=w.id, note="extra guarantee taken")
    assert await run(p) == 0
    # a worse shortfall is
    await appraise(p.patents["a"], "1000000")
    assert await run(p) == 1
    latest = await RiskWarning.all().order_by("-id").first()
    assert latest is not None and latest.status == WarningStatus.OPEN
    assert latest.evidence["indicators"][0]["after"] == "0.3000"


async def test_a_lost_patent_covers_nothing(portfolio: Portfolio) -> None:
    p = portfolio
    await appraise(p.patents["a"], "9000000")
    await appraise(p.patents["b"], "9000000")
    assert await run(p) == 0
    await Patent.filter(id=p.patents["b"].id).update(status="invalidated")
    assert await run(p) == 1
    [w] = await RiskWarning.all()
    assert (w.enterprise_id, w.evidence["collateral_value"]) == (p.b.id, "0")


async def test_without_appraisals_the_granted_pledge_value_is_used(portfolio: Portfolio) -> None:
    from db.models import LoanApplication

    p = portfolio
    application_id = p.loans["a"].application_id  # type: ignore[attr-defined]
    await LoanApplication.filter(id=application_id).update(
        decision={"inputs": {"pledge_values": {"CN500000001B": "400000"}}}
    )
    await appraise(p.patents["b"], "9000000")
    assert await run(p) == 1
    [w] = await RiskWarning.all()
    assert w.evidence["collateral_value"] == "400000"


async def test_financial_decline_and_graph_risk(portfolio: Portfolio) -> None:
    p = portfolio
    for period, revenue, profit in (("2023", 100, 10), ("2024", 50, -5), ("2024Q3", 40, 1)):
        await Financial.create(enterprise_id=p.c.id, period=period, revenue=Decimal(revenue),
                               net_profit=Decimal(profit))  # fmt: skip
    await RiskScore.create(enterprise_id=p.b.id, score=500, grade="B", probability_of_default=0.1,
                           graph_risk=0.72, as_of=AS_OF)  # fmt: skip
    report = await monitor_borrowers(enterprise_ids=[p.b.id, p.c.id], as_of=AS_OF)
    assert report.warnings == 2
    # no models are trained in this database: the report says what was skipped
    assert [n.split(":")[0] for n in report.notes] == [
        "collateral not re-appraised",
        "not re-scored",
    ]
    decline = await RiskWarning.get(kind="financial_decline")
    # the latest annual statement is compared with the year before; the quarter has no match
    assert decline.enterprise_id == p.c.id
    assert "revenue down 50%" in decline.message and "net profit turned negative" in decline.message
    graph = await RiskWarning.get(kind="graph_risk")
    assert (graph.enterprise_id, graph.level) == (p.b.id, "YELLOW")


@pytest.mark.parametrize(
    ("kind", "filed", "end"),
    [
        ("invention", date(2019, 1, 1), date(2039, 1, 1)),
        ("utility_model", date(2020, 2, 29), date(2030, 2, 28)),
        ("design", date(2022, 1, 1), date(2037, 1, 1)),
        ("design", date(2020, 1, 1), date(2030, 1, 1)),
        ("other", date(2020, 1, 1), None),
    ],
)
def test_protection_ends(kind: str, filed: date, end: date | None) -> None:
    assert protection_end(kind, filed) == end


@pytest.mark.parametrize(
    ("status", "owner", "value", "expected"),
    [
        ("granted", 1, "1000000", "300000.00"),
        ("lapsed", 1, "1000000", "0"),
        ("granted", 2, "1000000", "0"),
        ("granted", 1, None, None),
    ],
)
def test_pledge_worth(status: str, owner: int, value: str | None, expected: str | None) -> None:
    pledge = Pledge(1, "CN1B", "invention", status, date(2020, 1, 1), owner,
                    None if value is None else Decimal(value))  # fmt: skip
    worth = pledge_worth(pledge, borrower_id=1, as_of=date(2025, 1, 1), ltv=load_ltv())
    assert worth == (None if expected is None else Decimal(expected))
