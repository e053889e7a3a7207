"""Pledge registration with the patent office: no money goes out on an application until every
patent it pledges has a standing registration.

A registration (`PatentPledge`) stands from `register_pledge` until `release_pledge`; while it
stands its `active_patent_id` holds the patent's id, and the database's unique index on that
column makes a second standing pledge on the same patent impossible, races included. The
registration, not the loan's status, is what `Patent.pledged` shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db.models import (
    ApplicationPatent,
    ApplicationStatus,
    CreditLine,
    Loan,
    LoanApplication,
    Patent,
    PatentPledge,
    Role,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Duplicate, ErrorCode, InvalidInput, InvalidState, NotFound
from domain.loanbook.status import FINAL, LoanStatus

# bank staff who move money register and release pledges
PLEDGE_ROLES = (Role.LOAN_OFFICER, Role.RISK_MANAGER)
# an application whose pledges may be registered: the offer is approved (the bank registers
# before or after signing) up to disbursed (a revolving line drawn again after a release)
REGISTRABLE = frozenset(
    {
        ApplicationStatus.APPROVED,
        ApplicationStatus.OFFER_ACCEPTED,
        ApplicationStatus.CONTRACT_SIGNED,
        ApplicationStatus.DISBURSED,
    }
)
# a loan in these statuses no longer relies on its pledge; a written-off loan still does
# (recovery may enforce the pledge)
RELEASED_BY = FINAL
MAX_REGISTRATION_NUMBER = 64


async def covering_application_ids(
    application: LoanApplication, *, conn: BaseDBAsyncClient
) -> list[int]:
    """The applications whose standing pledges count for `application`: itself and, for a
    renewal, the application of the loan it renews (the registration carries over)."""
    ids = [application.id]
    if application.renewal_of_id:
        old = await Loan.filter(id=application.renewal_of_id).using_db(conn).first()
        if old is not None:
            ids.append(old.application_id)  # type: ignore[attr-defined]
    return ids


async def unregistered_patents(application_id: int, *, conn: BaseDBAsyncClient) -> list[str]:
    """The numbers of the application's pledged patents without a standing registration."""
    pledged = await ApplicationPatent.filter(application_id=application_id).using_db(conn)
    patent_ids = {link.patent_id for link in pledged}  # type: ignore[attr-defined]
    if not patent_ids:
        return []
    application = await LoanApplication.get(id=application_id, using_db=conn)
    covering = await covering_application_ids(application, conn=conn)
    registered = await PatentPledge.filter(
        application_id__in=covering, active_patent_id__in=patent_ids
    ).using_db(conn)
    missing = patent_ids - {p.active_patent_id for p in registered}
    if not missing:
        return []
    numbers = await Patent.filter(id__in=missing).using_db(conn).values_list("number", flat=True)
    return sorted(str(n) for n in numbers)


async def require_registered_pledges(application_id: int, *, conn: BaseDBAsyncClient) -> None:
    """Refuse (PLEDGE_NOT_REGISTERED) while a pledged patent's pledge is not registered."""
    missing = await unregistered_patents(application_id, conn=conn)
    if missing:
        raise InvalidState(
            "every pledged patent's pledge must be registered with the patent office before "
            f"money goes out; not yet registered: {', '.join(missing)}",
            code=ErrorCode.PLEDGE_NOT_REGISTERED,
        )


def _clean_number(registration_number: str) -> str:
    number = (registration_number or "").strip()
    if not number:
        raise InvalidInput("the registration number is required", field="registrationNumber")
    if len(number) > MAX_REGISTRATION_NUMBER:
        raise InvalidInput(
            f"the registration number is longer than {MAX_REGISTRATION_NUMBER} characters",
            field="registrationNumber",
        )
    return number


async def _patent_or_raise(patent_number: str, conn: BaseDBAsyncClient) -> Patent:
    patent = await Patent.filter(number=(patent_number or "").strip()).using_db(conn).first()
    if patent is None:
        raise NotFound("no such patent", field="patentNumber")
    return patent


async def _pledging_application(patent: Patent, conn: BaseDBAsyncClient) -> LoanApplication:
    """The owner's newest application that pledges the patent and may be registered."""
    links = await ApplicationPatent.filter(patent_id=patent.id).using_db(conn)
    ids = [link.application_id for link in links]  # type: ignore[attr-defined]
    candidates = (
        await LoanApplication.filter(id__in=ids, enterprise_id=patent.owner_id)  # type: ignore[attr-defined]
        .using_db(conn)
        .order_by("-id")
        if ids and patent.owner_id is not None  # type: ignore[attr-defined]
        else []
    )
    for application in candidates:
        if application.status in REGISTRABLE:
            return application
    raise InvalidState(
        "the patent is not pledged in an approved application of its owner",
        field="patentNumber",
    )


async def register_pledge(
    *,
    principal: Principal,
    patent_number: str,
    registration_number: str,
    registered_on: date,
) -> PatentPledge:
    """Record the patent office's registration of a patent's pledge to the bank (staff).

    ALREADY_PLEDGED when the patent has a standing pledge, DUPLICATE when the registration
    number is on record, INVALID_INPUT for a date in the future, INVALID_STATE when no approved
    (or later) application of the patent's owner pledges it. Nothing written on refusal."""
    principal.require_role(*PLEDGE_ROLES)
    number = _clean_number(registration_number)
    now = datetime.now(UTC)
    if registered_on > now.date():
        raise InvalidInput("the registration date is in the future", field="registeredOn")
    actor = f"user:{principal.email}"
    try:
        async with in_transaction() as conn:
            patent = await _patent_or_raise(patent_number, conn)
            await _refuse_taken(patent, number, conn)
            application = await _pledging_application(patent, conn)
            pledge = await PatentPledge.create(
                patent_id=patent.id,
                active_patent_id=patent.id,
                application_id=application.id,
                registration_number=number,
                registered_on=registered_on,
                registered_by=actor,
                registered_at=now,
                using_db=conn,
            )
            await Patent.filter(id=patent.id).using_db(conn).update(pledged=True)
            await audit.record(
                actor=actor,
                action="pledge.register",
                entity_type="patent",
                entity_id=patent.id,
                data={
                    "pledge_id": pledge.id,
                    "patent_number": patent.number,
                    "application_id": application.id,
                    "registration_number": number,
                    "registered_on": registered_on.isoformat(),
                },
                connection=conn,
            )
    except IntegrityError:
        # a concurrent registration won the unique index: say which one
        async with in_transaction() as conn:
            patent = await _patent_or_raise(patent_number, conn)
            await _refuse_taken(patent, number, conn)
        raise Duplicate(
            "the pledge was registered concurrently", field="registrationNumber"
        ) from None
    return pledge


async def _refuse_taken(patent: Patent, number: str, conn: BaseDBAsyncClient) -> None:
    if await PatentPledge.filter(active_patent_id=patent.id).using_db(conn).exists():
        raise InvalidState(
            f"patent {patent.number} already has a standing pledge",
            code=ErrorCode.ALREADY_PLEDGED,
            field="patentNumber",
        )
    if await PatentPledge.filter(registration_number=number).using_db(conn).exists():
        raise Duplicate("this registration number is already on record", field="registrationNumber")


async def relying_loans(application_id: int, *, conn: BaseDBAsyncClient) -> list[Loan]:
    """Loans that still rely on the application's pledges: every loan drawn on its credit line
    (or of the application), and every renewal of one of them, that is not closed or settled by
    a guarantor."""
    line_ids = (
        await CreditLine.filter(application_id=application_id)
        .using_db(conn)
        .values_list("id", flat=True)
    )
    loans = await Loan.filter(application_id=application_id).using_db(conn)
    if line_ids:
        loans += await Loan.filter(credit_line_id__in=list(line_ids)).using_db(conn)
    seen: dict[int, Loan] = {loan.id: loan for loan in loans}
    # a renewal of any of them relies on the same patents (its registration may be this one)
    frontier = set(seen)
    while frontier:
        renewals = (
            await LoanApplication.filter(renewal_of_id__in=frontier)
            .using_db(conn)
            .values_list("id", flat=True)
        )
        found = await Loan.filter(application_id__in=list(renewals)).using_db(conn)
        frontier = {loan.id for loan in found} - set(seen)
        seen.update({loan.id: loan for loan in found})
    return [loan for loan in seen.values() if LoanStatus(loan.status) not in RELEASED_BY]


async def release_pledge(*, principal: Principal, patent_number: str) -> PatentPledge:
    """Release a patent's standing pledge (staff) once no live or written-off loan of the
    application's credit line relies on it; the patent is free again."""
    principal.require_role(*PLEDGE_ROLES)
    actor = f"user:{principal.email}"
    async with in_transaction() as conn:
        patent = await _patent_or_raise(patent_number, conn)
        pledge = (
            await PatentPledge.filter(active_patent_id=patent.id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if pledge is None:
            raise InvalidState(
                f"patent {patent.number} has no standing pledge", field="patentNumber"
            )
        relying = await relying_loans(pledge.application_id, conn=conn)  # type: ignore[attr-defined]
        if relying:
            raise InvalidState(
                "loans still rely on this pledge: "
                + ", ".join(f"{loan.id} ({loan.status})" for loan in relying),
                field="patentNumber",
            )
        now = datetime.now(UTC)
        changed = (
            await PatentPledge.filter(id=pledge.id, active_patent_id=patent.id)
            .using_db(conn)
            .update(active_patent_id=None, released_at=now, released_by=actor)
        )
        if changed != 1:
            raise InvalidState("the pledge was released concurrently", field="patentNumber")
        await Patent.filter(id=patent.id).using_db(conn).update(pledged=False)
        await audit.record(
            actor=actor,
            action="pledge.release",
            entity_type="patent",
            entity_id=patent.id,
            data={
                "pledge_id": pledge.id,
                "patent_number": patent.number,
                "application_id": pledge.application_id,  # type: ignore[attr-defined]
                "registration_number": pledge.registration_number,
            },
            connection=conn,
        )
        pledge.active_patent_id = None
        pledge.released_at = now
        pledge.released_by = actor
    return pledge


async def carry_pledges_over(
    old_application_id: int, new_application_id: int, *, actor: str, conn: BaseDBAsyncClient
) -> list[int]:
    """A renewal without principal repayment keeps the old loan's registrations: the standing
    pledges on patents the new application pledges now secure the new application (in the
    caller's transaction). The keys of the pledges moved."""
    new_patents = (
        await ApplicationPatent.filter(application_id=new_application_id)
        .using_db(conn)
        .values_list("patent_id", flat=True)
    )
    if not new_patents:
        return []
    pledges = await PatentPledge.filter(
        application_id=old_application_id, active_patent_id__in=list(new_patents)
    ).using_db(conn)
    moved = [p.id for p in pledges]
    if moved:
        await (
            PatentPledge.filter(id__in=moved)
            .using_db(conn)
            .update(application_id=new_application_id)
        )
        await audit.record(
            actor=actor,
            action="pledge.carry_over",
            entity_type="loan_application",
            entity_id=new_application_id,
            data={"from_application_id": old_application_id, "pledge_ids": moved},
            connection=conn,
        )
    return moved


# reads for the API


async def standing_pledges_by_patent_ids(*, ids: Iterable[int]) -> list[PatentPledge | None]:
    """Each patent's standing pledge (or None), in the order of `ids`, in one query."""
    wanted = list(ids)
    found = {
        p.active_patent_id: p for p in await PatentPledge.filter(active_patent_id__in=set(wanted))
    }
    return [found.get(i) for i in wanted]


async def pledges_by_application_ids(*, ids: Iterable[int]) -> list[list[PatentPledge]]:
    """Each application's pledge registrations (standing and released), oldest first."""
    wanted = list(ids)
    grouped: dict[int, list[PatentPledge]] = {i: [] for i in wanted}
    for pledge in await PatentPledge.filter(application_id__in=set(wanted)).order_by("id"):
        grouped[pledge.application_id].append(pledge)  # type: ignore[attr-defined]
    return [grouped[i] for i in wanted]


async def pledges_by_line_ids(*, ids: Iterable[int]) -> list[list[PatentPledge]]:
    """Each credit line's pledge registrations (those of the application that granted it),
    oldest first, in two queries."""
    wanted = list(ids)
    lines = await CreditLine.filter(id__in=set(wanted)).values_list("id", "application_id")
    app_of = {int(line_id): int(app_id) for line_id, app_id in lines}
    by_app = dict(
        zip(
            list(set(app_of.values())),
            await pledges_by_application_ids(ids=list(set(app_of.values()))),
            strict=True,
        )
    )
    return [by_app.get(app_of[i], []) if i in app_of else [] for i in wanted]


__all__ = [
    "PLEDGE_ROLES",
    "REGISTRABLE",
    "carry_pledges_over",
    "covering_application_ids",
    "pledges_by_application_ids",
    "pledges_by_line_ids",
    "register_pledge",
    "release_pledge",
    "relying_loans",
    "require_registered_pledges",
    "standing_pledges_by_patent_ids",
    "unregistered_patents",
]
