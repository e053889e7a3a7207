"""Credit scores."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from db import models as m
from resolvers.context import ctx


async def enterprise_risk_score(
    root: strawberry.Parent[m.Enterprise], info: Info
) -> m.RiskScore | None:
    """An enterprise's latest credit score, if one was computed."""
    return await ctx(info).loaders.latest_risk_score.load(root.id)
