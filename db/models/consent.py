"""Data authorisations (数据授权) and the log of every pull of outside data."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise
from db.models.user import User


class DataSource(StrEnum):
    """What a consent covers: one outside source each."""

    REGISTRATION = "REGISTRATION"
    JUDICIAL = "JUDICIAL"
    TAX = "TAX"
    PATENTS = "PATENTS"
    FINANCIALS = "FINANCIALS"
    CREDIT_BUREAU = "CREDIT_BUREAU"


class ConsentPurpose(StrEnum):
    """Why the bank may pull: to decide an application, or to watch an outstanding loan."""

    APPLICATION = "APPLICATION"
    MONITORING = "MONITORING"


class Consent(Model):
    """An enterprise's signed authorisation to pull the named sources for the named purposes."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="consents", on_delete=fields.RESTRICT
    )
    granted_by_id: int
    granted_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="consents_granted", on_delete=fields.RESTRICT
    )
    sources: Any = fields.JSONField()  # list of DataSource values
    purposes: Any = fields.JSONField()  # list of ConsentPurpose values
    valid_from = fields.DateField()
    valid_until = fields.DateField()
    document_path = fields.CharField(max_length=512, null=True)  # the signed PDF
    document_sha256 = fields.CharField(max_length=64, null=True)
    signed_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "consent"


class DataAccess(Model):
    """One pull (or refused pull) of one source about one enterprise: who, what, when, under
    which consent."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="data_accesses", on_delete=fields.RESTRICT
    )
    consent_id: int | None
    consent: fields.ForeignKeyNullableRelation[Consent] = fields.ForeignKeyField(
        "models.Consent", related_name="accesses", null=True, on_delete=fields.RESTRICT
    )
    source = fields.CharEnumField(DataSource, max_length=16)
    purpose = fields.CharEnumField(ConsentPurpose, max_length=16)
    actor = fields.CharField(max_length=254)
    outcome = fields.CharField(max_length=16)  # OK, FAILED, REFUSED
    basis = fields.CharField(max_length=32, default="CONSENT")  # CONSENT or LOAN_CONTRACT
    detail = fields.TextField(null=True)
    request_id = fields.CharField(max_length=64, null=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "data_access"
        indexes = (("enterprise_id", "id"),)
