"""Credit lines and their drawings, guarantee and subsidy programmes, and pledge registrations.

An approved application grants a credit line (授信) once its line contract is signed; each
drawing (用信) is a loan with its own contract addendum. Guarantee programmes (见贷即保) belong
to a guarantor institution whose staff sign guarantees and pay claims; subsidy programmes
(贴息) are owed interest per loan per day and claimed per quarter. A pledged patent is
registered with the patent office before any money goes out, once at a time.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.application import LoanApplication
from db.models.contract import Contract
from db.models.enterprise import Enterprise
from db.models.loan import Loan
from db.models.patent import Patent
from db.models.product import LoanProduct


def _money(**kw: Any) -> fields.DecimalField:
    return fields.DecimalField(max_digits=20, decimal_places=2, **kw)


def _rate(**kw: Any) -> fields.DecimalField:
    return fields.DecimalField(max_digits=8, decimal_places=6, **kw)


class GuarantorInstitution(Model):
    """A guarantee company (a party of its own; its staff have the GUARANTOR role)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "guarantor_institution"


class GuaranteeProgramme(Model):
    """A guarantee-on-approval programme: who is eligible, the fee, the risk shares, the claim
    trigger and deadline (all data)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    institution_id: int
    institution: fields.ForeignKeyRelation[GuarantorInstitution] = fields.ForeignKeyField(
        "models.GuarantorInstitution", related_name="programmes", on_delete=fields.RESTRICT
    )
    # {"high_tech_or_srdi": true, "max_amount": "5000000.00", ...}
    eligibility: Any = fields.JSONField(default=dict)
    fee_rate = _rate()  # per year on the guaranteed amount
    fee_payer = fields.CharField(max_length=16, default="BORROWER")  # BORROWER, BANK, GOVERNMENT
    # {"GUARANTOR": "0.4", "REGUARANTEE": "0.3", "BANK": "0.2", "GOVERNMENT": "0.1"}
    risk_shares: Any = fields.JSONField(default=dict)
    trigger_days_past_due = fields.IntField(default=90)
    claim_deadline_days = fields.IntField(default=30)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "guarantee_programme"


class SubsidyProgramme(Model):
    """An interest subsidy programme (政信贷 / 贴息): the rate the sponsor pays on the principal
    of eligible loans, claimed per quarter."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    sponsor = fields.CharField(max_length=200)
    subsidy_rate = _rate()  # per year on the principal outstanding
    eligibility: Any = fields.JSONField(default=dict)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "subsidy_programme"


class CreditLine(Model):
    """A credit line granted by an approved application: limit, validity, state."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="credit_lines", on_delete=fields.RESTRICT
    )
    application_id: int
    application: fields.OneToOneRelation[LoanApplication] = fields.OneToOneField(
        "models.LoanApplication", related_name="credit_line", on_delete=fields.RESTRICT
    )
    product_id: int
    product: fields.ForeignKeyRelation[LoanProduct] = fields.ForeignKeyField(
        "models.LoanProduct", related_name="credit_lines", on_delete=fields.RESTRICT
    )
    # the signed line contract (授信合同) the drawings are addenda to
    contract_id: int | None
    contract: fields.ForeignKeyNullableRelation[Contract] = fields.ForeignKeyField(
        "models.Contract", related_name="credit_lines", null=True, on_delete=fields.RESTRICT
    )
    limit = _money()
    annual_rate = _rate()
    revolving = fields.BooleanField(default=True)
    max_term_months = fields.IntField()
    # ACTIVE, FROZEN, EXPIRED, CLOSED
    status = fields.CharField(max_length=16, default="ACTIVE", db_index=True)
    valid_from = fields.DateField()
    valid_until = fields.DateField(db_index=True)
    frozen_at = fields.DatetimeField(null=True)
    frozen_by = fields.CharField(max_length=254, null=True)
    frozen_reason = fields.TextField(null=True)
    # the warning that froze it automatically, if one did
    frozen_by_warning_id = fields.IntField(null=True)
    closed_at = fields.DatetimeField(null=True)
    guarantee_programme_id: int | None
    guarantee_programme: fields.ForeignKeyNullableRelation[GuaranteeProgramme] = (
        fields.ForeignKeyField(
            "models.GuaranteeProgramme",
            related_name="credit_lines",
            null=True,
            on_delete=fields.RESTRICT,
        )
    )
    subsidy_programme_id: int | None
    subsidy_programme: fields.ForeignKeyNullableRelation[SubsidyProgramme] = fields.ForeignKeyField(
        "models.SubsidyProgramme",
        related_name="credit_lines",
        null=True,
        on_delete=fields.RESTRICT,
    )
    # bumped under every drawing and state change: concurrent writers serialise on the row
    version = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_line"


class CreditLineChange(Model):
    """One change to a line: FREEZE, UNFREEZE, REDUCE, CLOSE, EXPIRE (history beside the audit
    log)."""

    id = fields.IntField(primary_key=True)
    line_id: int
    line: fields.ForeignKeyRelation[CreditLine] = fields.ForeignKeyField(
        "models.CreditLine", related_name="changes", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)
    from_status = fields.CharField(max_length=16)
    to_status = fields.CharField(max_length=16)
    old_limit = _money(null=True)
    new_limit = _money(null=True)
    reason = fields.TextField(default="")
    actor = fields.CharField(max_length=254)
    at = fields.DatetimeField()

    class Meta:
        table = "credit_line_change"


class Guarantee(Model):
    """A programme's guarantee of one credit line, signed by the guarantor."""

    id = fields.IntField(primary_key=True)
    programme_id: int
    programme: fields.ForeignKeyRelation[GuaranteeProgramme] = fields.ForeignKeyField(
        "models.GuaranteeProgramme", related_name="guarantees", on_delete=fields.RESTRICT
    )
    line_id: int
    line: fields.OneToOneRelation[CreditLine] = fields.OneToOneField(
        "models.CreditLine", related_name="guarantee", on_delete=fields.RESTRICT
    )
    contract_id: int | None
    contract: fields.ForeignKeyNullableRelation[Contract] = fields.ForeignKeyField(
        "models.Contract", related_name="guarantees", null=True, on_delete=fields.RESTRICT
    )
    amount = _money()
    fee_rate = _rate()
    fee_payer = fields.CharField(max_length=16)
    risk_shares: Any = fields.JSONField(default=dict)
    # PENDING_SIGNATURE, ACTIVE, CLAIMED, RELEASED
    status = fields.CharField(max_length=20, default="PENDING_SIGNATURE", db_index=True)
    signed_at = fields.DatetimeField(null=True)
    signed_by = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "guarantee"


class GuaranteeClaim(Model):
    """The bank's claim on a guarantee for one defaulted loan (代偿)."""

    id = fields.IntField(primary_key=True)
    guarantee_id: int
    guarantee: fields.ForeignKeyRelation[Guarantee] = fields.ForeignKeyField(
        "models.Guarantee", related_name="claims", on_delete=fields.RESTRICT
    )
    loan_id: int
    loan: fields.OneToOneRelation[Loan] = fields.OneToOneField(
        "models.Loan", related_name="guarantee_claim", on_delete=fields.RESTRICT
    )
    # FILED, PAID, OVERDUE, REJECTED
    status = fields.CharField(max_length=16, default="FILED", db_index=True)
    outstanding = _money()  # what the loan owed when the claim was filed
    amount = _money()  # what the guarantor owes: the non-bank shares of `outstanding`
    shares: Any = fields.JSONField(default=dict)  # party -> amount
    days_past_due = fields.IntField()
    filed_at = fields.DatetimeField()
    filed_by = fields.CharField(max_length=254)
    due_by = fields.DateField()
    paid_at = fields.DatetimeField(null=True)
    paid_amount = _money(null=True)
    paid_by = fields.CharField(max_length=254, null=True)
    journal_entry_id = fields.IntField(null=True)

    class Meta:
        table = "guarantee_claim"


class SubsidyClaim(Model):
    """A programme's claim statement for one quarter: per-loan amounts frozen when filed."""

    id = fields.IntField(primary_key=True)
    programme_id: int
    programme: fields.ForeignKeyRelation[SubsidyProgramme] = fields.ForeignKeyField(
        "models.SubsidyProgramme", related_name="claims", on_delete=fields.RESTRICT
    )
    period_start = fields.DateField()
    period_end = fields.DateField()
    # CLAIMED, PAID
    status = fields.CharField(max_length=16, default="CLAIMED")
    total = _money()
    lines: Any = fields.JSONField(default=list)  # [{"loan_id": .., "amount": ".."}]
    filed_at = fields.DatetimeField()
    filed_by = fields.CharField(max_length=254)
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "subsidy_claim"
        unique_together = (("programme", "period_start"),)


class PatentPledge(Model):
    """A patent's pledge to the bank as registered with the patent office, until released."""

    id = fields.IntField(primary_key=True)
    patent_id: int
    patent: fields.ForeignKeyRelation[Patent] = fields.ForeignKeyField(
        "models.Patent", related_name="pledges", on_delete=fields.RESTRICT
    )
    # set to patent_id while the pledge stands and cleared on release: one standing pledge per
    # patent, enforced by the database (NULLs never collide)
    active_patent_id = fields.IntField(null=True, unique=True)
    application_id: int
    application: fields.ForeignKeyRelation[LoanApplication] = fields.ForeignKeyField(
        "models.LoanApplication", related_name="pledges", on_delete=fields.RESTRICT
    )
    registration_number = fields.CharField(max_length=64, unique=True)
    registered_on = fields.DateField()
    registered_by = fields.CharField(max_length=254)
    registered_at = fields.DatetimeField()
    released_at = fields.DatetimeField(null=True)
    released_by = fields.CharField(max_length=254, null=True)

    class Meta:
        table = "patent_pledge"
