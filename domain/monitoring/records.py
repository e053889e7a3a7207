"""What an event means for the stored records: facts looked up for the rules, changes applied.

Both run inside the transaction that marks the event processed, so an event changes the
records exactly once.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import (
    ApplicationPatent,
    Enterprise,
    Event,
    Litigation,
    LitigationParty,
    Loan,
    Patent,
    TaxRecord,
)
from domain.world.validate import CAUSES, TAX_RATINGS

ACTIVE = "ACTIVE"
PATENT_EVENTS = {"patent_lapsed": "lapsed", "patent_invalidated": "invalidated"}
CASE_EVENTS = {"litigation_filed", "judgment_lost"}


async def active_loans(enterprise_id: int, conn: BaseDBAsyncClient) -> list[Loan]:
    """An enterprise's active loans, newest first."""
    return list(
        await Loan.filter(enterprise_id=enterprise_id, status=ACTIVE).using_db(conn).order_by("-id")
    )


async def pledged_patent_ids(loans: list[Loan], conn: BaseDBAsyncClient) -> set[int]:
    """Patents pledged to the bank for these loans."""
    if not loans:
        return set()
    ids = await (
        ApplicationPatent.filter(application_id__in=[loan.application_id for loan in loans])  # type: ignore[attr-defined]
        .using_db(conn)
        .values_list("patent_id", flat=True)
    )
    return {int(str(i)) for i in ids}


async def is_customer(enterprise: Enterprise, conn: BaseDBAsyncClient) -> bool:
    """Registered on the platform or holding a loan: the enterprises the monitor warns about."""
    if enterprise.registered:
        return True
    return await Loan.filter(enterprise_id=enterprise.id).using_db(conn).exists()


async def gather_context(
    event: Event, enterprise: Enterprise, loans: list[Loan], conn: BaseDBAsyncClient
) -> dict[str, Any]:
    """Facts the rules read as `context.*`, looked up before the event is applied."""
    payload: dict[str, Any] = dict(event.payload or {})
    facts: dict[str, Any] = {}
    if event.type in CASE_EVENTS:
        facts.update(await _case_facts(payload, enterprise, conn))
    elif event.type in (*PATENT_EVENTS, "patent_transferred"):
        facts.update(await _patent_facts(event, payload, loans, conn))
    elif event.type == "tax_rating_downgraded":
        latest = (
            await TaxRecord.filter(enterprise_id=enterprise.id)
            .using_db(conn)
            .order_by("-year")
            .first()
        )
        facts["previous_rating"] = payload.get("from") or (latest.rating if latest else None)
    if loans:
        facts["active_loans"] = len(loans)
        facts["outstanding"] = str(sum((Decimal(loan.outstanding) for loan in loans), Decimal(0)))
    return facts


async def _case_facts(
    payload: dict[str, Any], enterprise: Enterprise, conn: BaseDBAsyncClient
) -> dict[str, Any]:
    case_no = payload.get("case_no")
    facts: dict[str, Any] = {"case_no": case_no, "amount": _money(payload.get("amount"))}
    role = payload.get("role")
    if role is None:
        for party in payload.get("parties") or []:
            if isinstance(party, dict) and party.get("uscc") == enterprise.uscc:
                role = party.get("role")
                break
    case = (
        await Litigation.filter(case_no=case_no).using_db(conn).first()
        if isinstance(case_no, str)
        else None
    )
    if case is not None:
        if facts["amount"] is None and case.amount is not None:
            facts["amount"] = str(case.amount)
        if role is None:
            party = (
                await LitigationParty.filter(litigation_id=case.id, enterprise_id=enterprise.id)
                .using_db(conn)
                .first()
            )
            role = party.role if party else None
    facts["role"] = role
    return facts


async def _patent_facts(
    event: Event, payload: dict[str, Any], loans: list[Loan], conn: BaseDBAsyncClient
) -> dict[str, Any]:
    number = payload.get("number")
    patent = (
        await Patent.filter(number=number).using_db(conn).first()
        if isinstance(number, str)
        else None
    )
    ours = await pledged_patent_ids(loans, conn)
    role = payload.get("role")
    if role is None and event.type == "patent_transferred":
        role = "assignor" if payload.get("from") == event.uscc else "assignee"
    return {
        "number": number,
        "known_patent": patent is not None,
        "pledged": patent is not None and patent.id in ours,
        "pledged_elsewhere": bool(patent and patent.pledged and patent.id not in ours),
        "role": role,
    }


async def apply_event(event: Event, enterprise: Enterprise, conn: BaseDBAsyncClient) -> list[str]:
    """Bring the records up to date with the event; returns what changed, for the evidence."""
    payload: dict[str, Any] = dict(event.payload or {})
    kind = event.type
    if kind == "deregistered" and enterprise.status != "cancelled":
        await Enterprise.filter(id=enterprise.id).using_db(conn).update(status="cancelled")
        return [f"enterprise status {enterprise.status} -> cancelled"]
    if kind in PATENT_EVENTS:
        return await _patent_status(payload, PATENT_EVENTS[kind], conn)
    if kind == "patent_transferred":
        return await _transfer(event, payload, conn)
    if kind == "tax_rating_downgraded":
        return await _tax(enterprise, payload, conn, rating=payload.get("rating"))
    if kind == "tax_arrears":
        return await _tax(enterprise, payload, conn, arrears=_money(payload.get("amount")))
    if kind == "litigation_filed":
        return await _new_case(event, enterprise, payload, conn)
    if kind == "judgment_lost":
        return await _judged(event, enterprise, payload, conn)
    return []


async def _patent_status(
    payload: dict[str, Any], status: str, conn: BaseDBAsyncClient
) -> list[str]:
    number = payload.get("number")
    if not isinstance(number, str):
        return []
    changed = (
        await Patent.filter(number=number)
        .exclude(status=status)
        .using_db(conn)
        .update(status=status)
    )
    return [f"patent {number} status -> {status}"] if changed else []


async def _transfer(event: Event, payload: dict[str, Any], conn: BaseDBAsyncClient) -> list[str]:
    number, to = payload.get("number"), payload.get("to")
    if not isinstance(number, str) or not isinstance(to, str):
        return []
    patent = await Patent.filter(number=number).using_db(conn).first()
    buyer = await Enterprise.filter(uscc=to).using_db(conn).first()
    if patent is None or buyer is None or patent.owner_id == buyer.id:  # type: ignore[attr-defined]
        # a transfer is reported to both sides: the second report finds it applied
        return []
    await (
        Patent.filter(id=patent.id)
        .using_db(conn)
        .update(owner_id=buyer.id, transfers=patent.transfers + 1)
    )
    return [f"patent {number} owner -> {to}"]


async def _tax(
    enterprise: Enterprise,
    payload: dict[str, Any],
    conn: BaseDBAsyncClient,
    *,
    rating: Any = None,
    arrears: str | None = None,
) -> list[str]:
    year = payload.get("year")
    query = TaxRecord.filter(enterprise_id=enterprise.id).using_db(conn)
    record = await (
        query.filter(year=year).first()
        if isinstance(year, int)
        else query.order_by("-year").first()
    )
    updates: dict[str, Any] = {}
    if rating in TAX_RATINGS:
        updates["rating"] = rating
    if arrears is not None:
        updates["arrears"] = Decimal(arrears)
    if not updates:
        return []
    if record is None:
        if not isinstance(year, int) or "rating" not in updates:
            return []
        await TaxRecord.create(enterprise_id=enterprise.id, year=year, using_db=conn, **updates)
        return [f"tax record {year} created"]
    await TaxRecord.filter(id=record.id).using_db(conn).update(**updates)
    return [f"tax record {record.year}: " + ", ".join(f"{k} -> {v}" for k, v in updates.items())]


async def _new_case(
    event: Event, enterprise: Enterprise, payload: dict[str, Any], conn: BaseDBAsyncClient
) -> list[str]:
    case_no = payload.get("case_no")
    if not isinstance(case_no, str) or not case_no.strip():
        return []
    if await Litigation.filter(case_no=case_no).using_db(conn).exists():
        return []
    amount = _money(payload.get("amount"))
    cause = payload.get("cause") if payload.get("cause") in CAUSES else "other"
    case = await Litigation.create(
        case_no=case_no[:64],
        court=str(payload["court"])[:100] if payload.get("court") else None,
        filed_on=event.occurred_at.astimezone(UTC).date(),
        cause=cause,
        amount=Decimal(amount) if amount is not None else None,
        status="pending",
        using_db=conn,
    )
    role = payload.get("role")
    if role in ("plaintiff", "defendant", "third_party"):
        await LitigationParty.create(
            litigation_id=case.id, enterprise_id=enterprise.id, role=role, using_db=conn
        )
    return [f"litigation {case_no} recorded"]


async def _judged(
    event: Event, enterprise: Enterprise, payload: dict[str, Any], conn: BaseDBAsyncClient
) -> list[str]:
    case_no = payload.get("case_no")
    if not isinstance(case_no, str):
        return []
    case = await Litigation.filter(case_no=case_no).using_db(conn).first()
    if case is None or case.status == "judged":
        return []
    party = (
        await LitigationParty.filter(litigation_id=case.id, enterprise_id=enterprise.id)
        .using_db(conn)
        .first()
    )
    # the outcome is stated from the first plaintiff's side
    outcome = "lost" if party is not None and party.role == "plaintiff" else "won"
    await (
        Litigation.filter(id=case.id)
        .using_db(conn)
        .update(
            status="judged", outcome=outcome, closed_on=event.occurred_at.astimezone(UTC).date()
        )
    )
    return [f"litigation {case_no} judged"]


def _money(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return str(amount) if amount.is_finite() else None
