"""Signals about enterprises, and default outcomes for training and back-testing."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Event(Model):
    """A signal about an enterprise (event id is the natural key: replays change nothing)."""

    id = fields.IntField(primary_key=True)
    event_id = fields.CharField(max_length=128, unique=True)
    uscc = fields.CharField(max_length=18, db_index=True)
    occurred_at = fields.DatetimeField(db_index=True)
    type = fields.CharField(max_length=32)
    payload: Any = fields.JSONField(default=dict)
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)
    source = fields.CharField(max_length=16, default="import")

    class Meta:
        table = "event"


class Outcome(Model):
    """A default label for training and back-testing."""

    id = fields.IntField(primary_key=True)
    uscc = fields.CharField(max_length=18, db_index=True)
    defaulted = fields.BooleanField()
    as_of = fields.DateField()
    default_date = fields.DateField(null=True)

    class Meta:
        table = "outcome"
        unique_together = (("uscc", "as_of"),)
