"""The revision of the world data: how often imports changed stored rows in place."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WorldRevision(Model):
    """One row (id 1): its revision grows with every import that updates world rows in place,
    so that any process keeping world-wide reads knows they may be stale."""

    id = fields.IntField(primary_key=True)
    revision = fields.IntField(default=0)
    changed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "world_revision"
