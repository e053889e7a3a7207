"""Contagion warnings from the graph model, and the relation walk when it is not available."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from typing import Any

import pytest

from db.models import OutboxMessage, RiskWarning, WarningLevel
from domain.errors import DomainError, ErrorCode
from domain.monitoring.contagion import run_contagion
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from tests.domain.monitoring.helpers import Portfolio


async def source_warning(p: Portfolio, level: str = "RED") -> RiskWarning:
    draft = WarningDraft(WarningLevel(level), "dishonest_listed", "m", "R-DISHONEST", {})
    result = await in_retried_transaction(
        lambda conn: raise_warning(draft, enterprise_id=p.a.id, conn=conn)
    )
    assert result.warning is not None
    return result.warning


def fake_gnn(monkeypatch: pytest.MonkeyPatch, contagion: Any) -> None:
    """Stand in for gnn.service (keeps torch out of this test)."""
    module = types.ModuleType("gnn.service")
    module.contagion = contagion  # type: ignore[attr-defined]
    import gnn

    monkeypatch.setitem(sys.modules, "gnn.service", module)
    monkeypatch.setattr(gnn, "service", module, raising=False)


async def test_without_a_model_the_relation_walk_finds_exposed_borrowers(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(*, uscc: str, hops: int) -> Any:
        from gnn.errors import ModelUnavailable

        raise ModelUnavailable("no trained graph model")

    fake_gnn(monkeypatch, unavailable)
    src = await source_warning(portfolio)
    raised = await run_contagion(warning_id=src.id)
    by_firm = {w.enterprise_id: w for w in raised}
    # B guarantees A (one hop); C supplies B (two hops); D has no loan
    assert set(by_firm) == {portfolio.b.id, portfolio.c.id}
    b, c = by_firm[portfolio.b.id], by_firm[portfolio.c.id]
    assert (b.level, c.level) == (WarningLevel.ORANGE, WarningLevel.YELLOW)
    assert b.contagion_path == [{"from": portfolio.b.uscc, "relation": "guarantee",
                                 "to": portfolio.a.uscc}]  # fmt: skip
    assert [s["relation"] for s in c.contagion_path] == ["guarantee", "supply"]
    assert b.contagion_source_id == portfolio.a.id and b.kind == "contagion"
    assert b.loan_id == portfolio.loans["b"].id
    assert b.evidence["method"] == "walk"
    assert "not available" in b.evidence["note"] and "ModelUnavailable" in b.evidence["note"]
    assert await OutboxMessage.filter(topic="warning").count() == 3
    # running again (a redelivered message) changes nothing
    assert await run_contagion(warning_id=src.id) == []
    assert await RiskWarning.all().count() == 3


@dataclass
class Step:
    source: str
    relation: str
    target: str


@dataclass
class Exposed:
    uscc: str
    name: str
    risk_before: float
    risk_after: float
    hops: int
    path: tuple[Step, ...]


async def test_graph_model_exposures_grade_by_risk_increase(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = portfolio

    async def contagion(*, uscc: str, hops: int) -> Any:
        assert (uscc, hops) == (p.a.uscc, 2)
        return types.SimpleNamespace(
            model_version="gnn-7",
            exposed=(
                Exposed(p.c.uscc, p.c.name, 0.1, 0.4, 1, (Step(p.c.uscc, "supply", p.a.uscc),)),
                Exposed(p.b.uscc, p.b.name, 0.1, 0.15, 1, (Step(p.b.uscc, "guarantee", p.a.uscc),)),
                Exposed(p.d.uscc, p.d.name, 0.1, 0.9, 1, (Step(p.d.uscc, "supply", p.a.uscc),)),
            ),
        )

    fake_gnn(monkeypatch, contagion)
    raised = await run_contagion(warning_id=(await source_warning(p, "ORANGE")).id)
    levels = {w.enterprise_id: (w.level, w.evidence["method"], w.evidence["model_version"])
              for w in raised}  # fmt: skip
    assert levels == {
        p.c.id: (WarningLevel.ORANGE, "gnn", "gnn-7"),
        p.b.id: (WarningLevel.YELLOW, "gnn", "gnn-7"),
    }


async def test_yellow_and_contagion_warnings_do_not_spread(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never(*, uscc: str, hops: int) -> Any:
        raise AssertionError("not called")

    fake_gnn(monkeypatch, never)
    assert await run_contagion(warning_id=(await source_warning(portfolio, "YELLOW")).id) == []
    with pytest.raises(DomainError) as err:
        await run_contagion(warning_id=12345)
    assert err.value.code == ErrorCode.NOT_FOUND
