"""Patents and their citations."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise


class Patent(Model):
    """A patent and its legal state (publication number is the natural key)."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    owner_id: int | None
    owner: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise",
        related_name="patents",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    title = fields.CharField(max_length=300)
    ipc = fields.CharField(max_length=32, null=True)
    kind = fields.CharField(max_length=16)
    filed_on = fields.DateField(null=True)
    granted_on = fields.DateField(null=True)
    status = fields.CharField(max_length=16)
    claims = fields.IntField(null=True)
    independent_claims = fields.IntField(null=True)
    inventors = fields.IntField(null=True)
    family_size = fields.IntField(null=True)
    transfers = fields.IntField(default=0)
    licenses = fields.IntField(default=0)
    pledged = fields.BooleanField(default=False)
    annuity_paid_through = fields.DateField(null=True)
    transaction_price = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    forward_citations = fields.IntField(default=0)
    extra: Any = fields.JSONField(default=dict)

    class Meta:
        table = "patent"


class PatentCitation(Model):
    """`citing` cites `cited` (both patent numbers; the cited one may be outside the world)."""

    id = fields.IntField(primary_key=True)
    citing = fields.CharField(max_length=32, db_index=True)
    cited = fields.CharField(max_length=32, db_index=True)

    class Meta:
        table = "patent_citation"
        unique_together = (("citing", "cited"),)
