"""Actors wait for a database that is away and fail at once on anything else."""

from __future__ import annotations

import asyncpg
import pytest
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from actors import broker
from db.outage import database_unreachable


def _wrapped(inner: BaseException) -> OperationalError:
    """As the ORM raises a driver's error: its own, raised from the driver's."""
    try:
        raise OperationalError(str(inner)) from inner
    except OperationalError as exc:
        return exc


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
        ConnectionRefusedError(111, "Connect call failed"),
        DBConnectionError("cannot connect"),
    ],
)
def test_a_database_away_is_recognised_through_the_orm(error: BaseException) -> None:
    assert database_unreachable(error)
    assert database_unreachable(_wrapped(error))


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("duplicate key"),
        asyncpg.UniqueViolationError("duplicate key value"),
        asyncpg.InterfaceError("connection has been released back to the pool"),
        ValueError("bad input"),
        TimeoutError(),
    ],
)
def test_other_errors_are_not_an_outage(error: BaseException) -> None:
    assert not database_unreachable(error)
    assert not database_unreachable(_wrapped(error))


def test_a_refused_connection_deeper_in_another_library_is_not_the_database() -> None:
    """A data provider's client that could not connect raises its own error from the socket's:
    that is the provider being away, not the database."""

    class ProviderDown(Exception):
        pass

    def call_provider() -> None:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except ConnectionRefusedError as inner:
            raise ProviderDown("provider unreachable") from inner

    with pytest.raises(ProviderDown) as caught:
        call_provider()
    assert caught.value.__cause__ is not None
    assert not database_unreachable(caught.value)


async def test_an_actor_is_tried_again_while_the_database_is_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(broker, "DB_AWAY_RETRY_S", 0.0)
    calls: list[int] = []

    async def work(n: int) -> None:
        calls.append(n)
        if len(calls) < 3:
            raise _wrapped(asyncpg.AdminShutdownError("terminating connection"))

    await broker.through_outages(work)(7)
    assert calls == [7, 7, 7]


async def test_an_actor_fails_at_once_on_other_errors_and_after_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(broker, "DB_AWAY_RETRY_S", 0.0)
    calls: list[str] = []

    async def bad() -> None:
        calls.append("bad")
        raise ValueError("not an outage")

    with pytest.raises(ValueError, match="not an outage"):
        await broker.through_outages(bad)()
    assert calls == ["bad"]

    async def away() -> None:
        calls.append("away")
        raise ConnectionRefusedError(111, "refused")

    monkeypatch.setattr(broker, "DB_AWAY_WAIT_S", 0.0)  # the wait is over at once
    with pytest.raises(ConnectionRefusedError, match="refused"):
        await broker.through_outages(away)()
    assert calls == ["bad", "away"]
