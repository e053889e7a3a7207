"""The app's worker process in the embedded default: started, watched, restarted, stopped.

`ipcredit serve` without BROKER_URL runs the Dramatiq workers and the sweep scheduler in one
child process (actors.embedded), not on the API's interpreter, so requests never wait behind
them. The app starts it in its lifespan before serving, restarts it with growing pauses when
it dies, and stops it (SIGTERM, then SIGKILL after STOP_SECONDS) when it shuts down. The
child writes its logs to the same stderr, and reports through the control channel when its
models are loaded and it consumes: until then the app is not ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

from actors.broker import get_broker, in_process
from actors.control import ControlChannel, Message
from domain.messaging import outbox

log = logging.getLogger("ipcredit.supervisor")

# the worker process waits up to 30 s for running actors when it stops
STOP_SECONDS = 40.0
BACKOFF_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_SECONDS = 60.0
POLL_SECONDS = 0.5


def runs_apart(database_url: str) -> bool:
    """Whether the embedded default's work can run in a worker process of its own.

    Not with a broker (separate `ipcredit worker` processes do the work), nor with an
    in-memory SQLite database, which no other process can see.
    """
    return in_process(get_broker()) and ":memory:" not in database_url


def worker_command() -> list[str]:
    """The worker process's command line (without the control channel argument)."""
    return [sys.executable, "-m", "actors.embedded"]


class WorkerProcess:
    """The supervised worker process; `state` is starting, ready, restarting or stopped."""

    def __init__(
        self, *, command: list[str] | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.command = command or worker_command()
        self.env = dict(env) if env is not None else None
        self.state = "stopped"
        self.report: dict[str, Any] = {}
        self.restarts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._channel: ControlChannel | None = None
        self._task: asyncio.Task[None] | None = None
        self._started_at = 0.0
        self._stopping = False

    @property
    def pid(self) -> int | None:
        """The running worker process's id."""
        return None if self.process is None else self.process.pid

    @property
    def ready(self) -> bool:
        """True once the worker process reported its models loaded and consumes."""
        return self.state == "ready"

    def readiness(self) -> dict[str, Any]:
        """Where the worker process stands, for /readyz."""
        return {"state": self.state, "pid": self.pid, "restarts": self.restarts}

    async def start(self) -> None:
        """Start the worker process and watch it."""
        self._stopping = False
        self._spawn()
        self._task = asyncio.get_running_loop().create_task(self._supervise())

    def _spawn(self) -> None:
        channel, theirs = ControlChannel.pair()
        try:
            self.process = subprocess.Popen(
                [*self.command, "--control-fd", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env=self.env,
                # its own session: a Ctrl-C at the terminal reaches the app, which stops it
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._channel = channel
        self.state, self.report = "starting", {}
        self._started_at = time.monotonic()
        channel.listen(asyncio.get_running_loop(), self._on_message, lambda: None)
        outbox.add_waker(channel.wake)
        log.info("worker process %s started", self.process.pid)

    def _on_message(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "wake":
            outbox.wake_local()
        elif kind == "ready":
            self.report = {k: v for k, v in message.items() if k != "type"}
            self.state = "ready"
            log.info("worker process %s ready", self.pid, extra={"models": self.report})

    def _drop_channel(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None:
            outbox.remove_waker(channel.wake)
            channel.close()

    async def _supervise(self) -> None:
        failures = 0
        while not self._stopping:
            await asyncio.sleep(POLL_SECONDS)
            process = self.process
            if process is None or process.poll() is None:
                continue
            self._drop_channel()
            ran = time.monotonic() - self._started_at
            failures = 0 if ran > STABLE_SECONDS else failures + 1
            delay = BACKOFF_SECONDS[min(max(failures - 1, 0), len(BACKOFF_SECONDS) - 1)]
            self.state = "restarting"
            self.restarts += 1
            log.error(
                "worker process %s exited with %s after %.0f s; restarting in %.0f s",
                process.pid, process.returncode, ran, delay,
            )  # fmt: skip
            await asyncio.sleep(delay)
            if not self._stopping:
                self._spawn()

    async def stop(self) -> None:
        """Stop watching, then stop the worker process: SIGTERM, and SIGKILL if it lingers."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, STOP_SECONDS)
            except subprocess.TimeoutExpired:
                log.warning("worker process %s did not stop in time; killing it", process.pid)
                process.kill()
                await asyncio.to_thread(process.wait)
        self._drop_channel()
        self.state = "stopped"


def child_environment(database_url: str) -> dict[str, str]:
    """The app's environment, with the database it was given."""
    return {**os.environ, "DATABASE_URL": database_url}
