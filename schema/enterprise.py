"""Root fields of enterprises."""

from __future__ import annotations

import strawberry

import resolvers.enterprise
from schema.connection import Connection
from schema.types.enterprise import Enterprise


@strawberry.type
class EnterpriseQuery:
    enterprise: Enterprise | None = strawberry.field(
        resolver=resolvers.enterprise.enterprise,
        description="An enterprise by id (null when unknown or not yours).",
    )
    enterprise_by_uscc: Enterprise | None = strawberry.field(
        resolver=resolvers.enterprise.enterprise_by_uscc,
        description="An enterprise by USCC (null when unknown or not yours).",
    )
    enterprises: Connection[Enterprise] = strawberry.field(
        resolver=resolvers.enterprise.enterprises,
        description="Enterprises by name or USCC prefix; applicants see their own.",
    )
