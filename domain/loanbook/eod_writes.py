"""The end-of-day batch's bulk reads and writes: one statement per kind of row for a chunk.

PostgreSQL gets `UPDATE ... FROM unnest(...)` (one round trip whatever the chunk's size);
SQLite, where the batch runs for development and tests, gets an `executemany`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import Installment, Loan, LoanMonthEnd, SubsidyProgramme
from domain.loanbook.accrual import SCHEDULE_FIELDS, ScheduleRow, Standing


def _postgres(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "postgres"


async def schedules(conn: BaseDBAsyncClient, loans: Sequence[Loan]) -> dict[int, list[ScheduleRow]]:
    """Each loan's installments of the schedule version in force, in order, in one query."""
    found: dict[int, list[ScheduleRow]] = {loan.id: [] for loan in loans}
    if not loans:
        return found
    if _postgres(conn):
        rows = await conn.execute_query_dict(
            "SELECT " + ", ".join(f"i.{name}" for name in SCHEDULE_FIELDS) + " FROM installment "
            "i JOIN loan l ON l.id = i.loan_id AND l.schedule_version = i.version "
            "WHERE i.loan_id = ANY($1::int[]) ORDER BY i.loan_id, i.number",
            [list(found)],
        )
    else:
        versions = {loan.id: loan.schedule_version for loan in loans}
        rows = [
            row
            for row in await Installment.filter(loan_id__in=list(found))
            .using_db(conn)
            .order_by("loan_id", "number")
            .values(*SCHEDULE_FIELDS)
            if row["version"] == versions[row["loan_id"]]
        ]
    for row in rows:
        found[row["loan_id"]].append(ScheduleRow(**row))
    return found


async def accrued_interest(conn: BaseDBAsyncClient, installments: Sequence[ScheduleRow]) -> None:
    """Store the installments' `accrued_interest` as they stand in memory."""
    if not installments:
        return
    if _postgres(conn):
        await conn.execute_query(
            "UPDATE installment AS i SET accrued_interest = v.accrued FROM "
            "unnest($1::int[], $2::numeric[]) AS v(id, accrued) WHERE i.id = v.id",
            [[i.id for i in installments], [i.accrued_interest for i in installments]],
        )
        return
    await conn.execute_many(
        "UPDATE installment SET accrued_interest = ? WHERE id = ?",
        [[str(i.accrued_interest), i.id] for i in installments],
    )


async def loans_closed(
    conn: BaseDBAsyncClient, loans: Sequence[Loan], standings: Mapping[int, Standing], day: date
) -> None:
    """Store each loan's days past due and classification, and `day` as closed."""
    if not loans:
        return
    rows = [(loan.id, standings[loan.id]) for loan in loans]
    if _postgres(conn):
        await conn.execute_query(
            "UPDATE loan AS l SET days_past_due = v.dpd, classification = v.tier, "
            "classification_reason = v.reason, closed_through = $5::date FROM "
            "unnest($1::int[], $2::int[], $3::text[], $4::text[]) AS v(id, dpd, tier, reason) "
            "WHERE l.id = v.id",
            [
                [i for i, _ in rows],
                [s.days_past_due for _, s in rows],
                [s.classification.value for _, s in rows],
                [s.reason for _, s in rows],
                day,
            ],
        )
        return
    await conn.execute_many(
        "UPDATE loan SET days_past_due = ?, classification = ?, classification_reason = ?, "
        "closed_through = ? WHERE id = ?",
        [[s.days_past_due, s.classification.value, s.reason, day.isoformat(), i] for i, s in rows],
    )


async def month_end(
    conn: BaseDBAsyncClient, loans: Sequence[Loan], standings: Mapping[int, Standing], day: date
) -> None:
    """The month-end snapshot of each loan as the day leaves it."""
    await LoanMonthEnd.bulk_create(
        [
            LoanMonthEnd(
                loan_id=loan.id,
                month=day,
                status=standings[loan.id].status.value,
                classification=standings[loan.id].classification.value,
                days_past_due=standings[loan.id].days_past_due,
                principal_outstanding=loan.principal_outstanding,
                outstanding=loan.outstanding,
            )
            for loan in loans
        ],
        using_db=conn,
    )


async def subsidy_rates(conn: BaseDBAsyncClient, loans: Sequence[Loan]) -> dict[int, Decimal]:
    """The annual subsidy rate each loan earns, by loan id (loans earning none left out): a
    loan found eligible for a programme when it was drawn, while the programme is active."""
    enrolled = {
        loan.id: loan.subsidy_programme_id
        for loan in loans
        if loan.subsidy_programme_id is not None
    }
    if not enrolled:
        return {}
    rates = dict(
        await SubsidyProgramme.filter(
            id__in=set(enrolled.values()), active=True, subsidy_rate__gt=0
        )
        .using_db(conn)
        .values_list("id", "subsidy_rate")
    )
    return {
        loan_id: Decimal(rates[programme_id])
        for loan_id, programme_id in enrolled.items()
        if programme_id in rates
    }
