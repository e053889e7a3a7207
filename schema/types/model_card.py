"""Model cards as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from db import models as m


def _description(root: strawberry.Parent[m.ModelCard]) -> str:
    return root.description + ("" if root.active else " (not in service)")


@strawberry.type(description="A trained model: version, when, on what data, how good.")
class ModelCard:
    name: str = strawberry.field(description="valuation, scorecard, gnn, ...")
    version: str = strawberry.field(description="Version recorded with every decision.")
    trained_at: datetime | None = strawberry.field(description="When it was trained.")
    metrics: JSON = strawberry.field(description="AUC, KS, calibration, baselines...")
    description: str = strawberry.field(
        resolver=_description, description="What it is and how far to trust it."
    )


__all__ = ["ModelCard"]
