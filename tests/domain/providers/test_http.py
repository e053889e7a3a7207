"""The HTTP provider against a real data platform on a local port (`ipcredit provider serve`'s
application under uvicorn), slow, failing and malformed answers included."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config import ProviderSettings
from db.models.consent import DataSource as S
from domain.providers.base import ProviderError
from domain.providers.directory import DirectoryProvider
from domain.providers.http import HttpProvider
from domain.providers.resilience import BreakerState
from tests.domain.providers.data_platform import Faults, platform
from tests.factories import A, B, C, tiny_world, write_world

UNKNOWN = "91340100MA9999999X"
Make = Callable[..., HttpProvider]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("platform") / "world"
    write_world(tiny_world(), directory)
    return directory


@pytest.fixture(scope="module")
def served(world: Path) -> Iterator[tuple[str, Faults]]:
    with platform(world) as running:
        yield running


@pytest.fixture
def faults(served: tuple[str, Faults]) -> Iterator[Faults]:
    served[1].reset()
    yield served[1]
    served[1].reset()


@pytest.fixture
async def make(served: tuple[str, Faults]) -> AsyncIterator[Make]:
    """HttpProvider over the platform, quick to give up unless told otherwise."""
    made: list[HttpProvider] = []

    def build(clock: Any = None, **options: Any) -> HttpProvider:
        settings = ProviderSettings(
            url=served[0], **{"timeout_seconds": 2.0, "backoff_seconds": 0.01, **options}
        )
        made.append(HttpProvider(served[0], options=settings, clock=clock))
        return made[-1]

    yield build
    for provider in made:
        await provider.aclose()


def same_rows(one: dict[str, list[Any]], two: dict[str, list[Any]]) -> bool:
    """The same rows in each file, whatever their order (answers of several sources merge)."""

    def norm(rows: dict[str, list[Any]]) -> dict[str, list[str]]:
        return {k: sorted(json.dumps(r, sort_keys=True) for r in v) for k, v in rows.items()}

    return norm(one) == norm(two)


@pytest.mark.parametrize(
    "sources",
    [[S.REGISTRATION], [S.JUDICIAL], [S.JUDICIAL, S.PATENTS], [S.TAX, S.CREDIT_BUREAU], list(S)],
)
@pytest.mark.parametrize("uscc", [A, B, C])
async def test_answers_are_those_of_the_directory(
    make: Make, faults: Faults, world: Path, uscc: str, sources: list[S]
) -> None:
    directory = DirectoryProvider(world)
    http_rows = await make().fetch(uscc, sources)
    assert same_rows(http_rows, await directory.fetch(uscc, sources))
    assert faults.count("/v1/") == len(sources)


async def test_lookup_and_unknown_enterprises(make: Make, faults: Faults) -> None:
    provider = make()
    record = await provider.lookup(A)
    assert record is not None
    assert record["uscc"] == A
    assert await provider.lookup(UNKNOWN) is None
    assert await provider.fetch(UNKNOWN, list(S)) == {}
    assert await provider.fetch(UNKNOWN, [S.TAX]) == {}
    assert faults.count(f"/v1/tax/{UNKNOWN}") == 2  # "unknown" is not cached


async def test_a_slow_answer_times_out_and_is_asked_again(make: Make, faults: Faults) -> None:
    faults.plan("/v1/tax/", "slow:2")
    started = time.monotonic()
    rows = await make(timeout_seconds=0.3, retries=1).fetch(A, [S.TAX])
    assert len(rows["tax"]) == 2
    assert faults.count("/v1/tax/") == 2
    assert time.monotonic() - started < 1.5


async def test_a_platform_that_stays_slow_is_an_error(make: Make, faults: Faults) -> None:
    faults.plan("/v1/tax/", "slow:2", "slow:2")
    with pytest.raises(ProviderError, match="timed out") as caught:
        await make(timeout_seconds=0.2, retries=1).fetch(A, [S.TAX])
    assert caught.value.source is S.TAX
    assert caught.value.retryable


async def test_failing_then_answering(make: Make, faults: Faults) -> None:
    faults.plan("/v1/judicial/", "500", "500")
    rows = await make(retries=2).fetch(A, [S.JUDICIAL])
    assert len(rows["litigations"]) == 1
    assert faults.count("/v1/judicial/") == 3


async def test_failing_past_the_retries_is_an_error_and_nothing_partial(
    make: Make, faults: Faults
) -> None:
    faults.plan("/v1/judicial/", "500", "500", "500")
    with pytest.raises(ProviderError, match="answered 500 \\(3 attempt"):
        await make(retries=2).fetch(A, [S.TAX, S.JUDICIAL, S.PATENTS])
    assert faults.count("/v1/judicial/") == 3


async def test_an_unreachable_platform_is_an_error() -> None:
    from tests.live_server import free_port

    provider = HttpProvider(
        f"http://127.0.0.1:{free_port()}", options=ProviderSettings(retries=1, backoff_seconds=0)
    )
    with pytest.raises(ProviderError, match="could not be reached"):
        await provider.fetch(A, [S.TAX])
    await provider.aclose()


@pytest.mark.parametrize(("action", "reason"), [("malformed", "not JSON"), ("shape", "malformed")])
async def test_a_malformed_answer_is_an_error_not_retried(
    make: Make, faults: Faults, action: str, reason: str
) -> None:
    faults.plan("/v1/tax/", action)
    provider = make(retries=2)
    with pytest.raises(ProviderError, match=reason):
        await provider.fetch(A, [S.TAX, S.FINANCIALS])
    assert faults.count("/v1/tax/") == 1
    assert len((await provider.fetch(A, [S.TAX]))["tax"]) == 2  # nothing bad was kept


async def test_a_refusal_is_not_retried_and_does_not_open_the_circuit(
    make: Make, faults: Faults
) -> None:
    faults.plan("/v1/tax/", "403", "403")
    provider = make(retries=2, breaker_failures=1)
    for _ in range(2):
        with pytest.raises(ProviderError, match="refused the request \\(403\\)") as caught:
            await provider.fetch(A, [S.TAX])
        assert not caught.value.retryable
    assert faults.count("/v1/tax/") == 2
    assert provider.breakers[S.TAX].state is BreakerState.CLOSED


async def test_the_circuit_opens_then_half_opens_per_source(make: Make, faults: Faults) -> None:
    faults.plan("/v1/tax/", "500", "500", "500")
    provider = make(retries=0, breaker_failures=2, breaker_cooldown_seconds=0.5)
    for _ in range(2):
        with pytest.raises(ProviderError, match="answered 500"):
            await provider.fetch(A, [S.TAX])
    with pytest.raises(ProviderError, match="circuit open"):
        await provider.fetch(A, [S.TAX])
    assert faults.count("/v1/tax/") == 2  # failed fast, not asked
    assert (await provider.fetch(A, [S.FINANCIALS]))["financials"]  # other sources go on
    await asyncio.sleep(0.55)
    with pytest.raises(ProviderError, match="answered 500"):
        await provider.fetch(A, [S.TAX])  # the trial fails: open again
    with pytest.raises(ProviderError, match="circuit open"):
        await provider.fetch(A, [S.TAX])
    await asyncio.sleep(0.55)
    assert len((await provider.fetch(A, [S.TAX]))["tax"]) == 2  # the trial succeeds
    assert provider.breakers[S.TAX].state is BreakerState.CLOSED
    assert faults.count("/v1/tax/") == 4


async def test_answers_are_cached_per_enterprise_and_source(make: Make, faults: Faults) -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    provider = make(clock=clock, cache_ttl_seconds=60)
    first = await provider.fetch(A, [S.TAX, S.JUDICIAL])
    assert await provider.fetch(A, [S.TAX, S.JUDICIAL]) == first
    await provider.fetch(A, [S.TAX, S.PATENTS])
    await provider.fetch(B, [S.TAX])
    assert await provider.lookup(A) == await provider.lookup(A)
    assert faults.count(f"/v1/tax/{A}") == 1
    assert faults.count(f"/v1/patents/{A}") == 1
    assert faults.count(f"/v1/tax/{B}") == 1
    assert faults.count(f"/v1/enterprises/{A}") == 1
    clock.now = 60
    await provider.fetch(A, [S.TAX])
    assert faults.count(f"/v1/tax/{A}") == 2


async def test_failures_are_not_cached(make: Make, faults: Faults) -> None:
    faults.plan("/v1/tax/", "500")
    provider = make(retries=0)
    with pytest.raises(ProviderError):
        await provider.fetch(A, [S.TAX])
    assert (await provider.fetch(A, [S.TAX]))["tax"]
    assert faults.count("/v1/tax/") == 2


async def test_a_platform_asking_for_a_token(world: Path) -> None:
    with platform(world, token="s3cret") as (url, faults):
        anonymous = HttpProvider(url, options=ProviderSettings(retries=2))
        with pytest.raises(ProviderError, match="401"):
            await anonymous.fetch(A, [S.TAX])
        assert faults.count("/v1/tax/") == 1
        trusted = HttpProvider(url, options=ProviderSettings(token="s3cret"))
        assert (await trusted.fetch(A, [S.TAX]))["tax"]
        await anonymous.aclose()
        await trusted.aclose()
