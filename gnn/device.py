"""Which torch device the graph model runs on (GNN_DEVICE: cpu, cuda or auto)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from gnn.errors import InvalidGraphInput


def resolve_device(setting: str | None = None) -> torch.device:
    """The device named by `setting` or the GNN_DEVICE environment variable (default cpu)."""
    value = (setting if setting is not None else os.environ.get("GNN_DEVICE", "cpu")).lower()
    if value == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if value == "cuda":
        if not torch.cuda.is_available():
            raise InvalidGraphInput("GNN_DEVICE=cuda but no CUDA device is available")
        return torch.device("cuda")
    if value == "cpu":
        return torch.device("cpu")
    raise InvalidGraphInput(f"GNN_DEVICE must be cpu, cuda or auto, not {value!r}")


def cpu_threads() -> int:
    """Threads for graph work on CPU (GNN_CPU_THREADS, default 1).

    The sparse products do not get faster with a second thread here, and on a busy machine a
    spinning thread pool makes them several times slower: one thread is both fast and steady.
    """
    value = os.environ.get("GNN_CPU_THREADS", "1")
    try:
        n = int(value)
    except ValueError as exc:
        raise InvalidGraphInput(f"GNN_CPU_THREADS must be an integer, not {value!r}") from exc
    return max(n, 1)


@contextmanager
def graph_threads(device: torch.device) -> Iterator[None]:
    """Run the enclosed CPU graph work on `cpu_threads()` threads, then restore the setting."""
    wanted = cpu_threads()
    previous = torch.get_num_threads()
    if device.type != "cpu" or previous == wanted:
        yield
        return
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_GLIBC_MMAP_MAX = 65536
_GLIBC_TRIM_THRESHOLD = 128 * 1024
_heap_lock = threading.Lock()
_heap_users = 0


def _libc() -> Any | None:
    """glibc's allocator controls, or None where there are none (another C library or OS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return lib if hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim") else None


@contextmanager
def reused_heap() -> Iterator[None]:
    """Keep freed large blocks for reuse during the enclosed work, then hand them back.

    glibc maps every block above its mmap threshold (32 MB at most) afresh and unmaps it when
    freed, so each new hidden-state tensor of a large graph (600,000 patents x 32 floats: 80 MB)
    starts with page faults on every page: a third of a training epoch at 100,000 firms. Inside,
    large blocks come from the heap and freed ones are reused; on leaving, the default limits
    come back and the free heap is returned to the system (`malloc_trim`). A no-op elsewhere.
    """
    global _heap_users
    lib = _libc()
    if lib is None:
        yield
        return
    with _heap_lock:
        _heap_users += 1
        if _heap_users == 1:
            lib.mallopt(_M_MMAP_MAX, 0)
            lib.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    try:
        yield
    finally:
        with _heap_lock:
            _heap_users -= 1
            if _heap_users == 0:
                lib.mallopt(_M_MMAP_MAX, _GLIBC_MMAP_MAX)
                lib.mallopt(_M_TRIM_THRESHOLD, _GLIBC_TRIM_THRESHOLD)
                lib.malloc_trim(0)
