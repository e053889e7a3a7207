"""The sweep computes again only the borrowers with new facts since their last snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.models import Event, IndicatorSnapshot, RiskScore
from domain.indicators.registry import version as registry_version
from domain.monitoring.freshness import firms_with_new_facts
from domain.monitoring.sweep import monitor_borrowers
from domain.scoring import service as scoring
from domain.scoring.service import ScoreResult
from tests.domain.monitoring.helpers import Portfolio


@pytest.fixture
def scorecard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scorecard in service that gives every firm the same score."""

    async def active(**_: Any) -> object:
        return object()

    def score(_card: object, _values: Mapping[str, float | None]) -> ScoreResult:
        return ScoreResult(score=600, grade="A", probability_of_default=0.02, reasons=[],
                           version="sc-test")  # fmt: skip

    monkeypatch.setattr(scoring, "active_scorecard", active)
    monkeypatch.setattr(scoring, "score_values", score)


async def _snapshots(enterprise_id: int) -> int:
    return await IndicatorSnapshot.filter(enterprise_id=enterprise_id).count()


async def _event(uscc: str, n: int) -> None:
    await Event.create(event_id=f"e{n}", uscc=uscc, occurred_at=datetime.now(UTC),
                       type="legal_rep_change", payload={})  # fmt: skip


async def test_an_untouched_borrower_gets_no_new_snapshot(
    portfolio: Portfolio, scorecard: None
) -> None:
    p = portfolio
    ids = [p.a.id, p.b.id, p.c.id]
    first = await monitor_borrowers(enterprise_ids=ids, revalue=False)
    assert (first.scored, first.unchanged) == (3, 0)
    counts = [await _snapshots(i) for i in ids]
    scores = await RiskScore.all().count()

    # nothing new about anyone: nothing computed
    again = await monitor_borrowers(enterprise_ids=ids, revalue=False)
    assert (again.scored, again.unchanged) == (0, 3)
    assert [await _snapshots(i) for i in ids] == counts
    assert await RiskScore.all().count() == scores

    # an event about B: only B is computed again
    await _event(p.b.uscc, 1)
    later = await monitor_borrowers(enterprise_ids=ids, revalue=False)
    assert (later.scored, later.unchanged) == (1, 2)
    assert [await _snapshots(i) for i in ids] == [counts[0], counts[1] + 1, counts[2]]


async def test_firms_with_new_facts(portfolio: Portfolio) -> None:
    p = portfolio
    now = datetime.now(UTC)
    firms = [(p.a.id, p.a.uscc), (p.b.id, p.b.uscc), (p.c.id, p.c.uscc), (p.d.id, p.d.uscc)]
    # A: current snapshot, an older event; B: current snapshot, an event since;
    # C: a snapshot of another registry version; D: no snapshot
    await _event(p.a.uscc, 1)
    await Event.filter(event_id="e1").update(received_at=now - timedelta(hours=2))
    for firm, version in ((p.a, registry_version()), (p.b, registry_version()), (p.c, "old")):
        await IndicatorSnapshot.create(enterprise_id=firm.id, as_of=now - timedelta(hours=1),
                                       values={}, registry_version=version)  # fmt: skip
    await IndicatorSnapshot.all().update(created_at=now - timedelta(hours=1))
    await _event(p.b.uscc, 2)

    assert await firms_with_new_facts(firms) == {p.b.id, p.c.id, p.d.id}
    assert await firms_with_new_facts([]) == set()
