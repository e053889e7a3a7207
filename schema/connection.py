"""Relay-style connections: one generic `Connection[T]` reading a `resolvers.connection.Page`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema

from resolvers.connection import Page

T = TypeVar("T")


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="A record in a list.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Cursor of this edge.")
    node: T = strawberry.field(description="The record.")


@strawberry.type(description="A page of records.")
class Connection(Generic[T]):
    @strawberry.field(description="The page.")
    def edges(self, root: strawberry.Parent[Page[Any]]) -> list[Edge[T]]:
        items: list[Any] = root.items  # each reads as an Edge: cursor and node
        return items

    @strawberry.field(description="Paging state.")
    def page_info(self, root: strawberry.Parent[Page[Any]]) -> PageInfo:
        page: Any = root  # a Page has has_next_page and end_cursor
        return page

    @strawberry.field(description="All matches, across pages.")
    def total_count(self, root: strawberry.Parent[Page[Any]]) -> int:
        # a list counts when its query selects totalCount (resolvers.selection)
        total = root.total_count
        if total is None:
            raise RuntimeError("the list was not counted")
        return total


@dataclass(frozen=True)
class Wording:
    """How the API describes the pages of one kind of node."""

    page: str
    item: str
    node: str
    total: str = "All matches, across pages."


# strawberry gives every specialisation the generic's descriptions; clients read these
WORDING: dict[str, Wording] = {
    "Enterprise": Wording("A page of enterprises.", "An enterprise in a list.", "The enterprise."),
    "Patent": Wording(
        "A page of patents.", "A patent in a list.", "The patent.", "All patents, across pages."
    ),
    "Litigation": Wording(
        "A page of cases.", "A case in a list.", "The case.", "All cases, across pages."
    ),
    "LoanApplication": Wording(
        "A page of applications.", "An application in a list.", "The application."
    ),
    "Warning": Wording("A page of warnings.", "A warning in a list.", "The warning."),
    "Repayment": Wording(
        "A page of repayments.", "A repayment in a list.", "The repayment.", "All repayments."
    ),
    "JournalEntry": Wording(
        "A page of journal entries.", "An entry in a list.", "The entry.", "All entries."
    ),
}


def describe_connections(schema: GraphQLSchema) -> None:
    """Give each served `<Node>Connection` and `<Node>Edge` its node's wording."""
    for node, wording in WORDING.items():
        connection = schema.type_map.get(f"{node}Connection")
        edge = schema.type_map.get(f"{node}Edge")
        if isinstance(connection, GraphQLObjectType):
            connection.description = wording.page
            connection.fields["totalCount"].description = wording.total
        if isinstance(edge, GraphQLObjectType):
            edge.description = wording.item
            edge.fields["node"].description = wording.node


__all__ = ["Connection", "Edge", "PageInfo", "describe_connections"]
