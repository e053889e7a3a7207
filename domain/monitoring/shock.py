"""Contagion for the API: enterprise ids in, exposed enterprises with paths out."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Enterprise
from domain.accounts.principal import Principal
from domain.errors import DomainError, ErrorCode, InvalidInput, NotFound

MAX_SHOCKED = 20


@dataclass(frozen=True)
class Step:
    """One link of a path: `source` --relation--> `target` (names for people)."""

    source: str
    relation: str
    target: str


@dataclass(frozen=True)
class Exposed:
    """An exposed enterprise, its graph risk before and after, and how it is linked."""

    enterprise_id: int
    risk_before: float
    risk_after: float
    path: tuple[Step, ...]


@dataclass(frozen=True)
class Report:
    """The shocked enterprises and who is exposed, most affected first."""

    source_ids: tuple[int, ...]
    exposed: tuple[Exposed, ...]
    model_version: str


async def simulate(*, principal: Principal, enterprise_ids: list[int], hops: int = 2) -> Report:
    """Mark the enterprises defaulted, re-score their neighbourhood, list who is exposed (staff)."""
    from gnn import service
    from gnn.errors import GraphRiskError

    principal.require_staff()
    if not enterprise_ids:
        raise InvalidInput("name at least one enterprise", field="enterpriseIds")
    if len(enterprise_ids) > MAX_SHOCKED:
        raise InvalidInput(f"at most {MAX_SHOCKED} enterprises at once", field="enterpriseIds")
    if not 1 <= hops <= 4:
        raise InvalidInput("hops must be between 1 and 4", field="hops")
    rows = dict(await Enterprise.filter(id__in=enterprise_ids).values_list("id", "uscc"))
    missing = [i for i in enterprise_ids if i not in rows]
    if missing:
        raise NotFound("no such enterprise", field="enterpriseIds")
    try:
        result = await service.simulate_shock(usccs=[rows[i] for i in enterprise_ids], hops=hops)
    except GraphRiskError as exc:
        raise DomainError(exc.message, code=ErrorCode(exc.code), field=exc.field) from exc
    ids = dict(
        await Enterprise.filter(uscc__in=[e.uscc for e in result.exposed]).values_list("uscc", "id")
    )
    exposed = tuple(
        Exposed(
            enterprise_id=ids[e.uscc],
            risk_before=e.risk_before,
            risk_after=e.risk_after,
            path=tuple(
                Step(
                    source=s.source_name or s.source,
                    relation=s.relation,
                    target=s.target_name or s.target,
                )
                for s in e.path
            ),
        )
        for e in result.exposed
        if e.uscc in ids
    )
    return Report(tuple(enterprise_ids), exposed, result.model_version)
