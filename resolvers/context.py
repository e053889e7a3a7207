"""The typed request context as resolvers see it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.types import Info

if TYPE_CHECKING:
    from schema.context import Context


def ctx(info: Info) -> Context:
    """The typed request context (resolvers annotate `info` plainly: strawberry evaluates it)."""
    context: Context = info.context
    return context


__all__ = ["ctx"]
