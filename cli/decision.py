"""`ipcredit decision replay ID`: recompute a stored decision and show what differs."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from cli.common import Subparsers, fail, note, run_with_db
from domain.errors import DomainError


def cmd_replay(args: argparse.Namespace) -> int:
    """Print the replay as JSON; exit 0 when it comes out the same, 1 when a field differs."""
    from domain.models_governance.replay import DecisionReplay, replay_application

    async def go() -> DecisionReplay:
        return await replay_application(application_id=args.application_id)

    try:
        replay = run_with_db(go)
    except DomainError as exc:
        return fail(f"error ({exc.code}): {exc.message}")
    body = {"same": replay.same, **asdict(replay)}
    print(json.dumps(body, ensure_ascii=False, default=str))
    for d in replay.differences:
        note(f"{d.field}: stored {d.stored!r}, replayed {d.replayed!r}")
    for n in replay.notes:
        note(n)
    note("the replay matches the stored decision" if replay.same else "the replay differs")
    return 0 if replay.same else 1


def register(sub: Subparsers) -> None:
    """Add the `decision` group."""
    group = sub.add_parser("decision", help="stored credit decisions")
    actions = group.add_subparsers(dest="decision_command", required=True, metavar="ACTION")
    replay = actions.add_parser(
        "replay", help="recompute a decision from its stored inputs and versions; show differences"
    )
    replay.add_argument("application_id", type=int, help="the application's number")
    replay.set_defaults(func=cmd_replay)
