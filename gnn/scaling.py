"""Feature scaling fitted on training nodes and stored with the model as plain arrays.

Values go through asinh (tames heavy tails of amounts and counts, keeps signs), are centred and
divided by their spread (at least SCALE_FLOOR), clipped to +-CLIP, and missing values become 0
(the training mean).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

CLIP = 5.0
SCALE_FLOOR = 1.0


@dataclass(frozen=True)
class ColumnScaler:
    """Centre and scale of the asinh-transformed columns of one node type."""

    names: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, names: list[str]) -> ColumnScaler:
        """Fit on a raw feature matrix (rows = nodes)."""
        z = np.arcsinh(x.astype(np.float64))
        if len(z) == 0:
            center = np.zeros(z.shape[1])
            scale = np.ones(z.shape[1])
        else:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                center = np.nan_to_num(np.nanmean(z, axis=0), nan=0.0)
                scale = np.nan_to_num(np.nanstd(z, axis=0), nan=1.0)
        # a unit floor keeps rare flags and counts from being blown up into outliers
        scale = np.maximum(scale, SCALE_FLOOR)
        return cls(tuple(names), center, scale)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Scaled float32 matrix."""
        if x.shape[1] != len(self.names):
            raise ValueError(f"expected {len(self.names)} feature columns, got {x.shape[1]}")
        # in place on one float64 copy: a million-row matrix is not copied once per step
        z = np.arcsinh(x, dtype=np.float64)
        z -= self.center
        z /= self.scale
        np.nan_to_num(z, copy=False, nan=0.0)
        np.clip(z, -CLIP, CLIP, out=z)
        return z.astype(np.float32)

    def to_json(self) -> dict[str, Any]:
        """Plain lists for the model metadata."""
        return {
            "names": list(self.names),
            "center": self.center.tolist(),
            "scale": self.scale.tolist(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ColumnScaler:
        """Inverse of `to_json`."""
        return cls(
            tuple(raw["names"]),
            np.asarray(raw["center"], dtype=np.float64),
            np.asarray(raw["scale"], dtype=np.float64),
        )


@dataclass(frozen=True)
class FeatureScaler:
    """One column scaler per node type."""

    columns: dict[str, ColumnScaler]

    @classmethod
    def fit(cls, x: Mapping[str, np.ndarray], names: Mapping[str, list[str]]) -> FeatureScaler:
        """Fit on the raw features of every node type."""
        return cls({nt: ColumnScaler.fit(x[nt], list(names[nt])) for nt in x})

    def transform(self, x: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Scale every node type present in both."""
        return {nt: self.columns[nt].transform(v) for nt, v in x.items() if nt in self.columns}

    def check_names(self, names: Mapping[str, list[str]]) -> list[str]:
        """Node types whose feature names differ from the fitted ones."""
        return [nt for nt, s in self.columns.items() if list(s.names) != list(names.get(nt, []))]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {nt: s.to_json() for nt, s in self.columns.items()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FeatureScaler:
        """Inverse of `to_json`."""
        return cls({nt: ColumnScaler.from_json(v) for nt, v in raw.items()})
