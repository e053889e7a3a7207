"""Maker-checker requests to put a model version or a decision policy version in service."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ActivationRequest(Model):
    """One person asks to activate a version; another approves (or rejects) it."""

    id = fields.IntField(primary_key=True)
    # MODEL (a model card: name + version) or POLICY (a decision policy version)
    kind = fields.CharField(max_length=16)
    name = fields.CharField(max_length=64)
    version = fields.CharField(max_length=64)
    # PENDING, APPROVED, REJECTED, SUPERSEDED
    status = fields.CharField(max_length=16, default="PENDING", db_index=True)
    reason = fields.TextField(default="")
    # what the requester saw: the candidate's and the incumbent's figures, the comparison
    evidence: Any = fields.JSONField(default=dict)
    requested_by = fields.CharField(max_length=254)
    requested_by_id = fields.IntField()
    requested_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=254, null=True)
    decided_by_id = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_comment = fields.TextField(null=True)

    class Meta:
        table = "activation_request"
