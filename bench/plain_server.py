"""The yardstick servers: a plain Strawberry schema and a raw Starlette endpoint, from memory.

    uvicorn --app-dir bench plain_server:app

`POST /graphql` is Strawberry with no extensions, no authentication and no database:
`{ rows(first: 100) { id uscc name foundedOn status } }` returns rows built once at start-up.
`POST /raw` answers `{"data": {"__typename": "Query"}}` straight from Starlette: the floor any
GraphQL request on this machine stands on.
"""

from __future__ import annotations

from datetime import date, timedelta

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

ROWS = 100
LIST_QUERY = f"{{ rows(first: {ROWS}) {{ id uscc name foundedOn status }} }}"


@strawberry.type
class Row:
    """Five scalar fields, as an enterprise in a list has."""

    id: strawberry.ID
    uscc: str
    name: str
    founded_on: date
    status: str


ALL_ROWS = [
    Row(
        id=strawberry.ID(f"RW50ZXJwcmlzZTo{i}"),
        uscc=f"913401{i:012d}",
        name=f"Enterprise {i} Technology Co., Ltd.",
        founded_on=date(2000, 1, 1) + timedelta(days=37 * i),
        status="active",
    )
    for i in range(1000)
]


@strawberry.type
class Query:
    """Rows from memory."""

    @strawberry.field
    def rows(self, first: int = 20) -> list[Row]:
        """The first `first` rows."""
        return ALL_ROWS[:first]


schema = strawberry.Schema(query=Query)


async def raw(request: Request) -> Response:
    """What `{ __typename }` answers, without GraphQL (the body is read and parsed all the same)."""
    await request.json()
    return JSONResponse({"data": {"__typename": "Query"}})


app = Starlette(
    routes=[Route("/graphql", GraphQL(schema)), Route("/raw", raw, methods=["GET", "POST"])]
)
