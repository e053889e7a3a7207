"""GNN_DEVICE: cpu, cuda or auto."""

from __future__ import annotations

import pytest
import torch

from gnn.device import resolve_device, threads_for
from gnn.errors import InvalidGraphInput


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("cpu", "cpu"), ("CPU", "cpu"), ("auto", "cuda" if torch.cuda.is_available() else "cpu")],
)
def test_device_settings(setting: str, expected: str) -> None:
    assert resolve_device(setting).type == expected


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GNN_DEVICE", "auto")
    assert resolve_device().type in ("cpu", "cuda")
    monkeypatch.delenv("GNN_DEVICE")
    assert resolve_device().type == "cpu"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidGraphInput, match="GNN_DEVICE"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(InvalidGraphInput, match="no CUDA"):
            resolve_device("cuda")


def test_small_graphs_run_on_one_thread() -> None:
    before = torch.get_num_threads()
    with threads_for(10, torch.device("cpu")):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
