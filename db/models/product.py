"""Loan products on offer."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


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
    # the credit line an approved application grants: validity and whether repaid principal
    # can be drawn again
    line_months = fields.IntField(default=12)
    revolving = fields.BooleanField(default=True)
    # programme codes (guarantee_programme.code / subsidy_programme.code), if any
    guarantee_programme = fields.CharField(max_length=32, null=True)
    subsidy_programme = fields.CharField(max_length=32, null=True)
    # servicing terms after disbursement (penalty surcharge, allocation order, overpayment,
    # prepayment fee, ...), merged over `domain.loanbook.terms.DEFAULTS`
    servicing: Any = fields.JSONField(default=dict)

    class Meta:
        table = "loan_product"
