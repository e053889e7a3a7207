"""State kept per event loop: one value per running loop, made on first use, dropped with it."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    """One `make()` per event loop (tests and worker threads each run their own loop; a value
    tied to one, such as an asyncio lock or event, must never be used from another)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> T:
        """The running loop's value, made now when it has none."""
        loop = asyncio.get_running_loop()
        found = self._by_loop.get(loop)
        if found is None:
            found = self._by_loop[loop] = self._make()
        return found

    def peek(self) -> T | None:
        """The running loop's value, or None when it has none yet (nothing is made)."""
        return self._by_loop.get(asyncio.get_running_loop())

    def forget(self) -> None:
        """Drop the running loop's value (the next `get` makes a new one)."""
        self._by_loop.pop(asyncio.get_running_loop(), None)
