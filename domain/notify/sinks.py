"""Notifiers that deliver nothing outside: a JSON Lines file, the log, or a refusal.

The file and the log sinks are for development and demos: they write the whole notice,
deposit amounts and codes included, so that a developer can complete a verification.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from pathlib import Path

from domain.notify.base import Notice, NotifyError

log = logging.getLogger("ipcredit.notify")


class FileNotifier:
    """Appends each notice as one JSON object per line to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    async def send(self, notice: Notice) -> None:
        """Append the notice."""
        line = json.dumps(notice.as_record(), ensure_ascii=False) + "\n"
        try:
            await asyncio.to_thread(self._append, line)
        except OSError as exc:
            raise NotifyError(f"cannot write notifications: {exc.strerror}") from exc
        log.info("notice %s for %s to %s", notice.kind.value, notice.uscc, notice.as_record()["to"])

    def _append(self, line: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)


class LogNotifier:
    """Writes each notice to the log."""

    async def send(self, notice: Notice) -> None:
        """Log the notice."""
        log.info("notice %s", json.dumps(notice.as_record(), ensure_ascii=False))


class NoChannel:
    """No channel is configured: every notice is refused (production must plug one in)."""

    async def send(self, notice: Notice) -> None:
        """Refuse."""
        raise NotifyError("no notification channel is configured (IPCREDIT_NOTIFIER)")


__all__ = ["FileNotifier", "LogNotifier", "NoChannel"]
