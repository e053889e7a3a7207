"""The regulator's inclusive-finance report."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.credit import regulator as reg
from domain.errors import DomainError
from resolvers.errors import graphql_error
from resolvers.loanbook import in_role_order, require_roles

ROLES = in_role_order(reg.READERS)


async def regulator_report(info: Info, month: str) -> Any:
    """The month's figures (loan officers and risk managers)."""
    principal = require_roles(info, *ROLES)
    try:
        return await reg.report(principal=principal, month=month)
    except DomainError as exc:
        raise graphql_error(exc) from exc
