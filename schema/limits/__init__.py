"""Abuse limits and production hardening of the GraphQL schema.

`build_extensions_and_rules` gives what `strawberry.Schema` takes (`extensions=`,
`config=`); `schema.http.make_graphql_app` gives the matching ASGI app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema.limits.cache import DocumentCache
from schema.limits.config import LimitConfig
from schema.limits.errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    GRAPHQL_PARSE_FAILED,
    INTERNAL_SERVER_ERROR,
    PUBLIC_CODES,
    ErrorPolicy,
)
from schema.limits.extension import GraphQLLimits, LimitsProfile
from schema.limits.rules import (
    GRAPHQL_VALIDATION_FAILED,
    LIMIT_EXCEEDED,
    CostRule,
    MaxAliasesRule,
    MaxDepthRule,
    MaxDirectivesRule,
    NoIntrospectionRule,
)


@dataclass(frozen=True)
class GraphQLHardening:
    """The extensions and config for `strawberry.Schema`, and what they were made from."""

    extensions: tuple[Callable[[], SchemaExtension], ...]
    config: StrawberryConfig
    validation_rules: tuple[type[ASTValidationRule], ...]
    limits: LimitConfig
    production: bool
    cache: DocumentCache


def build_extensions_and_rules(
    *,
    production: bool,
    limits: LimitConfig | None = None,
    public_codes: Iterable[str] = PUBLIC_CODES,
) -> GraphQLHardening:
    """Limits, cached parsing/validation, error codes; in production no introspection,
    no "Did you mean" hints and unexpected errors masked."""
    limits = limits or LimitConfig()
    profile = LimitsProfile.create(limits, production=production)
    extensions: tuple[Callable[[], SchemaExtension], ...] = (
        partial(GraphQLLimits, profile=profile),
        partial(ErrorPolicy, production=production, public_codes=frozenset(public_codes)),
    )
    return GraphQLHardening(
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production, batching_config=None),
        validation_rules=profile.validation_rules,
        limits=limits,
        production=production,
        cache=profile.cache,
    )


__all__ = [
    "BAD_REQUEST",
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "INTERNAL_SERVER_ERROR",
    "LIMIT_EXCEEDED",
    "PUBLIC_CODES",
    "CostRule",
    "ErrorPolicy",
    "GraphQLHardening",
    "GraphQLLimits",
    "LimitConfig",
    "MaxAliasesRule",
    "MaxDepthRule",
    "MaxDirectivesRule",
    "NoIntrospectionRule",
    "build_extensions_and_rules",
]
