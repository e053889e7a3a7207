"""Training and the maker-checker rule: a trained version goes in service at once only in a
bootstrap (no version of that model was in service before); otherwise the previous version stays
in service and an activation request for the new one waits for a second person."""

from __future__ import annotations

from pathlib import Path

from tortoise.transactions import in_transaction

from db.models import ActivationRequest, ModelCard
from domain import audit
from domain.accounts.principal import Principal
from domain.models_governance.activation import Kind, _create
from domain.models_governance.targets import GRAPH, evidence


async def models_in_service() -> dict[str, str]:
    """name -> version of every model in service (taken before training)."""
    rows = await ModelCard.filter(active=True).values("name", "version")
    return {str(r["name"]): str(r["version"]) for r in rows}


async def stage_trained(
    *,
    before: dict[str, str],
    trained: list[tuple[str, str]],
    principal: Principal,
    data_dir: Path | None = None,
) -> list[ActivationRequest]:
    """After training: keep bootstrapped models in service (audited as such); put the previous
    version of every other model back in service and file a request for the new one."""
    requests: list[ActivationRequest] = []
    for name, version in trained:
        previous = before.get(name)
        if previous == version:
            continue
        if previous is None:
            await audit.record(
                actor=principal.email, action="activation.bootstrap", entity_type="ModelCard",
                entity_id=f"{name}:{version}", data={"name": name, "version": version},
            )  # fmt: skip
            continue
        await _restore(name, previous, data_dir)
        proof = await evidence(kind="MODEL", name=name, version=version, data_dir=data_dir)
        reason = f"trained by {principal.email}; {previous} stays in service until approved"
        requests.append(await _create(principal, Kind.MODEL, name, version, reason, proof))
    return requests


async def _restore(name: str, version: str, data_dir: Path | None) -> None:
    """Make `version` the only active one of `name` again (and the graph model's pointer)."""
    async with in_transaction() as conn:
        await ModelCard.filter(name=name, active=True).using_db(conn).update(active=False)
        await ModelCard.filter(name=name, version=version).using_db(conn).update(active=True)
        if name == GRAPH:
            from config import settings
            from gnn.registry import activate_version
            from gnn.service import invalidate

            activate_version(data_dir if data_dir is not None else settings().data_dir, version)
            invalidate()


__all__ = ["models_in_service", "stage_trained"]
