"""Loan contracts and their signatures."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.application import LoanApplication


class Contract(Model):
    """A contract PDF and its signatures: the line contract of an application (LINE), a
    drawing's addendum (DRAWDOWN) or a guarantee (GUARANTEE)."""

    id = fields.IntField(primary_key=True)
    application_id: int
    application: fields.ForeignKeyRelation[LoanApplication] = fields.ForeignKeyField(
        "models.LoanApplication", related_name="contracts", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=16, default="LINE")
    # 0 for the line contract and a guarantee; the drawing's number for an addendum
    sequence = fields.IntField(default=0)
    status = fields.CharField(max_length=24, default="GENERATED")
    path = fields.CharField(max_length=300)
    sha256 = fields.CharField(max_length=64)
    signatures: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contract"
        unique_together = (("application", "kind", "sequence"),)
