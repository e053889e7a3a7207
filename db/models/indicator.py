"""Indicator snapshots."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise


class IndicatorSnapshot(Model):
    """All indicator values of one enterprise as of one moment."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="indicator_snapshots", on_delete=fields.CASCADE
    )
    as_of = fields.DatetimeField()
    values: Any = fields.JSONField()
    registry_version = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "indicator_snapshot"
        unique_together = (("enterprise", "as_of"),)
