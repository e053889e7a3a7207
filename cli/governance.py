"""`ipcredit models ...`: maker-checker activation of model and policy versions, the list of
models with their monitoring, and a monitoring run.

The command line trusts `--as EMAIL` the way it trusts whoever holds the database: the named
account must exist and have the role the action needs, and the audit log names it.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any

from cli.common import Subparsers, fail, note, run_with_db
from domain.accounts.principal import Principal
from domain.errors import DomainError


async def operator(email: str | None) -> Principal:
    """The account named by --as, or (without one) the command line's operator, an admin."""
    from db.models import Role, User
    from domain.errors import NotFound

    if email is None:
        return Principal(user_id=0, email=f"cli:{getpass.getuser()}", role=Role.ADMIN)
    user = await User.get_or_none(email=email.strip().lower())
    if user is None:
        raise NotFound(f"no account {email}", field="as")
    return Principal(user_id=user.id, email=user.email, role=user.role)


def _request_json(r: Any) -> dict[str, Any]:
    keys = ("id", "kind", "name", "version", "status", "reason", "requested_by", "decided_by",
            "decision_comment", "evidence")  # fmt: skip
    out = {k: getattr(r, k) for k in keys}
    out["requested_at"] = r.requested_at.isoformat()
    out["decided_at"] = None if r.decided_at is None else r.decided_at.isoformat()
    return out


def cmd_activate(args: argparse.Namespace) -> int:
    """Request, approve or reject the activation of a version; prints the request as JSON."""
    from domain import models_governance as gov

    async def go() -> Any:
        who = await operator(args.as_email)
        if args.request:
            if not args.name or not args.version:
                raise DomainError("--request needs --name and --version", field="name")
            return await gov.request_activation(
                principal=who, kind=args.kind, name=args.name, version=args.version,
                reason=args.reason,
            )  # fmt: skip
        if args.approve is not None:
            return await gov.approve_activation(
                principal=who, request_id=args.approve, comment=args.comment
            )
        return await gov.reject_activation(
            principal=who, request_id=args.reject, comment=args.comment
        )

    try:
        request = run_with_db(go)
    except DomainError as exc:
        return fail(f"error ({exc.code}): {exc.message}")
    print(json.dumps(_request_json(request), ensure_ascii=False, default=str))
    note(f"request {request.id}: {request.kind} {request.name} {request.version} {request.status}")
    return 0


def cmd_requests(args: argparse.Namespace) -> int:
    """List activation requests, newest first, as JSON lines."""
    from domain.models_governance import list_requests

    async def go() -> list[Any]:
        return await list_requests(
            principal=await operator(args.as_email), status=args.status, first=args.first
        )

    try:
        rows = run_with_db(go)
    except DomainError as exc:
        return fail(f"error ({exc.code}): {exc.message}")
    for r in rows:
        print(json.dumps(_request_json(r), ensure_ascii=False, default=str))
    return 0


def cmd_monitor(args: argparse.Namespace) -> int:
    """Measure drift and monthly AUC of every model in service; print each card's result."""
    from domain.models_governance.monitoring import monitor_models

    async def go() -> list[dict[str, Any]]:
        cards = await monitor_models(actor=(await operator(args.as_email)).email)
        return [{"name": c.name, "version": c.version, **c.metrics["monitoring"]} for c in cards]

    try:
        found = run_with_db(go)
    except DomainError as exc:
        return fail(f"error ({exc.code}): {exc.message}")
    for row in found:
        print(json.dumps(row, ensure_ascii=False, default=str))
        drift = row.get("drift") or {}
        note(f"{row['name']} {row['version']}: max PSI {drift.get('max_psi')}, "
             f"warning {row.get('level') or 'none'}")  # fmt: skip
    return 0


def register(sub: Subparsers) -> None:
    """Add the `models` group."""
    group = sub.add_parser("models", help="model governance: activation requests, monitoring")
    actions = group.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    act = actions.add_parser(
        "activate", help="request, approve or reject putting a model or policy version in service"
    )
    how = act.add_mutually_exclusive_group(required=True)
    how.add_argument("--request", action="store_true", help="ask for --name --version")
    how.add_argument("--approve", type=int, metavar="ID", help="approve request ID")
    how.add_argument("--reject", type=int, metavar="ID", help="reject request ID (--comment)")
    act.add_argument("--kind", choices=["MODEL", "POLICY"], default="MODEL")
    act.add_argument("--name", help="model name (scorecard, valuation, gnn) or `decision`")
    act.add_argument("--version", help="the version to put in service")
    act.add_argument("--reason", default="", help="why (with --request)")
    act.add_argument("--comment", default="", help="the checker's comment")
    act.add_argument("--as", dest="as_email", help="the staff account acting (email)")
    act.set_defaults(func=cmd_activate)
    req = actions.add_parser("requests", help="list activation requests (JSON lines)")
    req.add_argument("--status", choices=["PENDING", "APPROVED", "REJECTED", "SUPERSEDED"])
    req.add_argument("--first", type=int, default=50)
    req.add_argument("--as", dest="as_email", help="the staff account acting (email)")
    req.set_defaults(func=cmd_requests)
    mon = actions.add_parser("monitor", help="measure drift (PSI) and monthly AUC of the models")
    mon.add_argument("--as", dest="as_email", help="the account named in the audit log")
    mon.set_defaults(func=cmd_monitor)
