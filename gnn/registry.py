"""Versioned model files: data_dir/models/gnn-<version>.pt (weights) and .json (the card).

Files are written to a temporary name and renamed, and the active pointer moves last, so a
failed or interrupted training never replaces the model in service.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import torch

from db.frames import WorldFrames
from gnn.baseline import TabularModel
from gnn.device import resolve_device
from gnn.errors import ModelUnavailable
from gnn.model import HeteroSAGE
from gnn.scaling import FeatureScaler
from gnn.scoring import Calibration, GraphModel
from gnn.served import Blend

MODEL_NAME = "gnn"
ACTIVE_FILE = "gnn-active.json"


def models_dir(data_dir: Path) -> Path:
    """Where model files live."""
    return Path(data_dir) / "models"


def _atomic_write(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def frames_hash(frames: WorldFrames) -> str:
    """A content hash of the world the model was trained on."""
    h = hashlib.sha256()
    for name in frames.names():
        df: pd.DataFrame = getattr(frames, name)
        h.update(name.encode())
        if df.empty:
            continue
        flat = df.astype(str)
        h.update(pd.util.hash_pandas_object(flat, index=False).to_numpy().tobytes())
    return h.hexdigest()


def new_version(data_hash: str, now: datetime | None = None) -> str:
    """A sortable version: UTC time of training plus a short data hash."""
    t = now or datetime.now(UTC)
    return f"{t:%Y%m%dT%H%M%S%f}Z-{data_hash[:8]}"


def save_model(
    model: GraphModel,
    data_dir: Path,
    *,
    metrics: dict[str, Any],
    data_hash: str,
    description: str = "",
    activate: bool = True,
) -> dict[str, Any]:
    """Write weights and card, then (optionally) make this version the active one."""
    directory = models_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    trained_at = datetime.now(UTC)
    version = new_version(data_hash, trained_at)
    weights = directory / f"{MODEL_NAME}-{version}.pt"
    net = model.network
    card: dict[str, Any] = {
        "name": MODEL_NAME,
        "version": version,
        "trained_at": trained_at.isoformat(),
        "data_hash": data_hash,
        "path": str(weights.relative_to(Path(data_dir))),
        "description": description,
        "metrics": metrics,
        "network": {
            "in_dims": {nt: int(d) for nt, d in model.meta["in_dims"].items()},
            "edge_types": [list(et) for et in net.edge_types],
            "hidden": net.hidden,
            "layers": net.num_layers,
            "dropout": net.dropout,
            "target": net.target,
            "signal_index": net.signal_index,
            "signal_dim": net.signal_dim,
        },
        "scaler": model.scaler.to_json(),
        "calibration": {"a": model.calibration.a, "b": model.calibration.b},
        "training": {k: v for k, v in model.meta.items() if k not in ("in_dims", "feature_names")},
    }
    if model.blend is not None:
        card["served"] = model.blend.describe()
        if model.blend.tabular is not None:
            tab_path = weights.with_name(f"{MODEL_NAME}-{version}.tabular.joblib")
            tmp_tab = tab_path.with_name(f".{tab_path.name}.{os.getpid()}.tmp")
            joblib.dump(model.blend.tabular, tmp_tab)
            os.replace(tmp_tab, tab_path)
            card["served"]["tabular_path"] = str(tab_path.relative_to(Path(data_dir)))
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    tmp = weights.with_name(f".{weights.name}.{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, weights)
    _atomic_write(weights.with_suffix(".json"), json.dumps(card, indent=1).encode())
    if activate:
        activate_version(data_dir, version)
    model.meta["version"] = version
    return card


def activate_version(data_dir: Path, version: str) -> None:
    """Point the active model at `version` (which must exist)."""
    directory = models_dir(data_dir)
    if not (directory / f"{MODEL_NAME}-{version}.pt").exists():
        raise ModelUnavailable(f"no graph model version {version}")
    _atomic_write(directory / ACTIVE_FILE, json.dumps({"version": version}).encode())


def active_version(data_dir: Path) -> str | None:
    """The version in service, or None."""
    path = models_dir(data_dir) / ACTIVE_FILE
    if not path.exists():
        return None
    return str(json.loads(path.read_text())["version"])


def read_card(data_dir: Path, version: str) -> dict[str, Any]:
    """The card (metadata) of a version."""
    path = models_dir(data_dir) / f"{MODEL_NAME}-{version}.json"
    if not path.exists():
        raise ModelUnavailable(f"no graph model version {version}")
    card: dict[str, Any] = json.loads(path.read_text())
    return card


def list_cards(data_dir: Path) -> list[dict[str, Any]]:
    """Cards of every saved version, oldest first."""
    directory = models_dir(data_dir)
    if not directory.exists():
        return []
    paths = sorted(p for p in directory.glob(f"{MODEL_NAME}-*.json") if p.name != ACTIVE_FILE)
    return [json.loads(p.read_text()) for p in paths]


def load_model(
    data_dir: Path, version: str | None = None, *, device: torch.device | None = None
) -> GraphModel:
    """The given or active version, ready to score; ModelUnavailable when there is none."""
    v = version or active_version(data_dir)
    if v is None:
        raise ModelUnavailable("no graph model has been trained yet (run `ipcredit gnn train`)")
    card = read_card(data_dir, v)
    spec = card["network"]
    net = HeteroSAGE(
        spec["in_dims"],
        [tuple(et) for et in spec["edge_types"]],  # type: ignore[misc]
        hidden=spec["hidden"],
        layers=spec["layers"],
        dropout=spec["dropout"],
        target=spec["target"],
        signal_index=spec.get("signal_index", []),
        signal_dim=spec.get("signal_dim", 4),
    )
    state = torch.load(Path(data_dir) / card["path"], map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()
    dev = device or resolve_device()
    meta = {**card["training"], "version": v, "metrics": card["metrics"]}
    meta["in_dims"] = spec["in_dims"]
    scaler = FeatureScaler.from_json(card["scaler"])
    calibration = Calibration(card["calibration"]["a"], card["calibration"]["b"])
    return GraphModel(net, scaler, calibration, meta, blend=_blend(data_dir, card)).to(dev)


def _blend(data_dir: Path, card: dict[str, Any]) -> Blend | None:
    """The served blend of a card (None for versions saved before it existed)."""
    spec = card.get("served")
    if not spec:
        return None
    tab: TabularModel | None = None
    if spec.get("tabular_path"):
        # a file this module wrote itself, next to the weights
        tab = joblib.load(Path(data_dir) / spec["tabular_path"])
    return Blend(
        tab, float(spec["c0"]), float(spec["c1"]), float(spec["g"]), str(spec["choice"]),
        reason=str(spec.get("reason", "")), evidence=dict(spec.get("evidence", {})),
    )  # fmt: skip
