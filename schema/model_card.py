"""Root fields of model cards."""

from __future__ import annotations

import strawberry

import resolvers.model_card
from schema.types.model_card import ModelCard


@strawberry.type
class ModelCardQuery:
    models: list[ModelCard] = strawberry.field(
        resolver=resolvers.model_card.models,
        description="Model cards of the models in service and before (staff).",
    )
