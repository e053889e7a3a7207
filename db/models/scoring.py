"""Credit scores and the cards of trained models."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.enterprise import Enterprise


class RiskScore(Model):
    """A credit score with probability of default, graph risk and reasons."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="risk_scores", on_delete=fields.CASCADE
    )
    score = fields.IntField()
    grade = fields.CharField(max_length=8)
    probability_of_default = fields.FloatField()
    graph_risk = fields.FloatField(null=True)
    reasons: Any = fields.JSONField(default=list)
    model_versions: Any = fields.JSONField(default=dict)
    as_of = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "risk_score"


class ModelCard(Model):
    """A trained model: version, metrics, data hash, where its file lives."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    version = fields.CharField(max_length=64)
    trained_at = fields.DatetimeField(null=True)
    metrics: Any = fields.JSONField(default=dict)
    description = fields.TextField(default="")
    data_hash = fields.CharField(max_length=64, default="")
    path = fields.CharField(max_length=300, default="")
    active = fields.BooleanField(default=False)

    class Meta:
        table = "model_card"
        unique_together = (("name", "version"),)
