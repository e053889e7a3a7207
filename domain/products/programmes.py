"""The guarantee and subsidy programmes on offer and the guarantor institutions behind them,
seeded from programmes.json (data: eligibility, fees, risk shares, triggers, rates)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.models import GuaranteeProgramme, GuarantorInstitution, SubsidyProgramme

CATALOGUE = Path(__file__).with_name("programmes.json")
FEE_PAYERS = frozenset({"BORROWER", "BANK", "GOVERNMENT"})
SHARE_PARTIES = frozenset({"GUARANTOR", "REGUARANTEE", "BANK", "GOVERNMENT"})


def load_programmes(path: Path = CATALOGUE) -> dict[str, Any]:
    """The catalogue, checked: fee payers known, risk shares of known parties summing to one."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    for item in raw["guarantee_programmes"]:
        if item["fee_payer"] not in FEE_PAYERS:
            raise ValueError(f"{item['code']}: unknown fee payer {item['fee_payer']!r}")
        shares = {party: Decimal(str(v)) for party, v in item["risk_shares"].items()}
        if set(shares) - SHARE_PARTIES or sum(shares.values()) != 1:
            raise ValueError(f"{item['code']}: risk shares must be known parties summing to 1")
        if "BANK" not in shares or any(v < 0 for v in shares.values()):
            raise ValueError(f"{item['code']}: the bank's share must be given and none negative")
        if item["trigger_days_past_due"] < 1 or item["claim_deadline_days"] < 1:
            raise ValueError(f"{item['code']}: trigger and deadline must be positive")
    return raw


async def seed_programmes(*, path: Path = CATALOGUE) -> None:
    """Create or update every institution and programme (safe to run any number of times)."""
    raw = load_programmes(path)
    institutions: dict[str, int] = {}
    for item in raw["institutions"]:
        inst, _ = await GuarantorInstitution.update_or_create(
            code=item["code"], defaults={"name": item["name"]}
        )
        institutions[item["code"]] = inst.id
    for item in raw["guarantee_programmes"]:
        await GuaranteeProgramme.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "institution_id": institutions[item["institution"]],
                "eligibility": item["eligibility"],
                "fee_rate": Decimal(item["fee_rate"]),
                "fee_payer": item["fee_payer"],
                "risk_shares": item["risk_shares"],
                "trigger_days_past_due": item["trigger_days_past_due"],
                "claim_deadline_days": item["claim_deadline_days"],
            },
        )
    for item in raw["subsidy_programmes"]:
        await SubsidyProgramme.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "sponsor": item["sponsor"],
                "subsidy_rate": Decimal(item["subsidy_rate"]),
                "eligibility": item["eligibility"],
            },
        )


__all__ = ["CATALOGUE", "FEE_PAYERS", "SHARE_PARTIES", "load_programmes", "seed_programmes"]
