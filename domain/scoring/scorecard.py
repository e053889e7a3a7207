"""The credit scorecard: WoE bins, logistic regression, points scaling, grades and reason codes.

The bins come from `woe` (optbinning's optimal binning by default); a card stores its bins
whatever engine made them, so scoring a saved card needs no binning library.

Scaling (the industry convention): score = offset + factor * ln(odds of good), with
factor = PDO / ln 2 and offset = base_score - factor * ln(base_odds). With the defaults a firm
at good:bad odds of 50:1 scores 600, and every 20 points double the odds. Each feature's points
are -factor * coefficient * WoE of the applicant's bin; the intercept's share goes into
`base_points`, so score = base_points + sum of feature points, exactly.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.scoring.woe import Binning

FORMAT = "ipcredit.scorecard/1"

# (grade, highest probability of default in the grade), best first
DEFAULT_GRADES: tuple[tuple[str, float], ...] = (
    ("AAA", 0.005),
    ("AA", 0.01),
    ("A", 0.02),
    ("BBB", 0.04),
    ("BB", 0.08),
    ("B", 0.15),
    ("CCC", 1.0),
)


@dataclass(frozen=True)
class Scaling:
    """Points scaling: `base_score` at good:bad odds `base_odds`, `pdo` points double the odds."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        """Points per unit of log-odds."""
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        """Score at log-odds zero (even odds)."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def score_of_pd(self, pd_: float) -> float:
        """The score of a probability of default."""
        return self.offset + self.factor * math.log((1.0 - pd_) / pd_)

    def pd_of_score(self, score: float) -> float:
        """The probability of default of a score."""
        return 1.0 / (1.0 + math.exp((score - self.offset) / self.factor))


@dataclass
class Scorecard:
    """A fitted scorecard; plain data, serialised as JSON, versioned by a hash of its content."""

    binnings: list[Binning]
    coefficients: list[float]
    intercept: float
    scaling: Scaling = field(default_factory=Scaling)
    grades: tuple[tuple[str, float], ...] = DEFAULT_GRADES
    descriptions: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        """The features the card uses, in model order."""
        return [b.feature for b in self.binnings]

    @property
    def base_points(self) -> float:
        """Points everyone starts with (offset and intercept)."""
        return self.scaling.offset - self.scaling.factor * self.intercept

    def bin_points(self, i: int) -> list[float]:
        """Points of each regular bin of feature i."""
        f, c = self.scaling.factor, self.coefficients[i]
        return [-f * c * w for w in self.binnings[i].woe]

    def _points_matrix(self, df: pd.DataFrame) -> tuple[npt.NDArray[np.float64], list[Any]]:
        """Feature points per row (n x k) and each feature's bin indices."""
        n = len(df)
        pts = np.zeros((n, len(self.binnings)), dtype=float)
        indices = []
        for i, b in enumerate(self.binnings):
            col = df[b.feature] if b.feature in df.columns else pd.Series([np.nan] * n)
            idx = b.bin_index(col.reset_index(drop=True))
            indices.append(idx)
            pts[:, i] = -self.scaling.factor * self.coefficients[i] * b.woe_of_index(idx)
        return pts, indices

    def probability(self, df: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Probability of default of each row."""
        pts, _ = self._points_matrix(df)
        return self._pd_from_points(self.base_points + pts.sum(axis=1))

    def _pd_from_points(self, points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        log_odds_good = (points - self.scaling.offset) / self.scaling.factor
        return 1.0 / (1.0 + np.exp(log_odds_good))

    def grade_of(self, pd_: float) -> str:
        """The grade band of a probability of default."""
        for grade, top in self.grades:
            if pd_ <= top:
                return grade
        return self.grades[-1][0]

    def score(self, df: pd.DataFrame, *, reasons: int = 4) -> pd.DataFrame:
        """Score rows: pd, points (float), score (int), grade and the top `reasons` reasons."""
        pts, indices = self._points_matrix(df)
        points = self.base_points + pts.sum(axis=1)
        pd_ = self._pd_from_points(points)
        out = pd.DataFrame(
            {
                "pd": pd_,
                "points": points,
                "score": np.rint(points).astype(int),
                "grade": [self.grade_of(float(p)) for p in pd_],
            },
            index=df.index,
        )
        if reasons > 0:
            out["reasons"] = pd.Series(self._reasons(pts, indices, reasons), index=df.index)
        return out

    def _reasons(
        self, pts: npt.NDArray[np.float64], indices: list[Any], top: int
    ) -> list[list[dict[str, Any]]]:
        """Per row, the features whose points fall furthest below their best bin."""
        best = np.asarray([max(self.bin_points(i)) for i in range(len(self.binnings))])
        shortfall = best[None, :] - pts
        order = np.argsort(-shortfall, axis=1, kind="stable")
        result: list[list[dict[str, Any]]] = []
        for r in range(pts.shape[0]):
            row: list[dict[str, Any]] = []
            for i in order[r, :top]:
                gap = float(shortfall[r, i])
                if gap <= 1e-9:
                    break
                b = self.binnings[i]
                what = self.descriptions.get(b.feature, b.feature)
                row.append(
                    {
                        "code": b.feature,
                        "description": f"{what}: {b.label(int(indices[i][r]))}",
                        "weight": round(gap, 2),
                    }
                )
            result.append(row)
        return result

    def points_table(self) -> list[dict[str, Any]]:
        """Every bin of every feature with its WoE and points (the printed scorecard)."""
        rows: list[dict[str, Any]] = []
        for i, b in enumerate(self.binnings):
            f, c = self.scaling.factor, self.coefficients[i]
            for j, w in enumerate(b.woe):
                rows.append(
                    {"feature": b.feature, "bin": b.label(j), "count": b.counts[j],
                     "bad_rate": b.bads[j] / b.counts[j] if b.counts[j] else None,
                     "woe": w, "points": -f * c * w}
                )  # fmt: skip
            rows.append(
                {"feature": b.feature, "bin": "missing", "count": b.missing_count,
                 "bad_rate": b.missing_bads / b.missing_count if b.missing_count else None,
                 "woe": b.missing_woe, "points": -f * c * b.missing_woe}
            )  # fmt: skip
            if b.specials:
                rows.append(
                    {"feature": b.feature, "bin": b.label(-3), "count": b.special_count,
                     "bad_rate": b.special_bads / b.special_count if b.special_count else None,
                     "woe": b.special_woe, "points": -f * c * b.special_woe}
                )  # fmt: skip
        return rows

    def content(self) -> dict[str, Any]:
        """Everything that determines scores (what the version hashes)."""
        return {
            "format": FORMAT,
            "binnings": [b.to_dict() for b in self.binnings],
            "coefficients": [float(c) for c in self.coefficients],
            "intercept": float(self.intercept),
            "scaling": {
                "base_score": self.scaling.base_score,
                "base_odds": self.scaling.base_odds,
                "pdo": self.scaling.pdo,
            },
            "grades": [[g, t] for g, t in self.grades],
            "descriptions": dict(sorted(self.descriptions.items())),
            "meta": self.meta,
        }

    @property
    def version(self) -> str:
        """First 16 hex digits of the SHA-256 of the canonical JSON content."""
        raw = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return "sc-" + hashlib.sha256(raw.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data including the version."""
        return {**self.content(), "version": self.version}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        """Rebuild from `to_dict`; refuses data whose version does not match its content."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a scorecard file (format {data.get('format')!r})")
        sc = data["scaling"]
        card = cls(
            binnings=[Binning.from_dict(b) for b in data["binnings"]],
            coefficients=[float(c) for c in data["coefficients"]],
            intercept=float(data["intercept"]),
            scaling=Scaling(float(sc["base_score"]), float(sc["base_odds"]), float(sc["pdo"])),
            grades=tuple((str(g), float(t)) for g, t in data["grades"]),
            descriptions={str(k): str(v) for k, v in data.get("descriptions", {}).items()},
            meta=dict(data.get("meta", {})),
        )
        if "version" in data and data["version"] != card.version:
            raise ValueError("scorecard file altered: version does not match its content")
        return card

    def to_json(self) -> str:
        """The model file's text."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Scorecard:
        """Inverse of `to_json`."""
        return cls.from_dict(json.loads(text))

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the new one, never half of one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.to_json())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Scorecard:
        """Read a model file written by `save`."""
        return cls.from_json(path.read_text(encoding="utf-8"))
