"""Loan applications, their pledged patents and status history."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise
from db.models.patent import Patent
from db.models.product import LoanProduct
from db.models.user import User


class ApplicationStatus(StrEnum):
    """The lifecycle of an application (see domain/workflow for the transitions)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    WAITING_FOR_DATA = "WAITING_FOR_DATA"  # the data refresh failed; retried with backoff
    ASSESSING = "ASSESSING"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    OFFER_ACCEPTED = "OFFER_ACCEPTED"
    CONTRACT_SIGNED = "CONTRACT_SIGNED"
    DISBURSED = "DISBURSED"
    WITHDRAWN = "WITHDRAWN"


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
    # the data refresh at submission: failed tries so far, when the next one is due, why
    data_attempts = fields.IntField(default=0)
    data_retry_at = fields.DatetimeField(null=True)
    data_error = fields.TextField(null=True)
    # a renewal (续贷) of this loan, assessed on fresh data; without principal repayment (无还本续贷)
    # the new loan settles the old one in one transaction
    renewal_of_id = fields.IntField(null=True, db_index=True)
    without_principal_repayment = fields.BooleanField(default=False)
    # the enterprise had no loan with the bank when it applied (首贷)
    first_loan = fields.BooleanField(default=False)
    # the staff member working on it (claimed or assigned in the work queue)
    assigned_to_id = fields.IntField(null=True, db_index=True)
    assigned_at = fields.DatetimeField(null=True)
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
