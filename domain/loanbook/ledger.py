"""Posting balanced journal entries and reading balances back.

`post` writes one entry and its lines in the caller's transaction, refusing anything that does
not balance, and applies the entry's effect to the loan's cached balances in the same
transaction. With a `key`, a second post of the same key writes nothing and returns None, so a
retried job or a replayed request books money once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from db.models import JournalEntry, JournalLine, Loan, OutboxMessage
from domain.loanbook.accounts import LOAN_BALANCES, Account, is_debit_normal
from domain.messaging.topics import Topic

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Line:
    """One side of a posting: `amount` debited (or credited) to `account`."""

    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def dr(account: Account, amount: Decimal) -> Line:
    """A debit line."""
    return Line(account, debit=amount)


def cr(account: Account, amount: Decimal) -> Line:
    """A credit line."""
    return Line(account, credit=amount)


class Unbalanced(ValueError):
    """An entry whose debits and credits differ, or with a negative or fractional-fen line."""


def _check(lines: Sequence[Line]) -> list[Line]:
    kept = [line for line in lines if line.debit or line.credit]
    for line in kept:
        for value in (line.debit, line.credit):
            if not isinstance(value, Decimal) or value < 0 or value != value.quantize(ZERO):
                raise Unbalanced(f"{line.account}: {value!r} is not a non-negative fen amount")
        if line.debit and line.credit:
            raise Unbalanced(f"{line.account}: a line is a debit or a credit, not both")
    debits = sum((line.debit for line in kept), ZERO)
    credits = sum((line.credit for line in kept), ZERO)
    if debits != credits:
        raise Unbalanced(f"debits {debits} != credits {credits}")
    return kept


def balance_effect(lines: Iterable[Line]) -> dict[Account, Decimal]:
    """How the entry moves each account's balance (in its normal direction)."""
    moved: dict[Account, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sign = 1 if is_debit_normal(line.account) else -1
        moved[line.account] += sign * (line.debit - line.credit)
    return dict(moved)


async def post(
    *,
    kind: str,
    lines: Sequence[Line],
    business_date: date,
    actor: str,
    conn: BaseDBAsyncClient,
    loan: Loan | None = None,
    memo: str = "",
    key: str | None = None,
    reverses_id: int | None = None,
    notify: bool = True,
) -> JournalEntry | None:
    """Write a balanced entry (and update `loan`'s cached balances, in memory and in the
    database, by the entry's effect on its accounts). None when `key` was posted before.

    Call it inside the transaction that makes the business change, holding the loan's row
    lock: with `key`, a post already committed returns None; two transactions racing on one
    key without that lock would meet the key's unique constraint (an IntegrityError).
    `notify=False` leaves the loanEvents notice to the caller (a batch sends one for many)."""
    kept = _check(lines)
    if not kept:
        return None
    if key is not None and await JournalEntry.filter(key=key).using_db(conn).exists():
        return None
    entry = await JournalEntry.create(
        loan_id=loan.id if loan else None,
        kind=kind,
        business_date=business_date,
        posted_at=datetime.now(UTC),
        actor=actor,
        memo=memo[:300],
        key=key,
        reverses_id=reverses_id,
        using_db=conn,
    )
    await JournalLine.bulk_create(
        [
            JournalLine(
                entry_id=entry.id,
                loan_id=loan.id if loan else None,
                account=line.account.value,
                debit=line.debit,
                credit=line.credit,
            )
            for line in kept
        ],
        using_db=conn,
    )
    if loan is not None:
        await _apply_to_loan(loan, balance_effect(kept), conn)
        if notify:
            # the loanEvents subscription hears of it after commit
            await OutboxMessage.create(
                topic=Topic.LOAN_POSTING,
                key=str(loan.id),
                payload={"loan_id": loan.id, "entry_id": entry.id, "kind": kind},
                using_db=conn,
            )
    return entry


async def _apply_to_loan(
    loan: Loan, moved: dict[Account, Decimal], conn: BaseDBAsyncClient
) -> None:
    changes = {LOAN_BALANCES[a]: d for a, d in moved.items() if a in LOAN_BALANCES and d}
    if not changes:
        return
    owed = sum(
        (d for f, d in changes.items() if f not in ("credit_balance", "written_off_outstanding")),
        ZERO,
    )
    for field, delta in changes.items():
        setattr(loan, field, getattr(loan, field) + delta)
    loan.outstanding = (
        loan.principal_outstanding
        + loan.interest_outstanding
        + loan.penalty_outstanding
        + loan.fee_outstanding
    )
    # relative updates: two postings on one loan in concurrent transactions never lose one
    update = {field: F(field) + delta for field, delta in changes.items()}
    if owed:
        update["outstanding"] = F("outstanding") + owed
    await Loan.filter(id=loan.id).using_db(conn).update(**update)


async def loan_balances(
    loan_ids: Sequence[int], *, conn: BaseDBAsyncClient | None = None
) -> dict[int, dict[Account, Decimal]]:
    """Each loan's ledger balance per account, from the journal lines (one query)."""
    found: dict[int, dict[Account, Decimal]] = {i: {} for i in loan_ids}
    if not loan_ids:
        return found
    query = JournalLine.filter(loan_id__in=list(loan_ids))
    if conn is not None:
        query = query.using_db(conn)
    rows = await query.values_list("loan_id", "account", "debit", "credit")
    for loan_id, account, debit, credit in rows:
        acct = Account(account)
        sign = 1 if is_debit_normal(acct) else -1
        found[loan_id][acct] = found[loan_id].get(acct, ZERO) + sign * (debit - credit)
    return found


__all__ = [
    "Line",
    "Unbalanced",
    "ZERO",
    "balance_effect",
    "cr",
    "dr",
    "loan_balances",
    "post",
]


@dataclass(frozen=True)
class Posting:
    """One keyed entry of a batch (see `post_batch`)."""

    kind: str
    lines: Sequence[Line]
    loan: Loan | None
    key: str
    memo: str = ""


async def post_batch(
    postings: Sequence[Posting], *, business_date: date, actor: str, conn: BaseDBAsyncClient
) -> list[Posting]:
    """Write many keyed entries at once, as `post` would one by one; the postings written
    (a key posted before is skipped). Every entry is checked to balance first.

    On PostgreSQL: three statements whatever the number of entries (entries, lines, the loans'
    cached balances by relative update). The caller holds the loans' row locks."""
    checked = [(p, kept) for p in postings if (kept := _check(p.lines))]
    if not checked:
        return []
    if conn.capabilities.dialect != "postgres":
        written = []
        for p, kept in checked:
            entry = await post(kind=p.kind, lines=kept, business_date=business_date, actor=actor,
                               conn=conn, loan=p.loan, memo=p.memo, key=p.key, notify=False)  # fmt: skip
            if entry is not None:
                written.append(p)
    else:
        ids = await _insert_entries(checked, business_date, actor, conn)
        pairs = [(p, kept) for p, kept in checked if p.key in ids]
        rows = [(ids[p.key], p.loan.id if p.loan else None, line.account.value, line.debit,
                 line.credit) for p, kept in pairs for line in kept]  # fmt: skip
        await conn.execute_query(
            "INSERT INTO journal_line (entry_id, loan_id, account, debit, credit) SELECT * FROM "
            "unnest($1::int[], $2::int[], $3::text[], $4::numeric[], $5::numeric[])",
            [list(column) for column in zip(*rows, strict=True)],
        )
        await _apply_batch_to_loans(pairs, conn)
        written = [p for p, _ in pairs]
    await _notify_batch(written, business_date, conn)
    return written


async def _notify_batch(
    written: list[Posting], business_date: date, conn: BaseDBAsyncClient
) -> None:
    """One loanEvents notice for every loan a batch posted to (not one per entry: the daily
    batch posts to every loan of the book)."""
    loan_ids = sorted({p.loan.id for p in written if p.loan is not None})
    if loan_ids:
        await OutboxMessage.create(
            topic=Topic.LOAN_POSTING,
            key=f"batch:{business_date.isoformat()}",
            payload={"loan_ids": loan_ids, "business_date": business_date.isoformat()},
            using_db=conn,
        )


async def _insert_entries(
    checked: list[tuple[Posting, list[Line]]],
    business_date: date,
    actor: str,
    conn: BaseDBAsyncClient,
) -> dict[str, int]:
    """Insert the entries whose key is new; their ids by key."""
    found = await conn.execute_query_dict(
        "INSERT INTO journal_entry (loan_id, kind, business_date, posted_at, actor, memo, key) "
        "SELECT t.loan_id, t.kind, $5::date, $6::timestamptz, $7::text, t.memo, t.key FROM "
        "unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS t(loan_id, kind, memo, key) "
        "ON CONFLICT (key) DO NOTHING RETURNING id, key",
        [
            [p.loan.id if p.loan else None for p, _ in checked],
            [p.kind for p, _ in checked],
            [p.memo[:300] for p, _ in checked],
            [p.key for p, _ in checked],
            business_date,
            datetime.now(UTC),
            actor,
        ],
    )
    return {row["key"]: row["id"] for row in found}


_CACHED = ("principal_outstanding", "interest_outstanding", "penalty_outstanding",
           "fee_outstanding", "credit_balance", "written_off_outstanding", "outstanding")  # fmt: skip


async def _apply_batch_to_loans(
    written: list[tuple[Posting, list[Line]]], conn: BaseDBAsyncClient
) -> None:
    """Each loan's cached balances moved in memory, then in one relative update."""
    deltas: dict[int, dict[str, Decimal]] = {}
    for p, kept in written:
        if p.loan is None:
            continue
        loan = p.loan
        before = {name: getattr(loan, name) for name in _CACHED}
        for account, delta in balance_effect(kept).items():
            if account in LOAN_BALANCES and delta:
                field = LOAN_BALANCES[account]
                setattr(loan, field, getattr(loan, field) + delta)
        loan.outstanding = (loan.principal_outstanding + loan.interest_outstanding
                            + loan.penalty_outstanding + loan.fee_outstanding)  # fmt: skip
        moved = deltas.setdefault(loan.id, dict.fromkeys(_CACHED, ZERO))
        for name in _CACHED:
            moved[name] += getattr(loan, name) - before[name]
    if not deltas:
        return
    sets = ", ".join(f"{name} = l.{name} + v.{name}" for name in _CACHED)
    casts = ", ".join(f"${n}::numeric[]" for n in range(2, len(_CACHED) + 2))
    await conn.execute_query(
        f"UPDATE loan AS l SET {sets} FROM unnest($1::int[], {casts}) "  # noqa: S608
        f"AS v(id, {', '.join(_CACHED)}) WHERE l.id = v.id",
        [list(deltas), *[[d[name] for d in deltas.values()] for name in _CACHED]],
    )


__all__ += ["Posting", "post_batch"]
