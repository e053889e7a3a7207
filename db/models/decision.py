"""Manual reviews of referred applications."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from db.models.application import LoanApplication
from db.models.user import User


class Review(Model):
    """A staff review of an application in manual review (four eyes above a threshold)."""

    id = fields.IntField(primary_key=True)
    application_id: int
    application: fields.ForeignKeyRelation[LoanApplication] = fields.ForeignKeyField(
        "models.LoanApplication", related_name="reviews", on_delete=fields.CASCADE
    )
    reviewer_id: int
    reviewer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviews", on_delete=fields.RESTRICT
    )
    role = fields.CharField(max_length=16)
    decision = fields.CharField(max_length=8)
    comment = fields.TextField()
    at = fields.DatetimeField()

    class Meta:
        table = "review"
        unique_together = (("application", "reviewer"),)
