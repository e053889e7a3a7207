"""The append-only, hash-chained audit log and idempotency records."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """Who did what to which record; each hash covers the previous hash and the entry."""

    id = fields.IntField(primary_key=True)
    seq = fields.IntField(unique=True)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=254)
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.CharField(max_length=64)
    data: Any = fields.JSONField(default=dict)
    request_id = fields.CharField(max_length=64, null=True)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_entry"
        # an entity's audit trail (auditTrail) reads by these two
        indexes = (("entity_type", "entity_id"),)


class IdempotencyRecord(Model):
    """The first response given under an idempotency key, replayed for the same request."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128)
    user_id = fields.IntField()
    operation = fields.CharField(max_length=64)
    request_hash = fields.CharField(max_length=64)
    response: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("key", "user_id"),)


class AuditCheckpoint(Model):
    """The chain's head at a moment, signed with the bank's signing key: a database
    administrator who rewrites the chain consistently cannot re-sign its checkpoints."""

    id = fields.IntField(primary_key=True)
    seq = fields.IntField()  # the last entry the checkpoint covers
    head_hash = fields.CharField(max_length=64)
    # the exact bytes that were signed (canonical JSON of seq, head_hash, at, signer)
    payload = fields.TextField()
    signature = fields.TextField()  # base64
    key_id = fields.CharField(max_length=128)  # which key signed (certificate fingerprint)
    signed_at = fields.DatetimeField()

    class Meta:
        table = "audit_checkpoint"
