"""Running operations against the schema without HTTP, as a given user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tortoise import connections

from db.models import Role, User
from domain.accounts.passwords import hash_password
from domain.accounts.principal import Principal
from schema import build_schema
from schema.context import Context
from schema.limits import LimitConfig, build_extensions_and_rules
from tests.trust import trust

HARDENING = build_extensions_and_rules(production=False, limits=LimitConfig(max_cost=1_000_000))
# the served extensions (error codes, limits) with a cost limit that leaves tests alone
SCHEMA = build_schema(extensions=HARDENING.extensions, config=HARDENING.config)


async def make_user(email: str, role: Role, enterprise_id: int | None = None) -> Principal:
    """A stored user and its principal (passwords are 'correct horse battery')."""
    user = await User.create(
        email=email, password_hash=hash_password("correct horse battery"), role=role,
        enterprise_id=enterprise_id,
    )  # fmt: skip
    await trust(user)
    return Principal(user_id=user.id, email=email, role=role, enterprise_id=enterprise_id)


async def run(query: str, principal: Principal | None, **variables: Any) -> dict[str, Any]:
    """Execute and return data, failing on top-level errors."""
    result = await SCHEMA.execute(
        query, variable_values=variables, context_value=Context(principal)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def run_raw(query: str, principal: Principal | None, **variables: Any) -> Any:
    """Execute and return the whole result (data and errors)."""
    return await SCHEMA.execute(query, variable_values=variables, context_value=Context(principal))


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Record every SQL statement the default connection runs."""
    conn = connections.get("default")
    cls = type(conn)
    seen: list[str] = []
    originals: dict[str, Any] = {}
    for name in ("execute_query", "execute_query_dict"):
        original = getattr(cls, name)
        originals[name] = original

        def wrapper(self: Any, query: str, *args: Any, _orig: Any = original, **kw: Any) -> Any:
            seen.append(query)
            return _orig(self, query, *args, **kw)

        setattr(cls, name, wrapper)
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(cls, name, original)
