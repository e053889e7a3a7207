"""Which torch device the graph model runs on (GNN_DEVICE: cpu, cuda or auto)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

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
