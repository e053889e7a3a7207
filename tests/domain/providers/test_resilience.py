"""Backoff, circuit breaker and answer cache, on a clock the test moves."""

from __future__ import annotations

import random

import pytest

from domain.providers.resilience import (
    BreakerState,
    CircuitBreaker,
    ResponseCache,
    backoff_delay,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(0, 0.2), (1, 0.4), (2, 0.8), (3, 1.0), (9, 1.0)]:
        delays = [backoff_delay(attempt, first=0.2, cap=1.0, rng=rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 100  # jittered, not in step


def test_breaker_opens_after_consecutive_failures_only() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, cooldown=10, clock=clock)
    breaker.failure()
    breaker.failure()
    breaker.success()  # the run is broken
    breaker.failure()
    breaker.failure()
    assert breaker.allow()
    breaker.failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_breaker_half_opens_for_one_trial_after_the_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown=10, clock=clock)
    breaker.failure()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # nobody else meanwhile
    breaker.failure()  # the trial failed: open again, for a full cooldown
    assert breaker.state is BreakerState.OPEN
    clock.now += 10
    assert breaker.allow()
    breaker.success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()
    assert breaker.allow()


def test_a_trial_that_never_reports_does_not_hold_the_circuit() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown=5, clock=clock)
    breaker.failure()
    clock.now += 5
    assert breaker.allow()  # the trial is cancelled and says nothing
    clock.now += 5
    assert breaker.allow()


def test_cache_expires_and_evicts_the_least_recently_used() -> None:
    clock = Clock()
    cache: ResponseCache[str] = ResponseCache(ttl=10, size=2, clock=clock)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C")
    assert cache.get("b") is None
    assert cache.get("a") == "A"
    clock.now += 10
    assert cache.get("a") is None
    assert len(cache) == 1


@pytest.mark.parametrize(("ttl", "size"), [(0, 10), (10, 0)])
def test_cache_can_be_turned_off(ttl: float, size: int) -> None:
    cache: ResponseCache[str] = ResponseCache(ttl=ttl, size=size)
    cache.put("a", "A")
    assert cache.get("a") is None
