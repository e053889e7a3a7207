"""`ipcredit worker` and `ipcredit scheduler` refuse to run without a real broker."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.helpers import run_process


def test_worker_and_scheduler_need_a_real_broker(tmp_path: Path) -> None:
    env = {**os.environ, "IPCREDIT_DATA_DIR": str(tmp_path)}
    env.pop("BROKER_URL", None)
    for command in (("worker",), ("scheduler",)):
        done = run_process(*command, env=env)
        assert done.returncode == 2 and "BROKER_URL is not set" in done.stderr
