"""Saving and loading valuation models: JSON card + pickled estimator guarded by its SHA-256.

The estimator (a scikit-learn tree ensemble) has no plain-data form, so it is pickled; the JSON
file records the pickle's SHA-256 and loading refuses a pickle whose hash differs. Only files
written by `save_model` into the data directory's models folder are ever loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from domain.valuation.baseline import Baseline
from domain.valuation.model import ValuationModel

FORMAT = "ipcredit.valuation/1"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def model_document(model: ValuationModel, estimator_sha256: str) -> dict[str, Any]:
    """Everything but the estimator, as plain data."""
    return {
        "format": FORMAT,
        "features": model.features,
        "residual_quantiles": {k: list(v) for k, v in model.residual_quantiles.items()},
        "reference": [None if v != v else v for v in model.reference],
        "baseline": model.baseline.to_dict(),
        "meta": model.meta,
        "estimator_sha256": estimator_sha256,
    }


def version_of(document: dict[str, Any]) -> str:
    """Version = hash of the plain-data document (which includes the estimator's hash)."""
    raw = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "val-" + hashlib.sha256(raw.encode()).hexdigest()[:16]


def serialise(model: ValuationModel) -> tuple[str, bytes, dict[str, Any]]:
    """(version, estimator pickle bytes, JSON document with the version)."""
    blob = pickle.dumps(model.estimator, protocol=pickle.HIGHEST_PROTOCOL)
    doc = model_document(model, hashlib.sha256(blob).hexdigest())
    version = version_of(doc)
    return version, blob, {**doc, "version": version}


def save_model(model: ValuationModel, directory: Path) -> tuple[str, Path]:
    """Write `<version>.pkl` then `<version>.json` (the JSON last: its presence means complete)."""
    version, blob, doc = serialise(model)
    _atomic_write(directory / f"{version}.pkl", blob)
    json_path = directory / f"{version}.json"
    _atomic_write(json_path, json.dumps(doc, sort_keys=True, indent=1).encode())
    return version, json_path


def load_model(json_path: Path) -> tuple[str, ValuationModel]:
    """Read a model written by `save_model`; ValueError if either file was altered."""
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{json_path.name} is not a valuation model")
    version = doc.pop("version", None)
    if version != version_of(doc):
        raise ValueError(f"{json_path.name} altered: version does not match its content")
    blob = json_path.with_suffix(".pkl").read_bytes()
    if hashlib.sha256(blob).hexdigest() != doc["estimator_sha256"]:
        raise ValueError(f"{json_path.with_suffix('.pkl').name} does not match its recorded hash")
    estimator = pickle.loads(blob)  # noqa: S301 - hash-checked file written by save_model
    model = ValuationModel(
        features=[str(f) for f in doc["features"]],
        estimator=estimator,
        residual_quantiles={
            k: (float(v[0]), float(v[1])) for k, v in doc["residual_quantiles"].items()
        },
        reference=[float("nan") if v is None else float(v) for v in doc["reference"]],
        baseline=Baseline.from_dict(doc["baseline"]),
        meta=dict(doc.get("meta", {})),
    )
    return str(version), model
