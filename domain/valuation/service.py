"""Valuing stored patents with the active valuation model, and fitting it on the world."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from db.frames import WorldFrames, normalise
from db.models import ModelCard, Patent, Valuation
from domain.accounts.principal import Principal
from domain.errors import InvalidInput, NotFound, Unavailable
from domain.patent.reads import visible_patent_by_number
from domain.valuation.events import PATENT_EVENTS, payload_number
from domain.valuation.ltv import LtvTable, load_ltv
from domain.valuation.model import ValuationModel, fit_valuation
from domain.valuation.store import load_model
from domain.valuation.value import METHOD, value_patents

MODEL_NAME = "valuation"
FEN = Decimal("0.01")

_loaded: dict[Path, tuple[str, ValuationModel]] = {}


def money(x: float) -> Decimal:
    """A CNY amount as Decimal to the fen."""
    return Decimal(repr(float(x))).quantize(FEN, ROUND_HALF_UP)


@dataclass(frozen=True)
class ActiveValuation:
    """The model in service and its version."""

    version: str
    model: ValuationModel


def _data_dir(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return data_dir
    from config import settings

    return settings().data_dir


async def active_valuation_model(*, data_dir: Path | None = None) -> ActiveValuation:
    """The active valuation model (loaded once per file); Unavailable if none is trained."""
    card = await ModelCard.filter(name=MODEL_NAME, active=True).order_by("-id").first()
    if card is None:
        raise Unavailable("no valuation model has been trained yet (run `ipcredit train`)")
    path = _data_dir(data_dir) / card.path
    if path not in _loaded:
        try:
            version, model = await asyncio.to_thread(load_model, path)
        except (OSError, ValueError) as exc:
            raise Unavailable(f"the valuation model file cannot be used: {exc}") from exc
        _loaded[path] = (version, model)
    version, model = _loaded[path]
    return ActiveValuation(version, model)


PATENT_FIELDS = (
    "number", "title", "ipc", "kind", "filed_on", "granted_on", "status", "claims",
    "independent_claims", "inventors", "family_size", "transfers", "licenses", "pledged",
    "annuity_paid_through", "transaction_price",
)  # fmt: skip
LITIGATION_FIELDS = ("case_no", "court", "filed_on", "closed_on", "cause", "amount", "status",
                     "outcome")  # fmt: skip


async def patent_frames(numbers: list[str]) -> WorldFrames:
    """The world slice the quality indicators of these patents read: the patents, the patents
    citing or cited by them, the court cases about them and their dated status events."""
    from tortoise.expressions import Q

    from db.models import Event, Litigation, LitigationPatent, PatentCitation

    citations = pd.DataFrame(
        await PatentCitation.filter(Q(cited__in=numbers) | Q(citing__in=numbers)).values(
            "citing", "cited"
        )
    )
    related = set(numbers)
    if not citations.empty:
        related |= set(citations["citing"]) | set(citations["cited"])
    patents = pd.DataFrame(
        await Patent.filter(number__in=sorted(related)).values(*PATENT_FIELDS, owner="owner__uscc")
    )
    links = pd.DataFrame(
        await LitigationPatent.filter(patent__number__in=numbers).values(
            case_no="litigation__case_no", number="patent__number"
        )
    )
    cases = sorted(set(links["case_no"])) if not links.empty else []
    litigations = pd.DataFrame(
        await Litigation.filter(case_no__in=cases).values(*LITIGATION_FIELDS) if cases else []
    )
    wanted = set(numbers)
    owners = set()
    if not patents.empty:
        owners = {str(o) for o in patents.loc[patents["number"].isin(wanted), "owner"].dropna()}
    # status events are filed under the owner (and both parties of a transfer): reading the
    # owners' events finds them without scanning every patent event of the bank
    events = pd.DataFrame(
        [
            e
            for e in await Event.filter(type__in=PATENT_EVENTS, uscc__in=sorted(owners)).values(
                "uscc", "occurred_at", "type", "payload", id="event_id"
            )
            if payload_number(e["payload"]) in wanted
        ]
        if owners
        else []
    )
    return partial_frames(
        {"patents": patents, "citations": citations, "litigation_patents": links,
         "litigations": litigations, "events": events}
    )  # fmt: skip


@cache
def _empty_frames() -> WorldFrames:
    return WorldFrames.from_tables({})


def partial_frames(tables: dict[str, pd.DataFrame]) -> WorldFrames:
    """Frames from a few loaded tables, the others empty (normalising only what was loaded)."""
    empty = _empty_frames()
    built = {name: getattr(empty, name) for name in empty.names()}
    for name, df in tables.items():
        built[name] = getattr(empty, name) if df.empty else normalise(name, df)
    return WorldFrames(**built)


def quality_of(frames: WorldFrames, as_of: datetime) -> pd.DataFrame:
    """Per-patent quality indicators (the valuation model's inputs)."""
    from domain.indicators.patent_quality import patent_quality

    return patent_quality(frames, as_of)


def inputs_hash(quality_row: pd.Series) -> str:
    """SHA-256 of one patent's model inputs."""
    clean = {str(k): (None if pd.isna(v) else v if isinstance(v, str) else float(v))
             for k, v in quality_row.items()}  # fmt: skip
    raw = json.dumps(clean, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


async def value_patent(
    *,
    number: str,
    as_of: datetime | None = None,
    data_dir: Path | None = None,
    ltv: LtvTable | None = None,
) -> Valuation:
    """Value one stored patent with the active model and store the valuation (with drivers)."""
    patent = await Patent.get_or_none(number=number.strip())
    if patent is None:
        raise NotFound(f"no patent {number!r}", field="number")
    active = await active_valuation_model(data_dir=data_dir)
    when = as_of or datetime.now(UTC)
    frames = await patent_frames([patent.number])
    table = ltv or load_ltv()

    def compute() -> tuple[pd.Series, list[dict[str, Any]], pd.Series]:
        quality = quality_of(frames, when)
        if patent.number not in quality.index:
            raise InvalidInput(f"patent {patent.number} was not yet filed at {when.date()}")
        one = quality.loc[[patent.number]]
        row = value_patents(active.model, one, ltv=table).iloc[0]
        return row, active.model.drivers(one), one.iloc[0]

    row, drivers, q = await asyncio.to_thread(compute)
    return await Valuation.create(
        patent=patent,
        value=money(row["value"]),
        low=money(row["low"]),
        high=money(row["high"]),
        pledge_value=money(row["pledge_value"]),
        method=(METHOD if not row["flags"] else f"{METHOD};{row['flags']}")[:64],
        model_version=active.version,
        drivers=drivers,
        inputs_hash=inputs_hash(q),
    )


async def latest_valuation(*, patent_id: int) -> Valuation | None:
    """The newest stored valuation of a patent."""
    return await Valuation.filter(patent_id=patent_id).order_by("-id").first()


def prices_of(frames: WorldFrames) -> pd.Series:
    """Known transaction prices by patent number."""
    pat = frames.patents.drop_duplicates("number", keep="last")
    return pd.Series(
        pat["transaction_price"].to_numpy(dtype=float), index=pat["number"].astype(str).to_numpy()
    ).dropna()


def fit_on_frames(
    frames: WorldFrames, *, as_of: datetime, seed: int = 0
) -> tuple[ValuationModel, dict[str, Any], str]:
    """Fit the valuation model on a world's priced patents: (model, metrics, data hash)."""
    quality = quality_of(frames, as_of)
    prices = prices_of(frames)
    model, metrics = fit_valuation(quality, prices, seed=seed)
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(quality, index=True).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(prices, index=True).to_numpy().tobytes())
    metrics["as_of"] = as_of.isoformat()
    return model, metrics, h.hexdigest()


async def value_patent_for(*, principal: Principal, number: str) -> tuple[Valuation, Patent]:
    """Value a patent the caller may see (staff: any; applicants: their own, once verified:
    UNVERIFIED before); else NOT_FOUND."""
    from domain.accounts.standing import require_verified

    principal = await require_verified(principal)
    number = number.strip()
    patent = await visible_patent_by_number(principal=principal, number=number)
    if patent is None:
        raise NotFound(f"no patent {number!r}", field="number")
    return await value_patent(number=number), patent
