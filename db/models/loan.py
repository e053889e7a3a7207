"""Loans, their schedules (in versions), repayments, state history and changes awaiting a checker.

A loan's balances on this row (principal, interest, penalty, fees, credit) are a cache of its
ledger (`db.models.ledger`), written in the same transaction as the postings: `ipcredit ledger
check` proves they agree.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.application import LoanApplication
from db.models.contract import Contract
from db.models.enterprise import Enterprise


def _money(**kw: Any) -> fields.DecimalField:
    return fields.DecimalField(max_digits=20, decimal_places=2, **kw)


class Loan(Model):
    """Money lent: principal, rate, balances by kind, days past due and classification."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="loans", on_delete=fields.RESTRICT
    )
    application_id: int
    application: fields.ForeignKeyRelation[LoanApplication] = fields.ForeignKeyField(
        "models.LoanApplication", related_name="loans", on_delete=fields.RESTRICT
    )
    # the credit line it was drawn on (every loan since lines exist) and its drawing number
    credit_line_id = fields.IntField(null=True, db_index=True)
    drawdown_number = fields.IntField(default=1)
    # 首贷: the enterprise's first loan with the bank; renewal_of: the loan this one renewed
    first_loan = fields.BooleanField(default=False)
    renewal_of_id = fields.IntField(null=True, db_index=True)
    renewed_without_principal = fields.BooleanField(default=False)
    # the interest subsidy programme the loan was found eligible for when drawn (None: none)
    subsidy_programme_id = fields.IntField(null=True, db_index=True)
    contract_id: int
    contract: fields.OneToOneRelation[Contract] = fields.OneToOneField(
        "models.Contract", related_name="loan", on_delete=fields.RESTRICT
    )
    principal = _money()
    # everything owed: principal + interest + penalty + fees outstanding
    outstanding = _money()
    principal_outstanding = _money(default=0)
    interest_outstanding = _money(default=0)
    penalty_outstanding = _money(default=0)
    fee_outstanding = _money(default=0)
    # money received beyond what was owed, held for the borrower (product choice)
    credit_balance = _money(default=0)
    annual_rate = fields.DecimalField(max_digits=8, decimal_places=6)
    # penalty rate = annual_rate * (1 + penalty_surcharge), copied from the product at disbursement
    penalty_surcharge = fields.DecimalField(max_digits=8, decimal_places=6, default=0.5)
    repayment_method = fields.CharField(max_length=32)
    status = fields.CharField(max_length=24, default="ACTIVE", db_index=True)
    days_past_due = fields.IntField(default=0)
    classification = fields.CharField(max_length=16, default="NORMAL", db_index=True)
    classification_reason = fields.CharField(max_length=300, default="")
    # a staff downgrade: the classification never goes better than this while it is set
    manual_classification = fields.CharField(max_length=16, null=True)
    manual_classification_reason = fields.TextField(null=True)
    restructured = fields.BooleanField(default=False)
    schedule_version = fields.IntField(default=1)
    # the last business date the end-of-day batch closed for this loan (None: none yet)
    closed_through = fields.DateField(null=True, db_index=True)
    written_off_at = fields.DatetimeField(null=True)
    # memo of what was written off and is still claimed from the borrower (off balance sheet)
    written_off_outstanding = _money(default=0)
    closed_at = fields.DatetimeField(null=True)
    disbursed_at = fields.DatetimeField()
    disbursed_by = fields.CharField(max_length=254)

    class Meta:
        table = "loan"


class Installment(Model):
    """One scheduled repayment of one version of a loan's schedule."""

    id = fields.IntField(primary_key=True)
    loan_id: int
    loan: fields.ForeignKeyRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="installments", on_delete=fields.CASCADE
    )
    # the schedule version this row belongs to; the loan's `schedule_version` is in force
    version = fields.IntField(default=1)
    number = fields.IntField()
    # the interest period runs from starts_on (inclusive) to due_on (exclusive)
    starts_on = fields.DateField(null=True)
    due_on = fields.DateField()
    principal = _money()
    interest = _money()
    # interest of this installment recognised so far by daily accrual (never above `interest`)
    accrued_interest = _money(default=0)
    paid_principal = _money(default=0)
    paid_interest = _money(default=0)
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "installment"
        unique_together = (("loan", "version", "number"),)


class Repayment(Model):
    """Money received against a loan, and how it was allocated."""

    id = fields.IntField(primary_key=True)
    loan_id: int
    loan: fields.ForeignKeyRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="repayments", on_delete=fields.CASCADE
    )
    # REPAYMENT, PREPAYMENT or RECOVERY (after a write-off)
    kind = fields.CharField(max_length=16, default="REPAYMENT")
    amount = _money()
    received_at = fields.DatetimeField()
    business_date = fields.DateField(null=True)
    recorded_by = fields.CharField(max_length=254)
    # {"fees": "0.00", "penalty": ..., "overdue_interest": ..., "overdue_principal": ...,
    #  "current_interest": ..., "current_principal": ..., "credit": ...}
    allocation: Any = fields.JSONField(default=dict)
    journal_entry_id = fields.IntField(null=True)
    reversed_at = fields.DatetimeField(null=True)
    reversed_by = fields.CharField(max_length=254, null=True)
    reversal_reason = fields.TextField(null=True)

    class Meta:
        table = "repayment"


class LoanStatusChange(Model):
    """One move of a loan from one status to another (history, beside the audit log)."""

    id = fields.IntField(primary_key=True)
    loan_id: int
    loan: fields.ForeignKeyRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="status_changes", on_delete=fields.CASCADE
    )
    from_status = fields.CharField(max_length=24)
    to_status = fields.CharField(max_length=24)
    event = fields.CharField(max_length=32)
    business_date = fields.DateField(null=True)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=254)
    reason = fields.TextField(default="")

    class Meta:
        table = "loan_status_change"


class LoanChange(Model):
    """A change to a loan one staff member asked for and another must approve (maker-checker):
    RESTRUCTURE, WRITE_OFF or REVERSAL."""

    id = fields.IntField(primary_key=True)
    loan_id: int
    loan: fields.ForeignKeyRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="changes", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)
    # PENDING, APPROVED, REJECTED
    status = fields.CharField(max_length=16, default="PENDING", db_index=True)
    payload: Any = fields.JSONField(default=dict)
    reason = fields.TextField()
    requested_by = fields.CharField(max_length=254)
    requested_by_id = fields.IntField()
    requested_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=254, null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_comment = fields.TextField(null=True)
    result: Any = fields.JSONField(null=True)

    class Meta:
        table = "loan_change"


class LoanMonthEnd(Model):
    """A loan as the end-of-day batch left it on the last day of a month: the history behind
    roll rates and vintage curves."""

    id = fields.IntField(primary_key=True)
    loan_id: int
    loan: fields.ForeignKeyRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="month_ends", on_delete=fields.CASCADE
    )
    month = fields.DateField(db_index=True)  # the month's last day
    status = fields.CharField(max_length=24)
    classification = fields.CharField(max_length=16)
    days_past_due = fields.IntField()
    principal_outstanding = _money()
    outstanding = _money()

    class Meta:
        table = "loan_month_end"
        unique_together = (("loan", "month"),)


class BusinessDay(Model):
    """One run of the end-of-day batch for a business date."""

    id = fields.IntField(primary_key=True)
    business_date = fields.DateField(unique=True)
    # RUNNING or DONE
    status = fields.CharField(max_length=16)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    loans = fields.IntField(default=0)
    summary: Any = fields.JSONField(default=dict)

    class Meta:
        table = "business_day"
