"""Warnings raised by post-loan monitoring."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise
from db.models.loan import Loan


class WarningLevel(StrEnum):
    """Severity, in increasing order."""

    YELLOW = "YELLOW"
    ORANGE = "ORANGE"
    RED = "RED"


class WarningStatus(StrEnum):
    """Where staff are with a warning."""

    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


class RiskWarning(Model):
    """A graded post-loan warning with its evidence (one open per enterprise, kind, source)."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="warnings", on_delete=fields.CASCADE
    )
    loan_id: int | None
    loan: fields.ForeignKeyNullableRelation[Loan] = fields.ForeignKeyField(
        "models.Loan", related_name="warnings", null=True, on_delete=fields.SET_NULL
    )
    level = fields.CharEnumField(WarningLevel, max_length=8)
    kind = fields.CharField(max_length=48)
    message = fields.TextField()
    evidence: Any = fields.JSONField(default=dict)
    contagion_source_id: int | None
    contagion_source: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="caused_warnings", null=True, on_delete=fields.SET_NULL
    )
    contagion_path: Any = fields.JSONField(default=list)
    status = fields.CharEnumField(WarningStatus, max_length=16, default="OPEN")
    # enterprise|kind|source while open, NULL once resolved: a unique index allows one open each
    open_key = fields.CharField(max_length=128, null=True, unique=True)
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "risk_warning"
