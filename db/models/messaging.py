"""The outbox and the dead letters of exhausted actor messages."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxMessage(Model):
    """A message written in the same transaction as its cause, published afterwards."""

    id = fields.IntField(primary_key=True)
    topic = fields.CharField(max_length=32, db_index=True)
    key = fields.CharField(max_length=64)
    payload: Any = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "outbox_message"


class DeadLetter(Model):
    """An actor message that exhausted its retries, for staff to see."""

    id = fields.IntField(primary_key=True)
    actor = fields.CharField(max_length=64)
    message_id = fields.CharField(max_length=64, unique=True)
    args: Any = fields.JSONField(default=list)
    error = fields.TextField()
    failed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dead_letter"
