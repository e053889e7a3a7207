"""A data provider over HTTP: a bank's data platform speaking the contract of docs/providers.md.

Each source is asked on its own and concurrently. A timeout, a 5xx or a failed connection is
retried with exponential backoff and jitter; a 4xx is not (asking again would get the same
answer). Every source has its circuit breaker, so a platform that is down is not hammered and
callers fail at once until it comes back. Good answers are cached for a short while per
enterprise and source; failures never are. Rows handed out are shared with the cache: callers
read them and never change them (the world importer only reads).
"""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import Callable, Collection
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from config import ProviderSettings
from db.models.consent import DataSource
from domain.providers.base import ProviderError, Rows
from domain.providers.contract import PATHS, merge, parse_enterprise, parse_rows
from domain.providers.resilience import CircuitBreaker, Clock, ResponseCache, backoff_delay
from domain.providers.sources import select_rows

T = TypeVar("T")


class _Refused(ProviderError):
    """The platform refused the request (4xx): our fault, not a sign the platform is down."""


class HttpProvider:
    """Reads a bank's data platform at `base_url` (see docs/providers.md for the contract)."""

    name = "http"

    def __init__(
        self,
        base_url: str,
        *,
        options: ProviderSettings | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.options = options or ProviderSettings(url=base_url)
        o = self.options
        extra = {"clock": clock} if clock is not None else {}
        self.breakers = {
            s: CircuitBreaker(
                failures=o.breaker_failures, cooldown=o.breaker_cooldown_seconds, **extra
            )
            for s in DataSource
        }
        self.cache: ResponseCache[Any] = ResponseCache(
            ttl=o.cache_ttl_seconds, size=o.cache_size, **extra
        )
        self._rng = rng or random.Random()
        # an httpx client belongs to the event loop it first ran on: one per loop
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
        self._clients = weakref.WeakKeyDictionary()

    async def lookup(self, uscc: str) -> dict[str, Any] | None:
        """The public registration record, None when the platform does not know the enterprise.
        Shares the breaker of REGISTRATION."""
        url = f"{self.base_url}/v1/enterprises/{quote(uscc, safe='')}"
        return await self._answer(
            ("lookup", uscc),
            DataSource.REGISTRATION,
            url,
            lambda b: parse_enterprise(b, uscc),
            label="lookup",
        )

    async def fetch(self, uscc: str, sources: Collection[DataSource]) -> Rows:
        """The rows of the named sources, asked concurrently; the first failure is raised
        (the other answers are still cached)."""
        wanted = sorted({DataSource(s) for s in sources})
        if not wanted:
            return {}
        results = await asyncio.gather(
            *(self._source(uscc, s) for s in wanted), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        answers = [r for r in results if isinstance(r, dict)]
        if not answers:
            return {}  # the platform does not know the enterprise
        return select_rows(merge(answers), wanted, uscc=uscc)

    async def warm(self) -> None:
        """Nothing to load: connections are opened on the first request and then kept."""

    async def aclose(self) -> None:
        """Close the connections of the running event loop."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    async def _source(self, uscc: str, source: DataSource) -> Rows | None:
        url = f"{self.base_url}/v1/{PATHS[source]}/{quote(uscc, safe='')}"
        return await self._answer(
            (source.value, uscc),
            source,
            url,
            lambda b: parse_rows(b, source, uscc),
            label=PATHS[source],
        )

    async def _answer(
        self,
        key: tuple[str, str],
        source: DataSource,
        url: str,
        parse: Callable[[bytes], T],
        *,
        label: str,
    ) -> T | None:
        """The parsed answer at `url` (None for 404): cached, behind the source's breaker."""
        cached = self.cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        breaker = self.breakers[source]
        if not breaker.allow():
            raise ProviderError(
                f"{label}: the data platform is failing, not asked (circuit open)",
                source=source,
            )
        try:
            result = await self._attempts(source, url, parse, label)
        except _Refused:
            breaker.success()  # it answered: up, even if it said no
            raise
        except ProviderError:
            breaker.failure()
            raise
        breaker.success()
        if result is not None:
            self.cache.put(key, result)
        return result

    async def _attempts(
        self, source: DataSource, url: str, parse: Callable[[bytes], T], label: str
    ) -> T | None:
        """One request, tried again after a timeout, a 5xx or a connection error."""
        o = self.options
        problem = ""
        for attempt in range(o.retries + 1):
            if attempt:
                await asyncio.sleep(
                    backoff_delay(
                        attempt - 1,
                        first=o.backoff_seconds,
                        cap=o.backoff_max_seconds,
                        rng=self._rng,
                    )
                )
            try:
                response = await self._client().get(url)
            except httpx.TimeoutException:
                problem = "timed out"
                continue
            except httpx.TransportError as exc:
                problem = f"could not be reached ({type(exc).__name__})"
                continue
            status = response.status_code
            if status == 404:
                return None
            if status >= 500:
                problem = f"answered {status}"
                continue
            if status != 200:
                raise _Refused(
                    f"{label}: the data platform refused the request ({status})",
                    source=source,
                    retryable=status in (408, 429),
                )
            return parse(response.content)
        raise ProviderError(
            f"{label}: the data platform {problem} ({o.retries + 1} attempt(s))", source=source
        )

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            o = self.options
            headers = {"Accept": "application/json"}
            if o.token:
                headers["Authorization"] = f"Bearer {o.token}"
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(o.timeout_seconds, connect=o.connect_timeout_seconds),
                headers=headers,
                follow_redirects=False,
            )
            self._clients[loop] = client
        return client
