"""The GraphQL schema: each area contributes a small Query/Mutation class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from domain.errors import DomainError
from schema.accounts import AccountMutation, AccountQuery
from schema.lending import (
    ContractMutation,
    ContractQuery,
    LendingMutation,
    LendingQuery,
    RepaymentMutation,
)
from schema.monitoring import MonitoringMutation, MonitoringQuery, Subscription
from schema.risk import RiskMutation, RiskQuery
from schema.world import WorldQuery


@strawberry.type(description="Everything a client can read.")
class Query(AccountQuery, WorldQuery, LendingQuery, ContractQuery, RiskQuery, MonitoringQuery):
    pass


@strawberry.type(description="Everything a client can change.")
class Mutation(
    AccountMutation,
    LendingMutation,
    ContractMutation,
    RiskMutation,
    RepaymentMutation,
    MonitoringMutation,
):
    pass


class IpcreditSchema(strawberry.Schema):
    """Logs only unexpected errors: refusals with a stable code are the client's business."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        unexpected = [
            e
            for e in errors
            if not (e.extensions or {}).get("code")
            and not isinstance(e.original_error, GraphQLError | DomainError)
            and e.original_error is not None
        ]
        super().process_errors(unexpected, execution_context)


def build_schema(
    *, extensions: Sequence[Any] = (), config: StrawberryConfig | None = None
) -> strawberry.Schema:
    """The schema with the given extensions (limits, masking) installed."""
    from schema.observability import OperationMetrics

    return IpcreditSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[OperationMetrics, *extensions],
        config=config or StrawberryConfig(),
    )


__all__ = ["Mutation", "Query", "SchemaExtension", "build_schema"]
