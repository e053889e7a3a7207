"""GNN_DEVICE: cpu, cuda or auto."""

from __future__ import annotations

import pytest
import torch

from gnn import device
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


class _FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append(("mallopt", option, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad, 0))
        return 1


def test_reused_heap_sets_once_and_restores_after_the_outermost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _FakeLibc()
    monkeypatch.setattr(device, "_libc", lambda: fake)
    with device.reused_heap():
        with device.reused_heap():  # nested: training inside a caller that holds it already
            pass
        assert fake.calls == [("mallopt", -4, 0), ("mallopt", -1, 1 << 30)]
    assert fake.calls[2:] == [
        ("mallopt", -4, 65536),
        ("mallopt", -1, 128 * 1024),
        ("malloc_trim", 0, 0),
    ]
    fake.calls.clear()
    with pytest.raises(RuntimeError), device.reused_heap():
        raise RuntimeError("training failed")
    assert fake.calls[-1] == ("malloc_trim", 0, 0)  # restored on failure too


def test_reused_heap_keeps_large_tensors_working() -> None:
    with device.reused_heap():
        a = torch.ones(3_000_000, 4)  # 48 MB: above glibc's largest mmap threshold
        b = a + a
        del a
        c = torch.zeros(3_000_000, 4)
    assert float(b.sum()) == 24_000_000.0 and float(c.sum()) == 0.0
