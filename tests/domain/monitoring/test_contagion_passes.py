"""Contagion in passes: several sources in one pass raise what one run each raises, exactly once
across taken-along messages, failed passes, restarts and other processes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from db.models import IdempotencyRecord, OutboxMessage, RiskWarning, WarningLevel
from domain.monitoring import contagion
from domain.monitoring.contagion import (
    contagion_pass,
    run_contagion,
    run_contagion_turn,
    waiting_sources,
)
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from tests.domain.monitoring.helpers import Portfolio
from tests.domain.monitoring.test_contagion import fake_gnn


async def red(enterprise_id: int, kind: str = "dishonest_listed") -> int:
    """A RED warning on the enterprise (which queues its contagion run); its id."""
    draft = WarningDraft(WarningLevel.RED, kind, "m", "R-TEST", {})
    result = await in_retried_transaction(
        lambda conn: raise_warning(draft, enterprise_id=enterprise_id, conn=conn)
    )
    assert result.warning is not None
    return result.warning.id


def walk_only(monkeypatch: pytest.MonkeyPatch) -> None:
    async def unavailable(*, uscc: str, hops: int) -> Any:
        from gnn.errors import ModelUnavailable

        raise ModelUnavailable("no trained graph model")

    fake_gnn(monkeypatch, unavailable)


async def contagion_warnings() -> list[tuple[Any, ...]]:
    """Every contagion warning, told apart by what it says (not by its id)."""
    rows = await RiskWarning.filter(kind="contagion").order_by("id")
    return [
        (w.enterprise_id, str(w.level), w.status, w.contagion_source_id, w.loan_id,
         w.contagion_path, w.evidence["source"], w.evidence["hops"], w.message)
        for w in rows
    ]  # fmt: skip


async def three_sources(p: Portfolio) -> list[int]:
    """RED on A (B one hop, C two), on C (B one hop, A two) and on B (A and C one hop each)."""
    return [await red(p.a.id), await red(p.c.id), await red(p.b.id, "judgment_lost")]


async def forget_this_process() -> None:
    """What a restart forgets: the passes and the sources known done in this event loop."""
    contagion._pass_lock.forget()


async def start_over() -> None:
    await RiskWarning.all().delete()
    await IdempotencyRecord.all().delete()
    await OutboxMessage.all().delete()
    await forget_this_process()


async def test_one_pass_raises_what_one_run_each_raises(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk_only(monkeypatch)
    sources = await three_sources(portfolio)
    for warning_id in sources:
        await run_contagion(warning_id=warning_id)
    one_each = await contagion_warnings()
    assert len(one_each) >= 4  # every source reaches both other borrowers, some fold

    await start_over()
    sources = await three_sources(portfolio)
    raised = await contagion_pass(sources)
    assert await contagion_warnings() == one_each
    assert len(raised) == len(one_each)
    assert await waiting_sources() == []


async def test_a_turn_takes_along_every_waiting_source_and_their_messages_find_it_done(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk_only(monkeypatch)
    first, *others = await three_sources(portfolio)
    assert await waiting_sources() == [first, *others]
    raised = await run_contagion_turn(warning_id=first)
    assert raised is not None and len(raised) == len(await contagion_warnings())
    before = await contagion_warnings()
    for warning_id in [first, *others]:  # their own messages, delivered now
        assert await run_contagion_turn(warning_id=warning_id) == []
    await forget_this_process()  # and again after a restart: the marks are in the database
    for warning_id in [first, *others]:
        assert await run_contagion_turn(warning_id=warning_id) == []
    assert await contagion_warnings() == before
    # one notice per warning: nothing was raised twice
    assert await OutboxMessage.filter(topic="warning").count() == await RiskWarning.all().count()


async def test_a_failed_pass_leaves_nothing_and_its_retry_raises_everything_once(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk_only(monkeypatch)
    sources = await three_sources(portfolio)
    for warning_id in sources:  # the reference: one run each
        await run_contagion(warning_id=warning_id)
    expected = await contagion_warnings()
    await start_over()
    sources = await three_sources(portfolio)

    real, calls = contagion._raise, []

    async def crash_on_the_second(*args: Any) -> list[RiskWarning]:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return await real(*args)

    monkeypatch.setattr(contagion, "_raise", crash_on_the_second)
    with pytest.raises(RuntimeError):
        await run_contagion_turn(warning_id=sources[0])
    # each source all or nothing: the first committed with its mark, nothing of the second
    first_only = await contagion_warnings()
    assert first_only == expected[: len(first_only)] and 0 < len(first_only) < len(expected)
    assert await waiting_sources() == sources[1:]
    monkeypatch.setattr(contagion, "_raise", real)
    await forget_this_process()
    for warning_id in sources:  # every message redelivered, in any order
        await run_contagion_turn(warning_id=warning_id)
    assert await contagion_warnings() == expected


async def test_a_source_another_process_ran_meanwhile_is_not_run_again(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk_only(monkeypatch)
    first, second, third = await three_sources(portfolio)
    await run_contagion(warning_id=second)  # "another process"
    after_second = await contagion_warnings()
    await forget_this_process()
    await contagion_pass([first, second, third])
    rows = await contagion_warnings()
    assert rows[: len(after_second)] == after_second
    marks = await IdempotencyRecord.filter(operation=contagion.MARK_OPERATION).count()
    assert marks == 3


async def test_a_turn_asked_while_a_pass_runs_is_sent_back_unless_it_may_wait(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk_only(monkeypatch)
    first, second, _ = await three_sources(portfolio)
    release = asyncio.Event()
    real = contagion.find_exposures

    async def slow(uscc: str, *, hops: int) -> contagion.Exposures:
        await release.wait()
        return await real(uscc, hops=hops)

    monkeypatch.setattr(contagion, "find_exposures", slow)
    running = asyncio.ensure_future(run_contagion_turn(warning_id=first))
    await asyncio.sleep(0.05)
    assert await run_contagion_turn(warning_id=second, wait=False) is None
    waiting = asyncio.ensure_future(run_contagion_turn(warning_id=second))
    release.set()
    assert await running
    assert await waiting == []  # taken along by the running pass
    assert await waiting_sources() == []
