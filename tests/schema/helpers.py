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


REGISTER_PLEDGE = """mutation($n: String!, $r: String!, $d: Date!) {
  registerPledge(patentNumber: $n, registrationNumber: $r, registeredOn: $d) {
    pledge { registrationNumber standing } errors { code message } } }"""


async def register_pledges(
    officer: Principal, *, application_id: int | None = None, contract_id: str | None = None
) -> list[str]:
    """Register, through the API, the pledge of every patent the application (or the
    contract's application) pledges; the registration numbers used."""
    from datetime import UTC, datetime

    from db.models import ApplicationPatent, PatentPledge

    application_id = await _application_of(application_id, contract_id)
    links = await ApplicationPatent.filter(application_id=application_id).prefetch_related("patent")
    numbers = []
    for link in links:
        if await PatentPledge.filter(active_patent_id=link.patent.id).exists():
            continue  # already registered (a renewal keeps its registration)
        registration = f"PLG-{link.patent.number}-{application_id}"
        result = (await run(
            REGISTER_PLEDGE, officer, n=link.patent.number, r=registration,
            d=datetime.now(UTC).date().isoformat(),
        ))["registerPledge"]  # fmt: skip
        assert result["errors"] == [], result
        numbers.append(registration)
    return numbers


async def _application_of(application_id: int | None, contract_id: str | None) -> int:
    from db.models import Contract
    from resolvers.ids import decode_id

    if application_id is not None:
        return application_id
    assert contract_id is not None
    contract = await Contract.get(id=decode_id(str(contract_id), "Contract"))
    return contract.application_id  # type: ignore[attr-defined]


async def pledges_wanted(
    *, application_id: int | None = None, contract_id: str | None = None
) -> bool:
    """Whether the application (or the contract's) pledges a patent not registered yet."""
    from db.models import ApplicationPatent, PatentPledge

    application_id = await _application_of(application_id, contract_id)
    ids = await ApplicationPatent.filter(application_id=application_id).values_list(
        "patent_id", flat=True
    )
    standing = await PatentPledge.filter(active_patent_id__in=list(ids)).count()
    return len(ids) > standing
