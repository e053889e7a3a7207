"""Accounts: applicants (tied to one enterprise) and bank staff."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise


class Role(StrEnum):
    """Who a user is to the bank."""

    APPLICANT = "APPLICANT"
    LOAN_OFFICER = "LOAN_OFFICER"
    RISK_MANAGER = "RISK_MANAGER"
    ADMIN = "ADMIN"
    SERVICE = "SERVICE"  # a data feed's service account: may ingest events


class User(Model):
    """A login; applicants belong to exactly one enterprise."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=256)
    role = fields.CharEnumField(Role, max_length=16)
    enterprise_id: int | None
    enterprise: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    certificate_pem = fields.TextField(null=True)
    private_key_pem = fields.TextField(null=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_account"
