"""The GraphQL schema: each area contributes a small Query/Mutation class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema.accounts import AccountMutation, AccountQuery
from schema.lending import ContractMutation, ContractQuery, LendingMutation, LendingQuery
from schema.world import WorldQuery


@strawberry.type(description="Everything a client can read.")
class Query(AccountQuery, WorldQuery, LendingQuery, ContractQuery):
    pass


@strawberry.type(description="Everything a client can change.")
class Mutation(AccountMutation, LendingMutation, ContractMutation):
    pass


def build_schema(
    *, extensions: Sequence[Any] = (), config: StrawberryConfig | None = None
) -> strawberry.Schema:
    """The schema with the given extensions (limits, masking) installed."""
    from schema.observability import OperationMetrics

    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[OperationMetrics, *extensions],
        config=config or StrawberryConfig(),
    )


__all__ = ["Mutation", "Query", "SchemaExtension", "build_schema"]
