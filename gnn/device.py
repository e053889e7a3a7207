"""Which torch device the graph model runs on (GNN_DEVICE: cpu, cuda or auto)."""

from __future__ import annotations

import os

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
