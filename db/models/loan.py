"""Loans, their schedules and repayments."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from db.models.application import LoanApplication
from db.models.contract import Contract
from db.models.enterprise import Enterprise


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
