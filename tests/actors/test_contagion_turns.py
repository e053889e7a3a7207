"""The contagion actor in a worker: a message that finds a pass running in its process is sent
again a little later instead of holding a worker thread; elsewhere it waits its turn."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actors.graph_risk as graph_risk
from db.models import RiskWarning, WarningLevel
from domain.monitoring import contagion
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from tests.domain.monitoring.helpers import Portfolio, make_portfolio


@pytest.fixture
async def portfolio(db: str, data_dir: Any) -> Portfolio:
    return await make_portfolio()


async def red(enterprise_id: int) -> int:
    draft = WarningDraft(WarningLevel.RED, "dishonest_listed", "m", "R-TEST", {})
    result = await in_retried_transaction(
        lambda conn: raise_warning(draft, enterprise_id=enterprise_id, conn=conn)
    )
    assert result.warning is not None
    return result.warning.id


async def no_model(uscc: str, *, hops: int) -> contagion.Exposures:
    found = await contagion.walk_exposures(uscc, hops=hops, kinds=["guarantee", "supply"])
    return contagion.Exposures(tuple(found), "walk", None, "no graph model (test)")


@pytest.mark.parametrize("in_worker", [True, False])
async def test_a_message_meeting_a_running_pass(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch, in_worker: bool
) -> None:
    first, second = await red(portfolio.a.id), await red(portfolio.c.id)
    release = asyncio.Event()

    async def slow(uscc: str, *, hops: int) -> contagion.Exposures:
        await release.wait()
        return await no_model(uscc, hops=hops)

    monkeypatch.setattr(contagion, "find_exposures", slow)
    sent: list[tuple[tuple[Any, ...], int]] = []
    monkeypatch.setattr(graph_risk, "in_worker_thread_loop", lambda: in_worker)
    monkeypatch.setattr(
        graph_risk.run_contagion,
        "send_with_options",
        lambda *, args, delay: sent.append((args, delay)),
    )
    running = asyncio.ensure_future(graph_risk.do_run_contagion(first))
    await asyncio.sleep(0.05)
    other = asyncio.ensure_future(graph_risk.do_run_contagion(second))
    await asyncio.sleep(0.05)
    assert other.done() is in_worker  # in a worker it returned at once, sent again
    assert sent == ([((second,), graph_risk.CONTAGION_AGAIN_MS)] if in_worker else [])
    release.set()
    await asyncio.gather(running, other)
    raised = await RiskWarning.filter(kind="contagion").count()
    assert raised >= 2 and await contagion.waiting_sources() == []
    await graph_risk.do_run_contagion(second)  # the message sent again: nothing left to do
    assert await RiskWarning.filter(kind="contagion").count() == raised


async def test_only_the_worker_threads_loop_counts_as_a_worker(db: str) -> None:
    assert not graph_risk.in_worker_thread_loop()  # the test's own loop
