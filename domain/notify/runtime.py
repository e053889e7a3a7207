"""The notifier this process uses, chosen by `IPCREDIT_NOTIFIER`.

- `file` (the development default): `notifications.jsonl` in the data directory;
- `log`: the application log;
- `none` (the production default): refuse, so nothing pretends to be sent;
- `package.module:name`: the bank's own channel, a `Notifier` or a function returning one.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path

from config import settings
from domain.notify.base import Notifier
from domain.notify.sinks import FileNotifier, LogNotifier, NoChannel

NOTIFICATIONS_FILE = "notifications.jsonl"


def current_notifier() -> Notifier:
    """The configured notifier."""
    s = settings()
    return _notifier(s.notifier, s.data_dir)


@lru_cache(maxsize=8)
def _notifier(spec: str, data_dir: Path) -> Notifier:
    if spec == "file":
        return FileNotifier(data_dir / NOTIFICATIONS_FILE)
    if spec == "log":
        return LogNotifier()
    if spec == "none":
        return NoChannel()
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(
            f"IPCREDIT_NOTIFIER must be file, log, none or package.module:name, not {spec!r}"
        )
    found = getattr(importlib.import_module(module_name), attr)
    notifier: Notifier = found() if isinstance(found, type) or not hasattr(found, "send") else found
    return notifier


__all__ = ["NOTIFICATIONS_FILE", "current_notifier"]
