"""Telling a database that is away (restarting, failing over, unreachable) from other errors.

A worker whose database restarts sees its pooled connections closed ("terminating connection
due to administrator command"), then refused connections, then "the database system is
starting up". None of these says anything about the message being processed: the same work
succeeds a moment later. `database_unreachable` recognises them anywhere in an error's chain
(the ORM wraps the driver's errors).
"""

from __future__ import annotations

import asyncpg
from tortoise.exceptions import BaseORMException

_AWAY: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08: the connection does not exist, failed...
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: terminated by a restart
    asyncpg.CrashShutdownError,  # 57P02
)
# what raises a refused or reset connection (ConnectionError) on the database's behalf
_DATABASE_LAYER = (BaseORMException, asyncpg.PostgresError, asyncpg.InterfaceError)


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or an error it was raised from) means the database was away.

    A refused or reset connection counts when it is the error itself (the driver connecting)
    or the database layer's cause (the ORM's own connection error is one), not deeper in
    another library's chain: a data provider that refused a connection is not the database.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    raised_by: BaseException | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _AWAY):
            return True
        if isinstance(current, ConnectionError) and (
            raised_by is None or isinstance(raised_by, _DATABASE_LAYER)
        ):
            return True
        if isinstance(current, asyncpg.InterfaceError) and "connection is closed" in str(current):
            return True
        raised_by, current = current, current.__cause__ or current.__context__
    return False
