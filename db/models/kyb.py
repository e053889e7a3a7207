"""Know your business: proving that a registrant acts for its enterprise."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise
from db.models.user import User


class ChallengeStatus(StrEnum):
    """A verification attempt: open until confirmed, failed (too many tries) or expired."""

    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"


class VerificationChallenge(Model):
    """A micro-deposit to the settlement account on record and a code sent to the legal
    representative; the registrant confirms both."""

    id = fields.IntField(primary_key=True)
    user_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="verification_challenges", on_delete=fields.CASCADE
    )
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="verification_challenges", on_delete=fields.CASCADE
    )
    deposit_amount = fields.DecimalField(max_digits=8, decimal_places=2)
    code_hash = fields.CharField(max_length=128)
    attempts = fields.IntField(default=0)
    status = fields.CharEnumField(ChallengeStatus, max_length=12, default=ChallengeStatus.PENDING)
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    confirmed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "verification_challenge"


class Invitation(Model):
    """An enterprise administrator invites a colleague (by email) to act for the enterprise."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="invitations", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)
    invited_by_id: int
    invited_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invitations_sent", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=128)
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invitation"
