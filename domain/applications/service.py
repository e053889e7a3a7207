"""Creating, submitting and withdrawing applications, and reading them for the API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from db import batch
from db.models import (
    ApplicationPatent,
    ApplicationStatus,
    ConsentPurpose,
    DataSource,
    Enterprise,
    Loan,
    LoanApplication,
    LoanProduct,
    OutboxMessage,
    Patent,
    Role,
    StatusChange,
)
from db.rows import Row
from domain.accounts.principal import Principal
from domain.context import current_request_id
from domain.errors import Duplicate, Forbidden, InvalidInput, NotFound
from domain.messaging import outbox
from domain.messaging.topics import Topic
from domain.money import parse_amount
from domain.products import get_product_or_raise
from domain.workflow import OPEN_STATES, Event, apply_transition, record_creation

MAX_PLEDGED_PATENTS = 20
# the outside data an assessment refreshes: every source the indicators and rules draw on
APPLICATION_SOURCES: tuple[DataSource, ...] = tuple(DataSource)
MAX_PURPOSE_LENGTH = 2000


async def create_application(
    *,
    principal: Principal,
    product_code: str,
    amount: Decimal | str,
    term_months: int,
    pledged_patent_numbers: Sequence[str],
    purpose: str | None = None,
    enterprise_id: int | None = None,
) -> LoanApplication:
    """A DRAFT application by an applicant for its own enterprise, patents checked; the
    account must be verified (UNVERIFIED otherwise, read fresh)."""
    from domain.accounts.standing import require_verified

    principal.require_role(Role.APPLICANT)
    principal = await require_verified(principal)
    if principal.enterprise_id is None:
        raise Forbidden("this account is not tied to an enterprise")
    if enterprise_id is None:
        enterprise_id = principal.enterprise_id
    principal.require_enterprise(enterprise_id)
    enterprise = await Enterprise.get_or_none(id=enterprise_id)
    if enterprise is None:
        raise NotFound("no such enterprise", field="enterpriseId")
    product = await get_product_or_raise(code=product_code)
    money = check_terms(product, amount=amount, term_months=term_months)
    if purpose is not None and len(purpose) > MAX_PURPOSE_LENGTH:
        raise InvalidInput(
            f"purpose is longer than {MAX_PURPOSE_LENGTH} characters", field="purpose"
        )
    patents = await check_pledge(
        product, enterprise_id=enterprise_id, numbers=pledged_patent_numbers
    )
    first = await is_first_loan(enterprise_id)
    async with in_transaction() as conn:
        application = await LoanApplication.create(
            enterprise_id=enterprise_id,
            product_id=product.id,
            created_by_id=principal.user_id,
            amount=money,
            term_months=term_months,
            purpose=purpose,
            status=ApplicationStatus.DRAFT,
            first_loan=first,
            using_db=conn,
        )
        if patents:
            await ApplicationPatent.bulk_create(
                [ApplicationPatent(application_id=application.id, patent_id=p.id) for p in patents],
                using_db=conn,
            )
        await record_creation(application, by=principal, conn=conn)
    return application


async def is_first_loan(enterprise_id: int) -> bool:
    """首贷: the enterprise has no loan and no disbursed application with this bank yet."""
    if await Loan.filter(enterprise_id=enterprise_id).exists():
        return False
    return not await LoanApplication.filter(
        enterprise_id=enterprise_id, status=ApplicationStatus.DISBURSED
    ).exists()


def check_terms(product: LoanProduct, *, amount: Decimal | str, term_months: int) -> Decimal:
    """The amount as money if amount and term fit the product, else INVALID_INPUT."""
    money = parse_amount(amount, field="amount")
    if not (product.min_amount <= money <= product.max_amount):
        raise InvalidInput(
            f"amount must be between {product.min_amount} and {product.max_amount}",
            field="amount",
        )
    if term_months not in product.terms_months:
        offered = ", ".join(str(t) for t in product.terms_months)
        raise InvalidInput(f"term must be one of {offered} months", field="termMonths")
    return money


async def check_pledge(
    product: LoanProduct,
    *,
    enterprise_id: int,
    numbers: Sequence[str],
    application_id: int | None = None,
    carried_patent_ids: frozenset[int] = frozenset(),
) -> list[Patent]:
    """The patents to pledge if each is the enterprise's own, granted and free, else an error.
    `carried_patent_ids`: patents whose standing pledge a renewal carries over (pledged to the
    bank already for the loan being renewed), free for the renewal application."""
    field = "pledgedPatentNumbers"
    wanted = [n.strip() for n in numbers]
    if len(set(wanted)) != len(wanted):
        raise InvalidInput("a patent is listed twice", field=field)
    if len(wanted) > MAX_PLEDGED_PATENTS:
        raise InvalidInput(f"at most {MAX_PLEDGED_PATENTS} patents may be pledged", field=field)
    if product.requires_pledge and not wanted:
        raise InvalidInput(f"{product.code} needs at least one pledged patent", field=field)
    if not wanted:
        return []
    patents = {p.number: p for p in await Patent.filter(number__in=wanted)}
    missing = [n for n in wanted if n not in patents]
    if missing:
        raise NotFound(f"unknown patent {missing[0]}", field=field)
    for number in wanted:
        patent = patents[number]
        if patent.owner_id != enterprise_id:  # type: ignore[attr-defined]
            raise Forbidden(f"patent {number} is not owned by this enterprise", field=field)
        if patent.status != "granted" or patent.granted_on is None:
            raise InvalidInput(f"patent {number} is not a granted, valid patent", field=field)
        if patent.pledged and patent.id not in carried_patent_ids:
            raise InvalidInput(f"patent {number} is already pledged", field=field)
    from db.models import PatentPledge

    standing = await PatentPledge.filter(
        active_patent_id__in=[p.id for p in patents.values() if p.id not in carried_patent_ids]
    ).values_list("patent_id", flat=True)
    if standing:
        number = next(p.number for p in patents.values() if p.id in set(standing))
        raise InvalidInput(f"patent {number} is already pledged", field=field)
    taken = (
        ApplicationPatent.filter(
            patent_id__in=[p.id for p in patents.values()],
            application__status__in=list(OPEN_STATES),
        )
        .exclude(application_id=application_id)
        .values_list("patent__number", flat=True)
    )
    busy = await taken
    if busy:
        raise Duplicate(f"patent {busy[0]} is pledged in another open application", field=field)
    return [patents[n] for n in wanted]


async def submit_application(*, principal: Principal, application_id: int) -> LoanApplication:
    """DRAFT -> SUBMITTED, re-checking the pledge, and queue the automated assessment.

    The enterprise must first hold a valid data authorisation for applications covering
    `APPLICATION_SOURCES` (NO_CONSENT otherwise, nothing changed): the assessment refreshes
    its data from them.
    """
    from domain.consent.access import require_consent

    application = await get_application_or_raise(principal=principal, application_id=application_id)
    principal.require_role(Role.APPLICANT)
    await require_consent(
        application.enterprise_id,  # type: ignore[attr-defined]
        APPLICATION_SOURCES,
        ConsentPurpose.APPLICATION,
    )
    product = await LoanProduct.get(id=application.product_id)  # type: ignore[attr-defined]
    numbers = await pledged_numbers(application_id=application.id)
    check_terms(product, amount=application.amount, term_months=application.term_months)
    await check_pledge(
        product,
        enterprise_id=application.enterprise_id,  # type: ignore[attr-defined]
        numbers=numbers,
        application_id=application.id,
        carried_patent_ids=await carried_pledges(application),
    )
    async with in_transaction() as conn:
        await apply_transition(
            application,
            Event.SUBMIT,
            by=principal,
            conn=conn,
            changes={"submitted_at": datetime.now(UTC)},
        )
        await OutboxMessage.create(
            topic=Topic.ASSESS_APPLICATION,
            key=str(application.id),
            payload={"application_id": application.id, "request_id": current_request_id()},
            using_db=conn,
        )
    outbox.notify()
    return application


async def carried_pledges(application: LoanApplication) -> frozenset[int]:
    """For a renewal, the patents with a standing pledge for the loan it renews."""
    if not application.renewal_of_id:
        return frozenset()
    from db.models import PatentPledge

    old = await Loan.get_or_none(id=application.renewal_of_id)
    if old is None:
        return frozenset()
    ids = await PatentPledge.filter(
        application_id=old.application_id,  # type: ignore[attr-defined]
        active_patent_id__isnull=False,
    ).values_list("patent_id", flat=True)
    return frozenset(int(str(i)) for i in ids)


async def withdraw_application(
    *, principal: Principal, application_id: int, comment: str | None = None
) -> LoanApplication:
    """The applicant withdraws its application (any time before the contract is signed)."""
    application = await get_application_or_raise(principal=principal, application_id=application_id)
    principal.require_role(Role.APPLICANT)
    async with in_transaction() as conn:
        await apply_transition(
            application, Event.WITHDRAW, by=principal, conn=conn, comment=comment
        )
    return application


async def get_application(*, application_id: int) -> LoanApplication | None:
    """The application with this id, if any (no permission check)."""
    return await LoanApplication.get_or_none(id=application_id)


async def get_application_or_raise(*, principal: Principal, application_id: int) -> LoanApplication:
    """The application if it exists and the caller may see it, else NOT_FOUND / FORBIDDEN."""
    application = await get_application(application_id=application_id)
    if application is None:
        raise NotFound("no such application", field="id")
    principal.require_enterprise(application.enterprise_id)  # type: ignore[attr-defined]
    return application


def visible_applications(
    *, principal: Principal, status: ApplicationStatus | str | None = None
) -> QuerySet[LoanApplication]:
    """The applications the caller may see (staff: all; applicant: its enterprise's), newest first."""
    query = LoanApplication.all()
    if not principal.is_staff:
        query = query.filter(enterprise_id=principal.enterprise_id or -1)
    if status is not None:
        query = query.filter(status=ApplicationStatus(status))
    return query.order_by("-id")


async def page_of_applications(
    *,
    principal: Principal,
    first: int,
    after_id: int | None,
    status: ApplicationStatus | str | None = None,
    count: bool = True,
    columns: Sequence[str] | None = None,
) -> batch.KeysetPage[LoanApplication]:
    """Up to first+1 visible applications older than `after_id`, newest first, and how many
    are visible in all when `count`; rows of `columns` only when given."""
    query = visible_applications(principal=principal, status=status)
    return await batch.keyset_page(
        query, first=first, after=after_id, descending=True, count=count, columns=columns
    )


async def applications_by_ids(*, ids: Iterable[int]) -> list[LoanApplication | None]:
    """Applications in the order of `ids` (None where missing), in one query."""
    return await batch.by_ids(LoanApplication, list(ids))


async def applications_by_enterprise_ids(
    *, enterprise_ids: Iterable[int]
) -> list[list[LoanApplication]]:
    """Each enterprise's applications, newest first, in the order of `enterprise_ids`."""
    return await batch.grouped(LoanApplication, "enterprise_id", list(enterprise_ids), order="-id")


async def application_rows_by_enterprise_ids(
    *, enterprise_ids: Iterable[int], columns: Sequence[str]
) -> list[list[Row]]:
    """`applications_by_enterprise_ids` as rows of `columns` only."""
    ids = list(enterprise_ids)
    return await batch.grouped_rows(LoanApplication, "enterprise_id", ids, columns, "-id")


async def history_by_application_ids(*, ids: Iterable[int]) -> list[list[StatusChange]]:
    """Each application's status changes, oldest first, in the order of `ids`; each row notes
    whether bank staff made it (`domain.applications.disclosure`)."""
    from domain.applications.disclosure import mark_staff_actors

    wanted = list(ids)
    grouped: dict[int, list[StatusChange]] = {i: [] for i in wanted}
    rows = await StatusChange.filter(application_id__in=set(wanted)).order_by("at", "id")
    await mark_staff_actors(rows)
    for row in rows:
        grouped[row.application_id].append(row)  # type: ignore[attr-defined]
    return [grouped[i] for i in wanted]


async def pledged_patents_by_application_ids(*, ids: Iterable[int]) -> list[list[Patent]]:
    """Each application's pledged patents, in the order of `ids`, in two queries."""
    wanted = list(ids)
    links = await ApplicationPatent.filter(application_id__in=set(wanted)).order_by("id")
    patents = {p.id: p for p in await Patent.filter(id__in={link.patent_id for link in links})}  # type: ignore[attr-defined]
    grouped: dict[int, list[Patent]] = {i: [] for i in wanted}
    for link in links:
        grouped[link.application_id].append(patents[link.patent_id])  # type: ignore[attr-defined]
    return [grouped[i] for i in wanted]


async def pledged_numbers(*, application_id: int) -> list[str]:
    """The numbers of the patents pledged in an application."""
    rows = (
        await ApplicationPatent.filter(application_id=application_id)
        .order_by("id")
        .values_list("patent__number", flat=True)
    )
    return [str(number) for number in rows]
