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


SMALL_GRAPH_NODES = 200_000


@contextmanager
def threads_for(num_nodes: int, device: torch.device) -> Iterator[None]:
    """Run small CPU graphs on one thread: waking a thread pool costs more than it saves."""
    if device.type != "cpu" or num_nodes >= SMALL_GRAPH_NODES:
        yield
        return
    previous = torch.get_num_threads()
    if previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
