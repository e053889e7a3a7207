"""Turn world rows (as in the JSON Lines files) into the analytic `WorldFrames`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from db.frames import WorldFrames, _period_end

WorldRows = dict[str, list[dict[str, Any]]]

FILES = (
    "enterprises", "persons", "relations", "patents", "patent_citations", "litigations",
    "tax", "financials", "events", "outcomes",
)  # fmt: skip


def read_rows(directory: Path) -> WorldRows:
    """Read every world file present in `directory` without validation (analytics only)."""
    rows: WorldRows = {}
    for stem in FILES:
        path = directory / f"{stem}.jsonl"
        if not path.exists():
            rows[stem] = []
            continue
        with path.open(encoding="utf-8") as fh:
            rows[stem] = [json.loads(line) for line in fh if line.strip()]
    return rows


def period_end(period: str) -> pd.Timestamp:
    """The last day of a financial period such as `2024` or `2024Q3`."""
    return _period_end(period)


def frames_from_rows(rows: WorldRows) -> WorldFrames:
    """Build frames from world rows; missing files give empty frames."""
    tables: dict[str, pd.DataFrame] = {}
    tables["enterprises"] = pd.DataFrame(rows.get("enterprises", []))
    tables["persons"] = pd.DataFrame(rows.get("persons", []))
    rel = pd.DataFrame(rows.get("relations", []))
    tables["relations"] = rel.rename(columns={"from": "src", "to": "dst"})
    tables["patents"] = pd.DataFrame(rows.get("patents", []))
    tables["citations"] = pd.DataFrame(rows.get("patent_citations", []))
    lits = rows.get("litigations", [])
    tables["litigations"] = pd.DataFrame(
        [{k: v for k, v in r.items() if k not in ("parties", "patents")} for r in lits]
    )
    tables["litigation_parties"] = pd.DataFrame(
        [
            {"case_no": r["case_no"], "uscc": p.get("uscc"), "role": p.get("role")}
            for r in lits
            for p in r.get("parties") or []
        ]
    )
    tables["litigation_patents"] = pd.DataFrame(
        [{"case_no": r["case_no"], "number": n} for r in lits for n in r.get("patents") or []]
    )
    tables["tax"] = pd.DataFrame(rows.get("tax", []))
    fin = pd.DataFrame(rows.get("financials", []))
    if not fin.empty:
        fin["period"] = fin["period"].astype(str)
        fin["period_end"] = [period_end(p) for p in fin["period"]]
    tables["financials"] = fin
    tables["events"] = pd.DataFrame(rows.get("events", []))
    tables["outcomes"] = pd.DataFrame(rows.get("outcomes", []))
    return WorldFrames.from_tables(tables)


def frames_from_dir(directory: Path) -> WorldFrames:
    """Read a world directory straight into frames (no validation: use the importer for that)."""
    return frames_from_rows(read_rows(directory))
