"""The general ledger: balanced journal entries of every money movement on a loan.

Each entry's lines debit and credit accounts of the chart (`domain.loanbook.accounts`); the
lines of one entry always sum to zero (debits equal credits). `key` makes a posting happen once
(e.g. one accrual per loan per business date) however often its job is retried.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from db.models.loan import Loan


class JournalEntry(Model):
    """One balanced posting."""

    id = fields.IntField(primary_key=True)
    loan_id: int | None
    loan: fields.ForeignKeyNullableRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="journal", null=True, on_delete=fields.RESTRICT
    )
    # DISBURSEMENT, ACCRUAL, PENALTY, REPAYMENT, PREPAYMENT, FEE, WRITE_OFF, RECOVERY,
    # REVERSAL, PROVISION, RESTRUCTURE
    kind = fields.CharField(max_length=16)
    business_date = fields.DateField(db_index=True)
    posted_at = fields.DatetimeField()
    actor = fields.CharField(max_length=254)
    memo = fields.CharField(max_length=300, default="")
    key = fields.CharField(max_length=120, unique=True, null=True)
    reverses_id = fields.IntField(null=True)

    class Meta:
        table = "journal_entry"


class JournalLine(Model):
    """One debit or credit of an entry (exactly one of the two is non-zero)."""

    id = fields.IntField(primary_key=True)
    entry_id: int
    entry: fields.ForeignKeyRelation[JournalEntry] = fields.ForeignKeyField(
        "models.JournalEntry", related_name="lines", on_delete=fields.RESTRICT
    )
    loan_id = fields.IntField(null=True)
    account = fields.CharField(max_length=32)
    debit = fields.DecimalField(max_digits=20, decimal_places=2, default=0)
    credit = fields.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        table = "journal_line"
        # per loan (balances, the journal) and per account (the allowance over the book)
        indexes = (Index(fields=["loan_id", "account"]), Index(fields=["account", "loan_id"]))
