"""Loan-loss provisions per classification tier.

The allowance a loan needs is its tier's rate times its outstanding principal, rounded half-up
to the fen; the end-of-day batch posts the difference from what the ledger holds: a charge
(Dr PROVISION_EXPENSE, Cr LOAN_LOSS_ALLOWANCE) when more is needed, a release (the reverse)
when less is. Rates live in `provisions.json` beside this module (the regulator's defaults:
关注 2 %, 次级 25 %, 可疑 50 %, 损失 100 %); a bank changes the file, not the code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import JournalLine, Loan
from domain.loanbook.accounts import Account
from domain.loanbook.classification import Classification
from domain.loanbook.interest import ZERO, fen
from domain.loanbook.ledger import Line, cr, dr, post

RATES_FILE = Path(__file__).with_name("provisions.json")


@cache
def rates(path: Path = RATES_FILE) -> dict[Classification, Decimal]:
    """Each tier's provision rate, read once from the JSON file (every tier, 0 to 1)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    found: dict[Classification, Decimal] = {}
    for tier in Classification:
        try:
            rate = Decimal(str(raw[tier.value]))
        except (KeyError, InvalidOperation):
            raise ValueError(f"{path.name}: no valid rate for {tier.value}") from None
        if not Decimal(0) <= rate <= Decimal(1):
            raise ValueError(f"{path.name}: the rate for {tier.value} must be between 0 and 1")
        found[tier] = rate
    return found


def target_allowance(tier: Classification | str, principal_outstanding: Decimal) -> Decimal:
    """The allowance a loan of this tier and outstanding principal needs."""
    return fen(rates()[Classification(tier)] * max(principal_outstanding, ZERO))


def provision_lines(held: Decimal, needed: Decimal) -> list[Line]:
    """The posting that moves the allowance from `held` to `needed` (empty when equal)."""
    if needed > held:
        return [dr(Account.PROVISION_EXPENSE, needed - held),
                cr(Account.LOAN_LOSS_ALLOWANCE, needed - held)]  # fmt: skip
    if needed < held:
        return [dr(Account.LOAN_LOSS_ALLOWANCE, held - needed),
                cr(Account.PROVISION_EXPENSE, held - needed)]  # fmt: skip
    return []


async def allowances(
    loan_ids: Sequence[int], *, conn: BaseDBAsyncClient | None = None
) -> dict[int, Decimal]:
    """Each loan's allowance held in the ledger (credits minus debits), in one query."""
    held = dict.fromkeys(loan_ids, ZERO)
    if not loan_ids:
        return held
    if conn is not None and conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(
            "SELECT loan_id, sum(credit) - sum(debit) AS held FROM journal_line WHERE "
            "account = $1 AND loan_id = ANY($2::int[]) GROUP BY loan_id",
            [Account.LOAN_LOSS_ALLOWANCE.value, list(loan_ids)],
        )
        held.update({row["loan_id"]: Decimal(row["held"]) for row in rows})
        return held
    query = JournalLine.filter(loan_id__in=list(loan_ids), account=Account.LOAN_LOSS_ALLOWANCE)
    if conn is not None:
        query = query.using_db(conn)
    for loan_id, debit, credit in await query.values_list("loan_id", "debit", "credit"):
        held[loan_id] += Decimal(credit) - Decimal(debit)
    return held


async def adjust_allowance(
    loan: Loan,
    *,
    business_date: date,
    actor: str,
    conn: BaseDBAsyncClient,
    tier: Classification | str | None = None,
    key: str | None = None,
) -> Decimal:
    """Post what brings the loan's allowance to its tier's rate (after a reclassification, a
    closing or a repayment); the allowance now held. `tier` defaults to the loan's own."""
    held = (await allowances([loan.id], conn=conn))[loan.id]
    needed = target_allowance(tier or loan.classification, loan.principal_outstanding)
    lines = provision_lines(held, needed)
    if not lines:
        return held
    entry = await post(kind="PROVISION", lines=lines, business_date=business_date, actor=actor,
                       conn=conn, loan=loan, memo=f"allowance {held} -> {needed}", key=key)  # fmt: skip
    # a key posted before books nothing: the allowance is still what was held
    return needed if entry is not None else held


__all__ = [
    "RATES_FILE",
    "adjust_allowance",
    "allowances",
    "provision_lines",
    "rates",
    "target_allowance",
]
