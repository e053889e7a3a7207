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
    GUARANTOR = "GUARANTOR"  # staff of a guarantor institution: its own programmes only


class VerificationStatus(StrEnum):
    """Whether an applicant account has proven it acts for its enterprise (KYB)."""

    UNVERIFIED = "UNVERIFIED"
    VERIFIED = "VERIFIED"
    REVOKED = "REVOKED"


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
    # a GUARANTOR account's institution (guarantor_institution.id)
    institution_id = fields.IntField(null=True)
    # applicants start UNVERIFIED; staff accounts are created VERIFIED
    verification = fields.CharEnumField(
        VerificationStatus, max_length=12, default=VerificationStatus.UNVERIFIED
    )
    verified_at = fields.DatetimeField(null=True)
    # the first verified user of an enterprise administers it and invites the others
    enterprise_admin = fields.BooleanField(default=False)
    # a second factor (TOTP): the secret, encrypted at rest, and when the user confirmed it
    totp_secret = fields.CharField(max_length=512, null=True)
    totp_confirmed_at = fields.DatetimeField(null=True)
    # the last time step whose code was accepted: a code is good once
    totp_last_step = fields.BigIntField(null=True)
    # a role change or revocation ends every session issued before it
    sessions_valid_after = fields.DatetimeField(null=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_account"
