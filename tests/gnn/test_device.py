"""GNN_DEVICE: cpu, cuda or auto."""

from __future__ import annotations

import pytest
import torch

from gnn.device import cpu_threads, graph_threads, resolve_device
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


@pytest.mark.parametrize(("setting", "threads"), [(None, 1), ("2", 2), ("0", 1)])
def test_graph_work_threads(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, threads: int
) -> None:
    if setting is None:
        monkeypatch.delenv("GNN_CPU_THREADS", raising=False)
    else:
        monkeypatch.setenv("GNN_CPU_THREADS", setting)
    assert cpu_threads() == threads
    before = torch.get_num_threads()
    with graph_threads(torch.device("cpu")):
        assert torch.get_num_threads() == threads
    assert torch.get_num_threads() == before


def test_bad_thread_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GNN_CPU_THREADS", "many")
    with pytest.raises(InvalidGraphInput, match="GNN_CPU_THREADS"):
        cpu_threads()
