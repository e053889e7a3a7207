"""Sessions: refresh tokens (rotated, revocable) and the login attempts that limits count."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from db.models.user import User


class RefreshToken(Model):
    """One refresh token of a session; using it replaces it by the next one of its family.

    Only a digest of the token is stored. Presenting a token already replaced means it leaked:
    the whole family (the session) is revoked."""

    id = fields.IntField(primary_key=True)
    user_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    family = fields.CharField(max_length=64, db_index=True)  # the session
    token_hash = fields.CharField(max_length=128, unique=True)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    replaced_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_token"


class RevokedSession(Model):
    """A session ended before its access tokens expire (logout, reuse of a refresh token,
    revocation by staff): access tokens carry their session id and are refused once it is here."""

    id = fields.IntField(primary_key=True)
    family = fields.CharField(max_length=64, unique=True)
    user_id = fields.IntField(db_index=True)
    revoked_at = fields.DatetimeField()
    reason = fields.CharField(max_length=64)

    class Meta:
        table = "revoked_session"


class LoginAttempt(Model):
    """A failed login, for the sliding-window limits per client address and per account."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=300, db_index=True)  # "ip:<address>" or "acct:<email>"
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "login_attempt"
        indexes = (("key", "at"),)
