"""Loan contracts and their signatures."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.application import LoanApplication


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
