"""Court cases, their parties and the patents they are about."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise
from db.models.patent import Patent


class Litigation(Model):
    """A court case (case number is the natural key)."""

    id = fields.IntField(primary_key=True)
    case_no = fields.CharField(max_length=64, unique=True)
    court = fields.CharField(max_length=100, null=True)
    filed_on = fields.DateField(null=True)
    closed_on = fields.DateField(null=True)
    cause = fields.CharField(max_length=32)
    amount = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    status = fields.CharField(max_length=16)
    outcome = fields.CharField(max_length=16, null=True)
    extra: Any = fields.JSONField(default=dict)

    class Meta:
        table = "litigation"


class LitigationParty(Model):
    """An enterprise's role in a case, kept in the order given."""

    id = fields.IntField(primary_key=True)
    litigation_id: int
    litigation: fields.ForeignKeyRelation[Litigation] = fields.ForeignKeyField(
        "models.Litigation", related_name="parties", on_delete=fields.CASCADE, db_index=True
    )
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise",
        related_name="litigation_parties",
        on_delete=fields.CASCADE,
        db_index=True,
    )
    role = fields.CharField(max_length=16)
    position = fields.IntField(default=0)

    class Meta:
        table = "litigation_party"


class LitigationPatent(Model):
    """A patent a case is about."""

    id = fields.IntField(primary_key=True)
    litigation_id: int
    litigation: fields.ForeignKeyRelation[Litigation] = fields.ForeignKeyField(
        "models.Litigation", related_name="patent_links", on_delete=fields.CASCADE, db_index=True
    )
    patent_id: int
    patent: fields.ForeignKeyRelation[Patent] = fields.ForeignKeyField(
        "models.Patent", related_name="litigation_links", on_delete=fields.CASCADE, db_index=True
    )
    position = fields.IntField(default=0)

    class Meta:
        table = "litigation_patent"
