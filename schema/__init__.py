"""The GraphQL schema: each area contributes a small Query/Mutation class that binds fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from domain.errors import DomainError
from schema import lending, monitoring
from schema.connection import describe_connections
from schema.consent import ConsentMutation
from schema.console_api import ConsoleMutation, ConsoleQuery
from schema.credit_lines import CreditLineMutation, CreditLineQuery
from schema.enterprise import EnterpriseQuery
from schema.execution import LeanExecutionContext, call_parent_resolvers_directly
from schema.governance import GovernanceMutation, GovernanceQuery
from schema.guarantees import GuaranteeMutation, GuaranteeQuery
from schema.indicator import IndicatorQuery
from schema.loanbook import LoanbookSubscription
from schema.model_card import ModelCardQuery
from schema.patent import PatentQuery
from schema.pledges import PledgeMutation
from schema.product import ProductQuery
from schema.regulator import RegulatorQuery
from schema.renewals import RenewalMutation
from schema.subsidy import SubsidyMutation, SubsidyQuery
from schema.user import UserMutation, UserQuery
from schema.valuation import ValuationMutation


# the order of the bases is the order of the fields in the served schema
@strawberry.type(description="Everything a client can read.")
class Query(
    UserQuery,
    EnterpriseQuery,
    PatentQuery,
    ProductQuery,
    lending.LendingQuery,
    lending.LoanQuery,
    IndicatorQuery,
    ModelCardQuery,
    monitoring.MonitoringQuery,
    CreditLineQuery,
    GuaranteeQuery,
    SubsidyQuery,
    RegulatorQuery,
    GovernanceQuery,
    ConsoleQuery,
):
    pass


@strawberry.type(description="Everything a client can change.")
class Mutation(
    UserMutation,
    lending.LendingMutation,
    lending.ContractMutation,
    lending.DisbursementMutation,
    ValuationMutation,
    lending.RepaymentMutation,
    monitoring.MonitoringMutation,
    ConsentMutation,
    CreditLineMutation,
    PledgeMutation,
    RenewalMutation,
    GuaranteeMutation,
    SubsidyMutation,
    GovernanceMutation,
    ConsoleMutation,
):
    pass


@strawberry.type(description="Live feeds over graphql-transport-ws.")
class Subscription(monitoring.Subscription, LoanbookSubscription):
    pass


class IpcreditSchema(strawberry.Schema):
    """Logs only unexpected errors: refusals with a stable code are the client's business."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", LeanExecutionContext)
        super().__init__(*args, **kwargs)
        describe_connections(self._schema)
        call_parent_resolvers_directly(self._schema)

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


__all__ = ["Mutation", "Query", "SchemaExtension", "Subscription", "build_schema"]
