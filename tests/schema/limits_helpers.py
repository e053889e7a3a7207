"""Running a document through a test schema and reading the error codes of the result."""

from __future__ import annotations

from typing import Any

from strawberry.types import ExecutionResult

from .conftest import nested


async def run(schema: Any, query: str, variables: dict[str, Any] | None = None) -> ExecutionResult:
    """Execute `query` on `schema` with these variable values."""
    return await schema.execute(query, variable_values=variables)


def codes(result: ExecutionResult) -> list[str]:
    """The `code` extension of each error, in order."""
    return [str((e.extensions or {}).get("code")) for e in result.errors or []]


def limit_kinds(result: ExecutionResult) -> list[str]:
    """The `limit` extension of each error (which limit refused it), in order."""
    return [str((e.extensions or {}).get("limit")) for e in result.errors or []]


def deep_query(depth: int) -> str:
    """Exactly `depth` levels: node, depth-2 children, name."""
    return "{ node(id: 1) { " + nested("children(first: 1)", depth - 2) + " } }"
