"""Loan products, applications with their history, contracts, loans and installments."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.user import User
from db.models.world import Enterprise, Patent


class ApplicationStatus(StrEnum):
    """The lifecycle of an application (see domain/workflow for the transitions)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    ASSESSING = "ASSESSING"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    OFFER_ACCEPTED = "OFFER_ACCEPTED"
    CONTRACT_SIGNED = "CONTRACT_SIGNED"
    DISBURSED = "DISBURSED"
    WITHDRAWN = "WITHDRAWN"


class LoanProduct(Model):
    """A product the bank offers online."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    min_amount = fields.DecimalField(max_digits=20, decimal_places=2)
    max_amount = fields.DecimalField(max_digits=20, decimal_places=2)
    terms_months: Any = fields.JSONField()
    annual_rate = fields.DecimalField(max_digits=8, decimal_places=6)
    repayment_method = fields.CharField(max_length=32)
    guarantee_on_approval = fields.BooleanField(default=False)
    guarantor_name = fields.CharField(max_length=100, null=True)
    subsidy_rate = fields.DecimalField(max_digits=8, decimal_places=6, default=0)
    requires_pledge = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "loan_product"


class LoanApplication(Model):
    """An enterprise's request for a loan, and the decision on it."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="applications", on_delete=fields.RESTRICT
    )
    product_id: int
    product: fields.ForeignKeyRelation[LoanProduct] = fields.ForeignKeyField(
        "models.LoanProduct", related_name="applications", on_delete=fields.RESTRICT
    )
    created_by_id: int
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="applications", on_delete=fields.RESTRICT
    )
    amount = fields.DecimalField(max_digits=20, decimal_places=2)
    term_months = fields.IntField()
    purpose = fields.TextField(null=True)
    status = fields.CharEnumField(ApplicationStatus, max_length=20, default="DRAFT")
    submitted_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision: Any = fields.JSONField(null=True)
    version = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "loan_application"


class ApplicationPatent(Model):
    """A patent offered as pledge in an application."""

    id = fields.IntField(primary_key=True)
    application_id: int
    application: fields.ForeignKeyRelation[LoanApplication] = fields.ForeignKeyField(
        "models.LoanApplication", related_name="patent_links", on_delete=fields.CASCADE
    )
    patent_id: int
    patent: fields.ForeignKeyRelation[Patent] = fields.ForeignKeyField(
        "models.Patent", related_name="application_links", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "application_patent"
        unique_together = (("application", "patent"),)


class StatusChange(Model):
    """One row per status change: who, when, from, to."""

    id = fields.IntField(primary_key=True)
    application_id: int
    application: fields.ForeignKeyRelation[LoanApplication] = fields.ForeignKeyField(
        "models.LoanApplication", related_name="history", on_delete=fields.CASCADE
    )
    from_status = fields.CharField(max_length=20, null=True)
    to_status = fields.CharField(max_length=20)
    by = fields.CharField(max_length=254)
    comment = fields.TextField(null=True)
    at = fields.DatetimeField()

    class Meta:
        table = "status_change"


class Review(Model):
    """A staff review of an application in manual review (four eyes above a threshold)."""

    id = fields.IntField(primary_key=True)
    application_id: int
    application: fields.ForeignKeyRelation[LoanApplication] = fields.ForeignKeyField(
        "models.LoanApplication", related_name="reviews", on_delete=fields.CASCADE
    )
    reviewer_id: int
    reviewer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviews", on_delete=fields.RESTRICT
    )
    role = fields.CharField(max_length=16)
    decision = fields.CharField(max_length=8)
    comment = fields.TextField()
    at = fields.DatetimeField()

    class Meta:
        table = "review"
        unique_together = (("application", "reviewer"),)


class Contract(Model):
    """The loan contract PDF and its signatures."""

    id = fields.IntField(primary_key=True)
    application_id: int
    application: fields.OneToOneRelation[LoanApplication] = fields.OneToOneField(
        "models.LoanApplication", related_name="contract", on_delete=fields.RESTRICT
    )
    status = fields.CharField(max_length=24, default="GENERATED")
    path = fields.CharField(max_length=300)
    sha256 = fields.CharField(max_length=64)
    signatures: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contract"


class Loan(Model):
    """Money lent: principal, rate, outstanding balance and classification."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="loans", on_delete=fields.RESTRICT
    )
    application_id: int
    application: fields.OneToOneRelation[LoanApplication] = fields.OneToOneField(
        "models.LoanApplication", related_name="loan", on_delete=fields.RESTRICT
    )
    contract_id: int
    contract: fields.OneToOneRelation[Contract] = fields.OneToOneField(
        "models.Contract", related_name="loan", on_delete=fields.RESTRICT
    )
    principal = fields.DecimalField(max_digits=20, decimal_places=2)
    outstanding = fields.DecimalField(max_digits=20, decimal_places=2)
    annual_rate = fields.DecimalField(max_digits=8, decimal_places=6)
    repayment_method = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="ACTIVE")
    classification = fields.CharField(max_length=16, default="NORMAL")
    disbursed_at = fields.DatetimeField()
    disbursed_by = fields.CharField(max_length=254)

    class Meta:
        table = "loan"


class Installment(Model):
    """One scheduled repayment."""

    id = fields.IntField(primary_key=True)
    loan_id: int
    loan: fields.ForeignKeyRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="installments", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    due_on = fields.DateField()
    principal = fields.DecimalField(max_digits=20, decimal_places=2)
    interest = fields.DecimalField(max_digits=20, decimal_places=2)
    paid_principal = fields.DecimalField(max_digits=20, decimal_places=2, default=0)
    paid_interest = fields.DecimalField(max_digits=20, decimal_places=2, default=0)
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "installment"
        unique_together = (("loan", "number"),)


class Repayment(Model):
    """Money received against a loan."""

    id = fields.IntField(primary_key=True)
    loan_id: int
    loan: fields.ForeignKeyRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="repayments", on_delete=fields.CASCADE
    )
    amount = fields.DecimalField(max_digits=20, decimal_places=2)
    received_at = fields.DatetimeField()
    recorded_by = fields.CharField(max_length=254)

    class Meta:
        table = "repayment"
