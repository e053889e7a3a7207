"""The gate in front of every pull of outside data, and the data-access log it writes.

`pull` checks that every requested source is allowed for the purpose, by a valid consent or, for
post-loan monitoring, by the monitoring clause of an outstanding loan's contract. A pull nothing
allows is refused before anything is fetched: one REFUSED row per missing source, an audit entry
and `NoConsent`. An allowed pull fetches from the provider and logs one row per source: OK, or
FAILED with the provider's error, which then propagates.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from enum import StrEnum

from tortoise.transactions import in_transaction

from db.models import Consent, ConsentPurpose, DataAccess, DataSource, Enterprise
from domain import audit
from domain.accounts.principal import Principal
from domain.consent.coverage import Basis, Cover, consent_cover, normalise_sources, resolve
from domain.context import current_request_id
from domain.errors import InvalidInput, NoConsent, NotFound
from domain.providers.base import DataProvider, ProviderError, Rows


class Outcome(StrEnum):
    """How one logged pull of one source ended."""

    OK = "OK"
    FAILED = "FAILED"
    REFUSED = "REFUSED"


def actor_name(actor: str | Principal) -> str:
    """The log's name for who pulls: `user:<email>` for a person, else the name as given
    (e.g. `system:assess`)."""
    if isinstance(actor, Principal):
        return f"user:{actor.email}"
    if not actor.strip():
        raise InvalidInput("the actor of a pull is required", field="actor")
    return actor


async def require_consent(
    enterprise_id: int, sources: Iterable[DataSource | str], purpose: ConsentPurpose | str
) -> Consent:
    """The valid consent allowing `purpose` pulls of `sources` (the newest one when several
    together cover them); NoConsent when any source is not covered. Reads only."""
    wanted, why = _checked(sources, purpose)
    covered, missing = await consent_cover(enterprise_id, wanted, why)
    if missing:
        raise NoConsent(_refusal(missing, why), field="consent")
    return max((c.consent for c in covered if c.consent is not None), key=lambda c: c.id)


async def pull(
    *,
    enterprise_id: int,
    sources: Iterable[DataSource | str],
    purpose: ConsentPurpose | str,
    actor: str | Principal,
    provider: DataProvider,
) -> Rows:
    """Fetch what `sources` know of the enterprise, if allowed; every source is logged."""
    wanted, why = _checked(sources, purpose)
    who = actor_name(actor)
    enterprise = await Enterprise.get_or_none(id=enterprise_id)
    if enterprise is None:
        raise NotFound("no such enterprise", field="enterpriseId")
    covered, missing = await resolve(enterprise_id, wanted, why)
    if missing:
        await _refuse(enterprise_id, missing, why, who)
        raise NoConsent(_refusal(missing, why), field="consent")
    try:
        rows = await provider.fetch(enterprise.uscc, wanted)
    except ProviderError as exc:
        await _log_failure(enterprise_id, covered, why, who, exc)
        raise
    await _log(enterprise_id, covered, why, who, outcome=Outcome.OK, detail=None)
    return rows


def _checked(
    sources: Iterable[DataSource | str], purpose: ConsentPurpose | str
) -> tuple[list[DataSource], ConsentPurpose]:
    try:
        wanted = normalise_sources(sources)
    except ValueError as exc:
        raise InvalidInput(f"unknown data source: {exc}", field="sources") from exc
    if not wanted:
        raise InvalidInput("name at least one data source", field="sources")
    try:
        return wanted, ConsentPurpose(purpose)
    except ValueError as exc:
        raise InvalidInput(f"unknown purpose: {purpose}", field="purpose") from exc


def _refusal(missing: Collection[DataSource], purpose: ConsentPurpose) -> str:
    names = ", ".join(s.value for s in missing)
    return f"no valid data authorisation covers {names} for {purpose.value}"


async def _refuse(
    enterprise_id: int, missing: list[DataSource], purpose: ConsentPurpose, who: str
) -> None:
    now = datetime.now(UTC)
    detail = _refusal(missing, purpose)
    async with in_transaction() as conn:
        await DataAccess.bulk_create(
            [
                _row(
                    enterprise_id,
                    Cover(s, Basis.CONSENT),
                    purpose,
                    who,
                    Outcome.REFUSED,
                    detail,
                    now,
                )
                for s in missing
            ],
            using_db=conn,
        )
        await audit.record(
            actor=who,
            action="data.pull_refused",
            entity_type="enterprise",
            entity_id=enterprise_id,
            data={"sources": [s.value for s in missing], "purpose": purpose.value},
            connection=conn,
        )


async def _log_failure(
    enterprise_id: int,
    covered: list[Cover],
    purpose: ConsentPurpose,
    who: str,
    exc: ProviderError,
) -> None:
    failed = exc.source.value if exc.source is not None else "provider"
    detail = f"{failed}: {exc}"[:2000]
    await _log(enterprise_id, covered, purpose, who, outcome=Outcome.FAILED, detail=detail)


async def _log(
    enterprise_id: int,
    covered: list[Cover],
    purpose: ConsentPurpose,
    who: str,
    *,
    outcome: str,
    detail: str | None,
) -> None:
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await DataAccess.bulk_create(
            [_row(enterprise_id, c, purpose, who, outcome, detail, now) for c in covered],
            using_db=conn,
        )
        if outcome != Outcome.OK:
            await audit.record(
                actor=who,
                action="data.pull_failed",
                entity_type="enterprise",
                entity_id=enterprise_id,
                data={"sources": [c.source.value for c in covered], "purpose": purpose.value,
                      "detail": detail},
                connection=conn,
            )  # fmt: skip


def _row(
    enterprise_id: int,
    cover: Cover,
    purpose: ConsentPurpose,
    who: str,
    outcome: str,
    detail: str | None,
    at: datetime,
) -> DataAccess:
    return DataAccess(
        enterprise_id=enterprise_id,
        consent_id=cover.consent.id if cover.consent is not None else None,
        source=cover.source,
        purpose=purpose,
        actor=who,
        outcome=outcome,
        basis=cover.basis,
        detail=detail,
        request_id=current_request_id(),
        at=at,
    )
