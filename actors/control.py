"""The control channel between the app and its worker process: wake-ups and readiness.

A Unix socket pair: one end stays with the app, the other is inherited by the worker process.
Each message is one small JSON object in one packet:

    {"type": "wake"}             dispatch now: the sender committed outbox rows
    {"type": "ready", ...}       (worker to app) models loaded and scored, consuming now

SOCK_SEQPACKET keeps message boundaries and reports the peer's exit as end of file, so the
worker process stops when the app is gone. Sends never block: a wake-up that does not fit
is dropped (the dispatchers still poll), which keeps `notify` safe on any thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("ipcredit.control")

Message = dict[str, Any]
MAX_MESSAGE = 65_536
WAKE = {"type": "wake"}


def _kind() -> int:
    return getattr(socket, "SOCK_SEQPACKET", socket.SOCK_DGRAM)


class ControlChannel:
    """One end of the channel; `listen` hands incoming messages to a callback on a loop."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @classmethod
    def pair(cls) -> tuple[ControlChannel, socket.socket]:
        """The app's end, and the socket for the worker process to inherit."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, _kind())
        theirs.set_inheritable(True)
        return cls(ours), theirs

    @classmethod
    def from_fd(cls, fd: int) -> ControlChannel:
        """The worker process's end, from the inherited file descriptor."""
        return cls(socket.socket(socket.AF_UNIX, _kind(), fileno=fd))

    def send(self, message: Message) -> bool:
        """Send without blocking; False when it did not fit or the channel is closed."""
        data = json.dumps(message, default=str).encode()
        if len(data) > MAX_MESSAGE:
            raise ValueError("control message too large")
        with self._lock:
            if self.closed:
                return False
            try:
                self.sock.send(data)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:
                return False
        return True

    def wake(self) -> None:
        """Ask the other process to dispatch now (an outbox waker)."""
        self.send(WAKE)

    async def send_surely(self, message: Message, *, within: float = 10.0) -> bool:
        """Send, retrying while the other end's buffer is full; False if it never fits."""
        deadline = time.monotonic() + within
        while not self.send(message):
            if self.closed or time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    def listen(
        self,
        loop: asyncio.AbstractEventLoop,
        on_message: Callable[[Message], None],
        on_close: Callable[[], None],
    ) -> None:
        """Call `on_message` for each message and `on_close` once at end of file, on `loop`."""
        self._loop = loop

        def readable() -> None:
            while True:
                try:
                    data = self.sock.recv(MAX_MESSAGE)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    data = b""
                if not data:
                    self._stop_listening()
                    on_close()
                    return
                try:
                    message = json.loads(data)
                except ValueError:
                    log.warning("ignoring a malformed control message")
                    continue
                if isinstance(message, dict):
                    on_message(message)

        loop.add_reader(self.sock.fileno(), readable)

    def _stop_listening(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed() and not self.closed:
            loop.remove_reader(self.sock.fileno())

    def close(self) -> None:
        """Stop listening and close this end (the other end sees end of file)."""
        self._stop_listening()
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self.sock.close()
