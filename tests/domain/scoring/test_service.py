"""Scoring stored enterprises and checking applications against the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from db.models import Enterprise, IndicatorSnapshot, ModelCard, RiskScore
from domain.errors import NotFound, Unavailable
from domain.indicators.registry import version
from domain.scoring.admission import check_application
from domain.scoring.scorecard import Scorecard
from domain.scoring.service import active_scorecard, score_enterprise, score_values
from domain.scoring.train import fit_scorecard
from domain.world.importer import import_world_rows
from tests.factories import A, B, C, tiny_world, uscc


def _card() -> Scorecard:
    rng = np.random.default_rng(0)
    n = 2000
    debt = rng.uniform(0, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3 + 3 * debt)))).astype(int)
    card, _ = fit_scorecard(pd.DataFrame({"FIN_DEBT_RATIO": debt}), y,
                            descriptions={"FIN_DEBT_RATIO": "Debt-to-asset ratio"})  # fmt: skip
    return card


async def _install(data_dir: Path) -> Scorecard:
    card = _card()
    path = data_dir / "models" / f"{card.version}.json"
    card.save(path)
    await ModelCard.create(name="scorecard", version=card.version,
                           path=str(path.relative_to(data_dir)), active=True)  # fmt: skip
    return card


async def test_score_enterprise_from_the_latest_snapshot(db: str, data_dir: Path) -> None:
    await import_world_rows(tiny_world())
    card = await _install(data_dir)
    ent = await Enterprise.get(uscc=A)
    old = datetime(2024, 1, 1, tzinfo=UTC)
    # a snapshot of today, of the registry in use, with no event since: fresh, used as it is
    new = datetime.now(UTC) - timedelta(hours=1)
    await IndicatorSnapshot.create(enterprise=ent, as_of=old, values={"FIN_DEBT_RATIO": 0.1},
                                   registry_version="r1")  # fmt: skip
    await IndicatorSnapshot.create(enterprise=ent, as_of=new, values={"FIN_DEBT_RATIO": 0.95},
                                   registry_version=version())  # fmt: skip

    latest = await score_enterprise(enterprise_id=ent.id)
    earlier = await score_enterprise(enterprise_id=ent.id, as_of=datetime(2024, 6, 1, tzinfo=UTC))

    assert latest.score < earlier.score
    assert latest.probability_of_default > earlier.probability_of_default
    assert latest.model_versions == {"scorecard": card.version, "indicators": version()}
    assert earlier.model_versions == {"scorecard": card.version, "indicators": "r1"}
    assert latest.graph_risk is None
    assert latest.reasons[0]["code"] == "FIN_DEBT_RATIO"
    assert latest.reasons[0]["description"].startswith("Debt-to-asset ratio: ")
    assert await RiskScore.filter(enterprise_id=ent.id).count() == 2
    expected = score_values(card, {"FIN_DEBT_RATIO": 0.95})
    assert latest.score == expected.score


async def test_unknown_enterprise_and_missing_model(db: str, data_dir: Path) -> None:
    await import_world_rows(tiny_world())
    with pytest.raises(NotFound):
        await score_enterprise(enterprise_id=999_999)
    with pytest.raises(Unavailable, match="ipcredit train"):
        await active_scorecard()


async def test_altered_model_file_makes_scoring_unavailable(db: str, data_dir: Path) -> None:
    card = await _install(data_dir)
    path = data_dir / "models" / f"{card.version}.json"
    path.write_text(path.read_text().replace('"intercept": ', '"intercept": 1'))
    with pytest.raises(Unavailable):
        await active_scorecard(data_dir=data_dir / "elsewhere")  # a path not read before


@pytest.mark.parametrize(
    ("applicant", "patents", "codes"),
    [
        (A, ["CN110000001B"], {"FRD_PATENT_DISPUTE"}),
        (A, ["CN210000002U"], {"FRD_ALREADY_PLEDGED"}),
        (A, ["CN110000003A"], {"FRD_NOT_OWNER", "FRD_NOT_IN_FORCE"}),
        (A, ["CN999999999B"], {"FRD_UNKNOWN_PATENT"}),
        (A, [], {"FRD_NO_PATENT"}),
        (C, [], {"ADM_STATUS", "ADM_DISHONEST", "ADM_TAX_D", "ADM_TAX_ARREARS", "FRD_NO_PATENT"}),
    ],
)
async def test_rules_on_the_tiny_world(
    db: str, applicant: str, patents: list[str], codes: set[str]
) -> None:
    await import_world_rows(tiny_world())
    check = await check_application(
        uscc=applicant, patent_numbers=patents, as_of=datetime(2025, 7, 1, tzinfo=UTC)
    )
    assert {h.code for h in check.hits} == codes
    assert check.rules_version.startswith("rules-")


async def test_rules_for_an_unknown_applicant(db: str) -> None:
    with pytest.raises(NotFound):
        await check_application(uscc=B + "X", patent_numbers=[])
    with pytest.raises(NotFound):
        await check_application(uscc=uscc(99), patent_numbers=[])
