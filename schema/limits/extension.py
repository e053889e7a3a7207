"""The schema extension that applies the limits, with parsing and validation cached."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSchema, parse, specified_rules, validate
from graphql.language import DocumentNode
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types.execution import ParseOptions
from strawberry.types.graphql import OperationType

from schema.limits.analysis import shape_document
from schema.limits.cache import CachedDocument, DocumentCache
from schema.limits.config import LimitConfig
from schema.limits.errors import INTERNAL_SERVER_ERROR, with_code
from schema.limits.rules import GRAPHQL_VALIDATION_FAILED, configured_rules, cost_error

log = logging.getLogger(__name__)

# strawberry's own rules, which its default validation adds to graphql-core's
STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


@dataclass(frozen=True)
class LimitsProfile:
    """Everything one configuration needs per request, built once."""

    limits: LimitConfig
    production: bool
    limit_rules: tuple[type[ASTValidationRule], ...]
    spec_rules: tuple[type[ASTValidationRule], ...]
    parse_options: Mapping[str, Any]
    cache: DocumentCache = field(compare=False)

    @classmethod
    def create(cls, limits: LimitConfig, *, production: bool) -> LimitsProfile:
        """The profile for a configuration, with an empty document cache."""
        return cls(
            limits=limits,
            production=production,
            limit_rules=configured_rules(limits, production=production),
            spec_rules=(*specified_rules, *STRAWBERRY_RULES),
            parse_options={
                "max_lexical_tokens": limits.max_tokens,
                "max_comments": limits.max_tokens,
                "max_source_length": limits.max_query_length,
            },
            cache=DocumentCache(
                max_entries=limits.document_cache_size, max_chars=limits.document_cache_chars
            ),
        )

    @property
    def validation_rules(self) -> tuple[type[ASTValidationRule], ...]:
        """All the rules, limits first."""
        return self.limit_rules + self.spec_rules

    def validate(self, schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
        """Limits first; the costlier spec rules only run on a document within them.

        Errors come back coded (GRAPHQL_VALIDATION_FAILED unless a rule set a code).
        """
        options: dict[str, Any] = {
            "max_errors": self.limits.max_validation_errors,
            "hide_suggestions": self.production,
        }
        errors = validate(schema, document, self.limit_rules, **options)
        if not errors:
            errors = validate(schema, document, self.spec_rules, **options)
        return [
            e if (e.extensions or {}).get("code") else with_code(e, GRAPHQL_VALIDATION_FAILED)
            for e in errors
        ]


class GraphQLLimits(SchemaExtension):
    """Parses and validates each distinct query text once, and prices variable list sizes.

    Made per request (strawberry builds extensions per request) from a shared profile,
    so the document cache and the rule classes are the same for every request.
    """

    def __init__(self, *, profile: LimitsProfile) -> None:
        self.profile = profile
        self._entry: CachedDocument | None = None

    def on_parse(self) -> Iterator[None]:
        """Take the document from the cache, or parse and cache it."""
        context = self.execution_context
        # for any path that bypasses the cache (strawberry's own parse and validation)
        context.validation_rules = self.profile.validation_rules
        context.parse_options = cast(ParseOptions, dict(self.profile.parse_options))
        query = context.query
        if context.graphql_document is None and isinstance(query, str):
            cache = self.profile.cache
            entry = cache.get(query)
            if entry is None:
                try:
                    document = parse(query, **self.profile.parse_options)
                except GraphQLError:
                    # left to strawberry, which parses again and reports the error in the
                    # response; raising here would bypass the other extensions
                    document = None
                if document is not None:
                    entry = cache.put(query, document)
            if entry is not None:
                context.graphql_document = entry.document
                self._entry = entry
        yield

    def on_validate(self) -> Iterator[None]:
        """Reuse the validation of an identical query text against the same schema."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema = context.schema._schema
            entry = self._entry
            try:
                if entry is None or entry.document is not document:
                    errors = self.profile.validate(schema, document)
                else:
                    if entry.validated_against is not schema:
                        entry.errors = self.profile.validate(schema, document)
                        entry.validated_against = schema
                    errors = entry.errors
            except Exception as exc:  # a raise here would skip every on_operation hook
                log.exception("validation failed")
                errors = [
                    GraphQLError(
                        "Unexpected error.",
                        original_error=exc,
                        extensions={"code": INTERNAL_SERVER_ERROR},
                    )
                ]
            context.pre_execution_errors = list(errors)
        yield

    def on_execute(self) -> Iterator[None]:
        """Price an operation whose list sizes come from variables, now they are known."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            error = self._cost_error(context.schema._schema, document)
            if error is not None:
                if context.operation_type is OperationType.SUBSCRIPTION:
                    raise error
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

    def _cost_error(self, schema: GraphQLSchema, document: DocumentNode) -> GraphQLError | None:
        entry = self._entry
        if entry is not None and entry.document is document:
            shape = entry.shape_for(schema)
        else:
            shape = shape_document(schema, document)
        operation = shape.operation(self.execution_context.operation_name)
        if operation is None or not operation.variable_sizes:
            return None
        limits = self.profile.limits
        cost = shape.cost(
            operation,
            variables=self.execution_context.variables,
            page_size=limits.default_page_size,
            list_size=limits.default_list_size,
            list_sizes=limits.list_size_map,
        )
        return cost_error(operation, cost, limits)


__all__ = ["STRAWBERRY_RULES", "GraphQLLimits", "LimitsProfile"]
