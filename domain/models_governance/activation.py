"""Maker-checker activation: one person asks to put a model or policy version in service,
another person approves (or rejects) it. Every step is audited and guarded on the request's
state, so two checkers acting at once cannot both decide it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import ActivationRequest, ModelCard, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from domain.models_governance import targets


class Kind(StrEnum):
    """What a request activates."""

    MODEL = "MODEL"
    POLICY = "POLICY"


class Status(StrEnum):
    """Where a request is; only PENDING moves."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SUPERSEDED = "SUPERSEDED"


MAX_TEXT = 2000
# who may ask and who may decide; applicants, loan officers and service accounts may do neither
REQUESTERS = (Role.RISK_MANAGER, Role.ADMIN)
CHECKERS = (Role.RISK_MANAGER,)


def _text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{field} is longer than {MAX_TEXT} characters", field=field)
    return text


async def request_activation(
    *,
    principal: Principal,
    kind: Kind | str,
    name: str,
    version: str,
    reason: str = "",
    data_dir: Path | None = None,
) -> ActivationRequest:
    """Ask for a version to be put in service, with the evidence the checker will see."""
    principal.require_role(*REQUESTERS)
    try:
        kind = Kind(kind)
    except ValueError:
        raise InvalidInput(f"kind must be MODEL or POLICY, not {kind!r}", field="kind") from None
    reason = _text(reason, "reason")
    evidence = await targets.evidence(
        kind=kind.value, name=name, version=version, data_dir=data_dir
    )
    if evidence.get("in_service"):
        raise InvalidState(f"{name} {version} is already in service", field="version")
    return await _create(principal, kind, name, version, reason, evidence)


async def _create(
    principal: Principal, kind: Kind, name: str, version: str, reason: str,
    evidence: dict[str, Any],
) -> ActivationRequest:  # fmt: skip
    async with in_transaction() as conn:
        pending = ActivationRequest.filter(
            kind=kind.value, name=name, version=version, status=Status.PENDING.value
        )
        if await pending.using_db(conn).exists():
            raise Conflict(f"a request to activate {name} {version} is already pending")
        request = await ActivationRequest.create(
            kind=kind.value, name=name, version=version, reason=reason, evidence=evidence,
            requested_by=principal.email, requested_by_id=principal.user_id,
            requested_at=datetime.now(UTC), using_db=conn,
        )  # fmt: skip
        await _audit(conn, principal, "activation.requested", request, {"reason": reason})
    return request


async def get_request_or_raise(request_id: int) -> ActivationRequest:
    """The request, or NOT_FOUND."""
    request = await ActivationRequest.get_or_none(id=request_id)
    if request is None:
        raise NotFound(f"no activation request {request_id}", field="id")
    return request


def _check_checker(principal: Principal, request: ActivationRequest) -> None:
    principal.require_role(*CHECKERS)
    if principal.user_id == request.requested_by_id or principal.email == request.requested_by:
        raise Forbidden("nobody approves or rejects their own request: another person must")
    if request.status != Status.PENDING.value:
        raise InvalidState(f"the request is {request.status}, not PENDING", field="id")


async def _decide(
    conn: BaseDBAsyncClient, principal: Principal, request: ActivationRequest, status: Status,
    comment: str,
) -> None:  # fmt: skip
    """Move PENDING -> status, guarded: zero rows moved means someone else decided first."""
    now = datetime.now(UTC)
    moved = await ActivationRequest.filter(
        id=request.id, status=Status.PENDING.value
    ).using_db(conn).update(
        status=status.value, decided_by=principal.email, decided_by_id=principal.user_id,
        decided_at=now, decision_comment=comment,
    )  # fmt: skip
    if moved != 1:
        raise Conflict("the request was decided by someone else meanwhile")
    request.status, request.decided_by, request.decided_by_id = (
        status.value, principal.email, principal.user_id
    )  # fmt: skip
    request.decided_at, request.decision_comment = now, comment


async def approve_activation(
    *, principal: Principal, request_id: int, comment: str = "", data_dir: Path | None = None
) -> ActivationRequest:
    """A second person approves: the version goes in service, the request is APPROVED and other
    pending requests for the same model or policy are SUPERSEDED, in one transaction."""
    request = await get_request_or_raise(request_id)
    _check_checker(principal, request)
    comment = _text(comment, "comment")
    await targets.check_still_there(request, data_dir=data_dir)
    async with in_transaction() as conn:
        await _decide(conn, principal, request, Status.APPROVED, comment)
        previous = await targets.put_in_service(request, conn=conn, data_dir=data_dir)
        superseded = await _supersede(conn, request)
        await _audit(
            conn, principal, "activation.approved", request,
            {"comment": comment, "previous": previous, "superseded": superseded},
        )  # fmt: skip
    await targets.after_commit(request, data_dir=data_dir)
    return request


async def reject_activation(
    *, principal: Principal, request_id: int, comment: str = ""
) -> ActivationRequest:
    """A second person rejects: nothing changes in service; the request is REJECTED."""
    request = await get_request_or_raise(request_id)
    _check_checker(principal, request)
    comment = _text(comment, "comment")
    if not comment:
        raise InvalidInput("say why the request is rejected", field="comment")
    async with in_transaction() as conn:
        await _decide(conn, principal, request, Status.REJECTED, comment)
        await _audit(conn, principal, "activation.rejected", request, {"comment": comment})
    return request


async def _supersede(conn: BaseDBAsyncClient, request: ActivationRequest) -> list[int]:
    others = ActivationRequest.filter(
        kind=request.kind, name=request.name, status=Status.PENDING.value
    ).exclude(id=request.id)
    ids = [int(r["id"]) for r in await others.using_db(conn).values("id")]
    if ids:
        await (
            ActivationRequest.filter(id__in=ids, status=Status.PENDING.value)
            .using_db(conn)
            .update(status=Status.SUPERSEDED.value)
        )
    return ids


async def _audit(
    conn: BaseDBAsyncClient, principal: Principal, action: str, request: ActivationRequest,
    extra: dict[str, Any],
) -> None:  # fmt: skip
    await audit.record(
        actor=principal.email, action=action, entity_type="ActivationRequest",
        entity_id=request.id, connection=conn,
        data={"kind": request.kind, "name": request.name, "version": request.version,
              "status": request.status, **extra},
    )  # fmt: skip


async def list_requests(
    *, principal: Principal, status: Status | str | None = None, first: int = 50
) -> list[ActivationRequest]:
    """Requests, newest first (staff)."""
    principal.require_staff()
    if not 0 <= first <= 200:
        raise InvalidInput("first must be between 0 and 200", field="first")
    query = ActivationRequest.all()
    if status is not None:
        query = query.filter(status=Status(status).value)
    return await query.order_by("-id").limit(first)


async def bootstrap_allowed(name: str) -> bool:
    """Whether a model may go in service without a second person: only while none of its name
    has ever been in service (the first installation of a bank)."""
    return not await ModelCard.filter(name=name, active=True).exists()


__all__ = [
    "CHECKERS",
    "REQUESTERS",
    "Kind",
    "Status",
    "approve_activation",
    "bootstrap_allowed",
    "get_request_or_raise",
    "list_requests",
    "reject_activation",
    "request_activation",
]
