"""The `ipcredit` command line: serve, workers, worlds, users, models, audit."""

from __future__ import annotations

import argparse

from cli import (
    audit,
    decision,
    demo,
    gnn,
    governance,
    indicators,
    ledger,
    loans,
    models,
    products,
    provider,
    roles,
    serve,
    users,
    workers,
    world,
)
from config import settings


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command group."""
    parser = argparse.ArgumentParser(
        prog="ipcredit",
        description="Lending to technology SMEs against their intellectual property. "
        "Configuration comes from DATABASE_URL, BROKER_URL, IPCREDIT_DATA_DIR, IPCREDIT_ENV and "
        "IPCREDIT_JWT_SECRET (see the README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # the order here is the order `ipcredit --help` lists the commands in
    for register in (
        serve.register,
        world.register,
        provider.register,
        users.register,
        roles.register,  # `user role`: after `users`, which adds the `user` group
        audit.register,
        demo.register,
        workers.register,
        indicators.register,
        models.register_scorecard,
        loans.register,
        ledger.register,
        products.register,
        models.register_train,
        gnn.register,
        governance.register,
        decision.register,
    ):
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ipcredit` console script."""
    from domain.observability import configure_logging

    configure_logging(settings().log_level)
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result
