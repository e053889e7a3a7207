"""Patience with a remote service: backoff between attempts, a circuit breaker, an answer cache.

Each is safe to share between the event loops of one process (the API's and a worker's): their
state changes under a lock and never waits while holding it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from enum import StrEnum
from typing import Generic, TypeVar

V = TypeVar("V")
Clock = Callable[[], float]


def backoff_delay(attempt: int, *, first: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (0-based): `first` doubled each time, at
    most `cap`, of which a random half (jitter, so that clients do not retry in step)."""
    ceiling = min(cap, first * 2**attempt)
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class BreakerState(StrEnum):
    """Closed: requests go through. Open: they fail at once. Half-open: one trial goes through."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after `failures` consecutive failed requests; after `cooldown` seconds lets one
    trial through (half-open): its success closes the circuit, its failure opens it again.

    A trial that never reports back (cancelled) does not hold the circuit forever: another is
    let through once `cooldown` has passed again.
    """

    def __init__(self, *, failures: int, cooldown: float, clock: Clock = time.monotonic):
        self.failures = max(1, failures)
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._count = 0
        self._since = 0.0  # when it opened, or when the last trial went through

    @property
    def state(self) -> BreakerState:
        """The state now (an open circuit whose cool-down is over reads half-open)."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._clock() - self._since >= self.cooldown:
                return BreakerState.HALF_OPEN
            return self._state

    def allow(self) -> bool:
        """Whether a request may go out now; in half-open, True for the trial only."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            now = self._clock()
            if now - self._since < self.cooldown:
                return False
            self._state = BreakerState.HALF_OPEN
            self._since = now
            return True

    def success(self) -> None:
        """The request succeeded: the circuit closes."""
        with self._lock:
            self._state = BreakerState.CLOSED
            self._count = 0

    def failure(self) -> None:
        """The request failed: one more in a row; a failed trial opens the circuit again."""
        with self._lock:
            self._count += 1
            if self._state is BreakerState.HALF_OPEN or self._count >= self.failures:
                self._state = BreakerState.OPEN
                self._since = self._clock()


class ResponseCache(Generic[V]):
    """The last `size` answers, each kept for `ttl` seconds (least recently used go first)."""

    def __init__(self, *, ttl: float, size: int, clock: Clock = time.monotonic):
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> V | None:
        """The answer kept under `key`, None when absent or expired."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if self._clock() >= item[0]:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, value: V) -> None:
        """Keep an answer (nothing when the cache is off)."""
        if self.ttl <= 0 or self.size <= 0:
            return
        with self._lock:
            self._items[key] = (self._clock() + self.ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._items.clear()
