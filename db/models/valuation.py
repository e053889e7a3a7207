"""Patent valuations."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.patent import Patent


class Valuation(Model):
    """A patent's value with interval, pledge value and drivers, by one model version."""

    id = fields.IntField(primary_key=True)
    patent_id: int
    patent: fields.ForeignKeyRelation[Patent] = fields.ForeignKeyField(
        "models.Patent", related_name="valuations", on_delete=fields.CASCADE
    )
    value = fields.DecimalField(max_digits=20, decimal_places=2)
    low = fields.DecimalField(max_digits=20, decimal_places=2)
    high = fields.DecimalField(max_digits=20, decimal_places=2)
    pledge_value = fields.DecimalField(max_digits=20, decimal_places=2)
    method = fields.CharField(max_length=64)
    model_version = fields.CharField(max_length=64)
    drivers: Any = fields.JSONField(default=list)
    inputs_hash = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "valuation"
