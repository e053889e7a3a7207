"""Fields every record type shares."""

from __future__ import annotations

from typing import Any

import strawberry

from resolvers.ids import encode_id


def opaque_id(type_name: str) -> Any:
    """The `id` field of a record type: its key wrapped with the type's name."""

    def resolve(root: strawberry.Parent[Any]) -> strawberry.ID:
        return strawberry.ID(encode_id(type_name, root.id))

    return strawberry.field(resolver=resolve, description="Opaque id.")


__all__ = ["opaque_id"]
