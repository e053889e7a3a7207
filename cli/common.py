"""What every command shares: the configured database around an async command, stderr notes."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

from config import settings

T = TypeVar("T")

# argparse keeps its subparser collection private; every module registers into one of these
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def run_with_db(work: Callable[[], Awaitable[T]]) -> T:
    """Run an async command with the configured database open, closing it whatever happens."""
    from db.connection import close_db, init_db

    async def main() -> T:
        await init_db(settings().database_url)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(main())


def note(message: str) -> None:
    """Say something on stderr at once (stdout is kept for machine-readable results)."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str) -> int:
    """Say why a command cannot go on and give its exit code for refused input (2)."""
    note(message)
    return 2
