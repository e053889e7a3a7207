"""What an activation request points at: a model card (name + version) or a decision policy
version; what a checker sees about it, and how it is put in service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import ActivationRequest, ModelCard
from domain.decision.policy import POLICY_NAME, active_policy_version
from domain.errors import InvalidInput, InvalidState, NotFound

GRAPH = "gnn"
HEADLINE = ("auc", "ks", "gini", "brier", "spearman", "baseline_spearman", "auc_graph",
            "auc_tabular", "n_train", "n_test", "split", "train_as_of", "test_as_of",
            "selected", "selection")  # fmt: skip


def headline(metrics: dict[str, Any] | None) -> dict[str, Any]:
    """The figures a checker compares."""
    return {k: v for k, v in (metrics or {}).items() if k in HEADLINE}


def _policy(version: str) -> Any:
    from domain.decision.policy import load_policy

    try:
        return load_policy(version)
    except FileNotFoundError:
        raise NotFound(f"no decision policy {version}", field="version") from None
    except (ValueError, KeyError) as exc:
        raise InvalidInput(
            f"decision policy {version} cannot be used: {exc}", field="version"
        ) from exc


async def evidence(
    *, kind: str, name: str, version: str, data_dir: Path | None = None
) -> dict[str, Any]:
    """The candidate's and the incumbent's figures, and whether the candidate is in service."""
    if kind == "POLICY":
        if name != POLICY_NAME:
            raise InvalidInput(f"a policy request names {POLICY_NAME!r}", field="name")
        policy = _policy(version)
        current = await active_policy_version()
        return {
            "in_service": current == version,
            "candidate": {"version": version, "sha256": policy.sha256},
            "incumbent": {"version": current, "sha256": _policy(current).sha256},
        }
    card = await ModelCard.get_or_none(name=name, version=version)
    if card is None:
        raise NotFound(f"no trained model {name} {version}", field="version")
    _check_files(card, data_dir)
    incumbent = await ModelCard.filter(name=name, active=True).first()
    return {
        "in_service": card.active,
        "candidate": {"version": version, "trained_at": str(card.trained_at),
                      "metrics": headline(card.metrics)},
        "incumbent": None if incumbent is None else {
            "version": incumbent.version, "trained_at": str(incumbent.trained_at),
            "metrics": headline(incumbent.metrics)},
    }  # fmt: skip


def _root(data_dir: Path | None) -> Path:
    from config import settings

    return data_dir if data_dir is not None else settings().data_dir


def _check_files(card: ModelCard, data_dir: Path | None) -> None:
    """A version whose file is gone cannot go in service."""
    if card.path and not (_root(data_dir) / card.path).exists():
        raise InvalidState(f"the file of {card.name} {card.version} is missing", field="version")


async def check_still_there(request: ActivationRequest, *, data_dir: Path | None) -> None:
    """Before approving: the version still exists and can be used."""
    if request.kind == "POLICY":
        _policy(request.version)
        return
    card = await ModelCard.get_or_none(name=request.name, version=request.version)
    if card is None:
        raise NotFound(f"no trained model {request.name} {request.version}", field="id")
    _check_files(card, data_dir)


async def put_in_service(
    request: ActivationRequest, *, conn: BaseDBAsyncClient, data_dir: Path | None = None
) -> str | None:
    """Make the requested version the only active one of its name (inside the approval's
    transaction); the version it replaces. A policy is in service by its approval alone."""
    if request.kind == "POLICY":
        return None  # read back by active_policy_version
    previous = await ModelCard.filter(name=request.name, active=True).using_db(conn).first()
    await ModelCard.filter(name=request.name, active=True).using_db(conn).update(active=False)
    moved = (
        await ModelCard.filter(name=request.name, version=request.version)
        .using_db(conn)
        .update(active=True)
    )
    if moved != 1:
        raise NotFound(f"no trained model {request.name} {request.version}", field="id")
    if request.name == GRAPH:
        # the graph model's file pointer moves last: if it fails, the transaction rolls back
        from gnn.errors import ModelUnavailable
        from gnn.registry import activate_version

        try:
            activate_version(_root(data_dir), request.version)
        except ModelUnavailable as exc:
            raise InvalidState(str(exc), field="id") from exc
    return None if previous is None else previous.version


async def after_commit(request: ActivationRequest, *, data_dir: Path | None = None) -> None:
    """Forget what this process loaded of the old version."""
    if request.kind == "MODEL" and request.name == GRAPH:
        from gnn.service import invalidate

        invalidate()


__all__ = [
    "POLICY_NAME",
    "active_policy_version",
    "after_commit",
    "check_still_there",
    "evidence",
    "headline",
    "put_in_service",
]
