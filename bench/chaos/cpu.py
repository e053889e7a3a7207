"""CPU seconds each part of the chaos stack spent under load (Linux /proc), to show where the
machine's cores went: the API replicas, the workers, PostgreSQL, Redis and Locust itself.

A process group's figure is the user and system time of every live process in the group,
plus what its leader collected from children it waited for; PostgreSQL's is the postmaster's
(with its ended backends) and its live children's. A worker killed by the fault script takes
what it spent with it, so that part is a lower bound in runs with faults.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from `state` on


def _seconds(fields: list[str], *, waited: bool) -> float:
    # utime, stime, cutime, cstime are fields 14-17 of stat; `state` is field 3
    own = int(fields[11]) + int(fields[12])
    children = int(fields[13]) + int(fields[14]) if waited else 0
    return (own + children) / TICK


def _processes() -> list[tuple[int, list[str]]]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            out.append((int(entry.name), fields))
    return out


def group_seconds(leader: int) -> float:
    """CPU seconds of the process group led by `leader` (0 when it is gone)."""
    total = 0.0
    for pid, fields in _processes():
        if int(fields[2]) == leader:  # pgrp
            total += _seconds(fields, waited=pid == leader)
    return total


def tree_seconds(root: int) -> float:
    """CPU seconds of `root` (with the children it waited for) and its live children."""
    total = 0.0
    for pid, fields in _processes():
        if pid == root:
            total += _seconds(fields, waited=True)
        elif int(fields[1]) == root:  # ppid
            total += _seconds(fields, waited=False)
    return total


def children_seconds() -> float:
    """CPU seconds of the children this process has waited for (Locust, once it exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def postmaster_pid(data_directory: Path) -> int | None:
    """The running postmaster of a cluster (first line of postmaster.pid), None when down."""
    try:
        return int((data_directory / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
