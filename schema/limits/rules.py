"""Validation rules for the abuse limits: depth, aliases, directives, cost, introspection.

The rules are classes defined once: strawberry and our document cache key validation results
on the rule classes, so a class made afresh per request would never hit the cache. A limit
other than the default is a subclass made once per configuration by `configured_rules`.
"""

from __future__ import annotations

import weakref
from functools import cache
from typing import Any, ClassVar

from graphql import GraphQLError
from graphql.language import SKIP, DocumentNode, Node, VisitorAction
from graphql.validation import (
    ASTValidationRule,
    MaxIntrospectionDepthRule,
    ValidationContext,
    ValidationRule,
)

from schema.limits.analysis import DocumentShape, shape_document
from schema.limits.config import LimitConfig
from schema.limits.shapes import OperationShape

LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"

# the rules of one validation pass share one summary of the document
_shapes: weakref.WeakKeyDictionary[ValidationContext, DocumentShape] = weakref.WeakKeyDictionary()


def document_shape(context: ValidationContext) -> DocumentShape:
    """The summary of the document under validation, computed once per pass."""
    shape = _shapes.get(context)
    if shape is None:
        shape = shape_document(context.schema, context.document)
        _shapes[context] = shape
    return shape


def limit_error(message: str, node: Node | None, *, limit: str, maximum: int) -> GraphQLError:
    """A refusal for a limit, with a stable code and which limit it was."""
    return GraphQLError(
        message,
        node,
        extensions={"code": LIMIT_EXCEEDED, "limit": limit, "maximum": maximum},
    )


class _ShapeRule(ValidationRule):
    """Checks each operation of the document once, from the shared summary."""

    limits: ClassVar[LimitConfig] = LimitConfig()

    def enter_document(self, node: DocumentNode, *_args: Any) -> VisitorAction:
        shape = document_shape(self.context)
        for operation in shape.operations:
            error = self.check(operation, shape)
            if error is not None:
                self.report_error(error)
        return SKIP

    def check(self, operation: OperationShape, shape: DocumentShape) -> GraphQLError | None:
        """The error for this operation, if it breaks the limit."""
        raise NotImplementedError


class MaxDepthRule(_ShapeRule):
    """Fields nested at most `max_depth` levels (root fields are level 1), fragments followed.

    Introspection fields are counted too, against `max_introspection_depth` (at least
    `max_depth`): the standard introspection query is 13 levels deep.
    """

    def check(self, operation: OperationShape, shape: DocumentShape) -> GraphQLError | None:
        limits = self.limits
        introspection_limit = max(limits.max_depth, limits.max_introspection_depth)
        if operation.depth > limits.max_depth:
            return limit_error(
                f"{operation.label} nests fields {operation.depth} levels deep;"
                f" at most {limits.max_depth} are allowed.",
                operation.node,
                limit="depth",
                maximum=limits.max_depth,
            )
        if operation.introspection_depth > introspection_limit:
            return limit_error(
                f"{operation.label} nests introspection fields"
                f" {operation.introspection_depth} levels deep;"
                f" at most {introspection_limit} are allowed.",
                operation.node,
                limit="depth",
                maximum=introspection_limit,
            )
        return None


class MaxAliasesRule(_ShapeRule):
    """At most `max_aliases` aliases per operation, each fragment spread counted."""

    def check(self, operation: OperationShape, shape: DocumentShape) -> GraphQLError | None:
        maximum = self.limits.max_aliases
        if operation.aliases <= maximum:
            return None
        return limit_error(
            f"{operation.label} uses {operation.aliases} aliases; at most {maximum} are allowed.",
            operation.node,
            limit="aliases",
            maximum=maximum,
        )


class MaxDirectivesRule(_ShapeRule):
    """At most `max_directives` directives per operation, each fragment spread counted."""

    def check(self, operation: OperationShape, shape: DocumentShape) -> GraphQLError | None:
        maximum = self.limits.max_directives
        if operation.directives <= maximum:
            return None
        return limit_error(
            f"{operation.label} uses {operation.directives} directives;"
            f" at most {maximum} are allowed.",
            operation.node,
            limit="directives",
            maximum=maximum,
        )


class CostRule(_ShapeRule):
    """The cost (see `analysis`) of operations whose list sizes are all literal or default.

    An operation taking a list size from a variable is priced at execution, when the
    variables are known (`GraphQLLimits.on_execute`): validation results are cached per
    query text and cannot depend on variables.
    """

    def check(self, operation: OperationShape, shape: DocumentShape) -> GraphQLError | None:
        if operation.variable_sizes:
            return None
        cost = shape.cost(
            operation,
            variables=None,
            page_size=self.limits.default_page_size,
            list_size=self.limits.default_list_size,
            list_sizes=self.limits.list_size_map,
        )
        return cost_error(operation, cost, self.limits)


def cost_error(operation: OperationShape, cost: int, limits: LimitConfig) -> GraphQLError | None:
    """The refusal of an operation whose cost is over the limit, else None."""
    if cost <= limits.max_cost:
        return None
    return limit_error(
        f"{operation.label} would cost {cost} (each field 1, the fields under a list once per"
        f" item: `first` or {limits.default_page_size}); at most {limits.max_cost} is allowed.",
        operation.node,
        limit="cost",
        maximum=limits.max_cost,
    )


class NoIntrospectionRule(ValidationRule):
    """Refuses `__schema` and `__type` (production); `__typename` stays allowed."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> VisitorAction:
        field = document_shape(self.context).introspection_field
        if field is not None:
            self.report_error(
                GraphQLError(
                    "Introspection is disabled.",
                    field,
                    extensions={"code": GRAPHQL_VALIDATION_FAILED},
                )
            )
        return SKIP


class IntrospectionCyclesRule(MaxIntrospectionDepthRule):
    """graphql-core's bound on `fields { type { fields ...` cycles, with our error code."""

    def report_error(self, error: GraphQLError) -> None:
        """Report with the limit code."""
        super().report_error(
            limit_error(error.message, error.nodes[0] if error.nodes else None,
                        limit="introspection", maximum=3)
        )  # fmt: skip


@cache
def configured_rules(
    limits: LimitConfig, *, production: bool
) -> tuple[type[ASTValidationRule], ...]:
    """The limit rules for a configuration: the same class objects for equal arguments."""
    if limits == LimitConfig():
        rules: list[type[ASTValidationRule]] = [
            MaxDepthRule,
            MaxAliasesRule,
            MaxDirectivesRule,
            CostRule,
        ]
    else:
        rules = [
            type(base.__name__, (base,), {"limits": limits, "__module__": __name__})
            for base in (MaxDepthRule, MaxAliasesRule, MaxDirectivesRule, CostRule)
        ]
    rules.append(IntrospectionCyclesRule)
    if production:
        rules.append(NoIntrospectionRule)
    return tuple(rules)


__all__ = [
    "GRAPHQL_VALIDATION_FAILED",
    "LIMIT_EXCEEDED",
    "CostRule",
    "IntrospectionCyclesRule",
    "MaxAliasesRule",
    "MaxDepthRule",
    "MaxDirectivesRule",
    "NoIntrospectionRule",
    "configured_rules",
    "cost_error",
    "document_shape",
    "limit_error",
]
