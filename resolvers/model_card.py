"""Model cards of the models in service and before."""

from __future__ import annotations

from strawberry.types import Info

from db import models as m
from domain.scoring.reads import model_cards
from resolvers.context import ctx


async def models(info: Info) -> list[m.ModelCard]:
    """Every model card, active ones first (staff)."""
    ctx(info).require_staff()
    return await model_cards()
