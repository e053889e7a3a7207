"""Execution costs: records are never awaited, and resolvers of their parent alone are called
directly by the executor."""

from __future__ import annotations

import asyncio

from db.models import Enterprise, Role
from db.rows import Row
from resolvers.ids import encode_id
from schema.execution import is_awaitable
from tests.schema.helpers import HARDENING, SCHEMA, make_user, run


class Later:
    def __await__(self):  # type: ignore[no-untyped-def]
        return asyncio.sleep(0).__await__()


async def test_records_are_not_awaited(db: str) -> None:
    firm = await Enterprise.create(uscc="91340100MA0000001X", name="甲")
    pending = asyncio.sleep(0)

    assert is_awaitable(firm) is False
    assert is_awaitable(Row({"id": 1})) is False
    assert is_awaitable({"id": 1}) is False
    assert is_awaitable(pending) is True
    assert is_awaitable(Later()) is True
    await pending


def test_parent_only_resolvers_are_called_directly() -> None:
    enterprise = SCHEMA._schema.type_map["Enterprise"].fields  # type: ignore[union-attr]
    warning = SCHEMA._schema.type_map["Warning"].fields  # type: ignore[union-attr]

    assert enterprise["id"].resolve(Row({"id": 12}), None) == encode_id("Enterprise", 12)
    assert warning["level"].resolve(Row({"level": "RED"}), None) == "RED"
    # a resolver that takes the request's info keeps strawberry's way
    assert "_direct" not in enterprise["patents"].resolve.__qualname__
    assert "_direct" in enterprise["id"].resolve.__qualname__


async def test_a_repeated_list_query_is_parsed_and_validated_once(db: str) -> None:
    staff = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    query = "{ enterprises(first: 2) { totalCount edges { node { id name } } } }"
    await run(query, staff)
    hits, misses = HARDENING.cache.hits, HARDENING.cache.misses

    for _ in range(3):
        await run(query, staff)

    assert (HARDENING.cache.hits, HARDENING.cache.misses) == (hits + 3, misses)
