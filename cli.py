"""The `ipcredit` command line: serve, workers, worlds, users, models, audit."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from config import settings


def run_with_db(fn: Callable[[], Awaitable[int]]) -> int:
    """Run an async command with the configured database open."""
    from db.connection import close_db, init_db

    async def main() -> int:
        await init_db(settings().database_url)
        try:
            return await fn()
        finally:
            await close_db()

    return asyncio.run(main())


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API with uvicorn."""
    import uvicorn

    from app import create_app

    uvicorn.run(
        create_app(),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        ws_max_size=1_048_576,
    )
    return 0


def cmd_world_import(args: argparse.Namespace) -> int:
    """Validate and import a world directory; on any bad line print them all and write nothing."""
    from domain.world.importer import WorldInvalid, import_world_dir

    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return 2

    def progress(name: str, done: int) -> None:
        print(f"\r{name}: {done}", end="", file=sys.stderr, flush=True)

    async def go() -> int:
        started = time.perf_counter()
        try:
            report = await import_world_dir(directory, progress=progress)
        except WorldInvalid as exc:
            print(file=sys.stderr)
            for line in exc.lines:
                print(line, file=sys.stderr)
            print(f"import refused: {exc.message}", file=sys.stderr)
            return 1
        took = time.perf_counter() - started
        print(file=sys.stderr)
        if args.json:
            print(
                json.dumps({"added": report.added, "unchanged": report.unchanged, "seconds": took})
            )
        print(
            f"imported {report.total_added} records "
            f"({sum(report.unchanged.values())} already present) in {took:.1f} s",
            file=sys.stderr,
        )
        return 0

    return run_with_db(go)


def cmd_world_export(args: argparse.Namespace) -> int:
    """Export the database's world to a directory."""
    from domain.world.exporter import export_world

    async def go() -> int:
        counts = await export_world(Path(args.dir))
        if args.json:
            print(json.dumps(counts))
        print(f"exported {sum(counts.values())} records to {args.dir}", file=sys.stderr)
        return 0

    return run_with_db(go)


def cmd_user_create(args: argparse.Namespace) -> int:
    """Create a staff (or service) account."""
    from db.models import Role
    from domain.accounts.service import create_staff_user
    from domain.errors import DomainError

    async def go() -> int:
        try:
            user = await create_staff_user(
                email=args.email, password=args.password, role=Role(args.role)
            )
        except DomainError as exc:
            print(f"error ({exc.code}): {exc.message}", file=sys.stderr)
            return 1
        print(f"created {user.role} {user.email} (id {user.id})", file=sys.stderr)
        return 0

    return run_with_db(go)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Verify the audit hash chain; exit 1 and say where it breaks."""
    from domain.audit import verify_chain

    async def go() -> int:
        report = await verify_chain()
        if args.json:
            print(json.dumps(report.__dict__))
        if report.ok:
            print(f"audit chain intact: {report.entries} entries", file=sys.stderr)
            return 0
        print(f"audit chain BROKEN at seq {report.broken_at_seq}: {report.reason}", file=sys.stderr)
        return 1

    return run_with_db(go)


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate (once) and import the demo world, seed products and demo accounts."""
    from domain.demo import load_demo

    async def go() -> int:
        summary: dict[str, Any] = await load_demo(
            data_dir=settings().data_dir, enterprises=args.enterprises, seed=args.seed
        )
        print(
            json.dumps(summary) if args.json else summary,
            file=sys.stdout if args.json else sys.stderr,
        )
        return 0

    return run_with_db(go)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command group."""
    parser = argparse.ArgumentParser(
        prog="ipcredit",
        description="Lending to technology SMEs against their intellectual property. "
        "Configuration comes from DATABASE_URL, BROKER_URL, IPCREDIT_DATA_DIR, IPCREDIT_ENV and "
        "IPCREDIT_JWT_SECRET (see the README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the GraphQL API (GraphiQL in development)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.set_defaults(func=cmd_serve)

    world = sub.add_parser("world", help="generate, import, export or replay a world")
    world_sub = world.add_subparsers(dest="world_command", required=True, metavar="ACTION")
    imp = world_sub.add_parser(
        "import", help="validate and import a world directory (all or nothing)"
    )
    imp.add_argument("dir", help="directory of JSON Lines files")
    imp.add_argument("--json", action="store_true", help="print counts as JSON on stdout")
    imp.set_defaults(func=cmd_world_import)
    exp = world_sub.add_parser("export", help="export the database's world to a directory")
    exp.add_argument("dir", help="output directory")
    exp.add_argument("--json", action="store_true", help="print counts as JSON on stdout")
    exp.set_defaults(func=cmd_world_export)

    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = user_sub.add_parser("create", help="create a staff or service account")
    create.add_argument(
        "--role", required=True, choices=["LOAN_OFFICER", "RISK_MANAGER", "ADMIN", "SERVICE"]
    )
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.set_defaults(func=cmd_user_create)

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="verify the hash chain; says where it breaks")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_audit_verify)

    demo = sub.add_parser("demo", help="load the demo world, products and demo accounts")
    demo.add_argument("--enterprises", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(func=cmd_demo)

    for register in _registrations():
        register(sub, world_sub)
    return parser


def _registrations() -> list[Callable[[Any, Any], None]]:
    """Commands contributed by each area."""
    from actors import commands as actor_commands
    from domain.indicators import commands as indicators_commands
    from domain.lending import commands as lending_commands
    from domain.scoring import commands as scoring_commands
    from domain.world import commands as world_commands
    from domain.world.frames import frames_from_dir
    from gnn import commands as gnn_commands

    return [
        lambda sub, world_sub: world_commands.register(world_sub),
        lambda sub, world_sub: actor_commands.register(sub),
        lambda sub, world_sub: actor_commands.register_world(world_sub),
        lambda sub, world_sub: indicators_commands.register(sub),
        lambda sub, world_sub: scoring_commands.register(sub),
        lambda sub, world_sub: lending_commands.register(sub),
        lambda sub, world_sub: scoring_commands.register_train(sub),
        lambda sub, world_sub: gnn_commands.register(sub, read_world=frames_from_dir),
    ]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ipcredit` console script."""
    from config import configure_logging

    configure_logging(settings().log_level)
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
