"""Derived work waits while an event is processed in the same event loop, but not forever."""

from __future__ import annotations

import asyncio
import time

import pytest

from domain.monitoring import urgency
from domain.monitoring.urgency import busy, urgent, yield_to_urgent


async def test_derived_work_waits_for_urgent_work_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urgency, "SLICE_S", 0.0)
    order: list[str] = []

    async def event() -> None:
        async with urgent():
            await asyncio.sleep(0.1)
            order.append("event")

    started = asyncio.ensure_future(event())
    await asyncio.sleep(0)
    assert busy()
    await yield_to_urgent()
    order.append("derived")
    await started
    assert order == ["event", "derived"]


async def _urgent_until(release: asyncio.Event) -> asyncio.Future[None]:
    """Urgent work that has started and goes on until `release` is set."""

    async def endless() -> None:
        async with urgent():
            await release.wait()

    task = asyncio.ensure_future(endless())
    await asyncio.sleep(0)
    return task


async def test_it_waits_at_most_so_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urgency, "QUIET_S", 0.01)
    monkeypatch.setattr(urgency, "SLICE_S", 0.0)
    release = asyncio.Event()
    task = await _urgent_until(release)
    began = time.monotonic()
    await yield_to_urgent(max_wait_s=0.1)
    assert 0.09 <= time.monotonic() - began < 1.0
    release.set()
    await task
    await asyncio.sleep(0.02)
    assert not busy()
    began = time.monotonic()
    await yield_to_urgent()
    assert time.monotonic() - began < 0.05  # nothing urgent: no wait


async def test_within_a_slice_derived_work_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urgency, "SLICE_S", 5.0)
    release = asyncio.Event()
    task = await _urgent_until(release)
    await yield_to_urgent(max_wait_s=0.1)  # waits (the slice starts after it)
    began = time.monotonic()
    for _ in range(3):
        await yield_to_urgent(max_wait_s=0.1)
    assert time.monotonic() - began < 0.05
    release.set()
    await task
