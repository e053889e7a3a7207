"""Enterprises with contact details on record, registered applicants, and the notices sent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.models import Enterprise, User
from domain.accounts import service, verification
from domain.accounts.principal import Principal
from domain.world.importer import import_world_rows
from tests.factories import A, B, tiny_world

PASSWORD = "correct horse battery"
SETTLEMENT: dict[str, Any] = {
    "settlement_account": {"bank": "合肥科技农村商业银行", "account": "340100000123456789"},
    "legal_rep_contact": "13800001234",
}
NAMES = {A: "合肥量子科技有限公司", B: "芜湖智能装备有限公司"}


async def kyb_world() -> dict[str, int]:
    """The tiny world; A and B have a settlement account and a legal representative on record,
    C has neither. USCC -> enterprise id."""
    await import_world_rows(tiny_world())
    await Enterprise.filter(uscc__in=[A, B]).update(**SETTLEMENT)
    return dict(await Enterprise.all().values_list("uscc", "id"))


async def applicant(email: str, uscc: str = A) -> tuple[User, Principal]:
    """A registered (UNVERIFIED) applicant of an enterprise already known, and its principal."""
    result = await service.register(
        email=email, password=PASSWORD, uscc=uscc, enterprise_name=NAMES[uscc], provider=None
    )
    return result.user, service.principal_of(result.user)


def notices(data_dir: Path, kind: str | None = None) -> list[dict[str, Any]]:
    """The notices the development notifier wrote, of one kind when given."""
    path = data_dir / "notifications.jsonl"
    if not path.exists():
        return []
    found = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [n for n in found if kind is None or n["kind"] == kind]


def last_challenge(data_dir: Path) -> tuple[Decimal, str]:
    """The amount and the code of the latest verification sent."""
    amount = Decimal(notices(data_dir, "micro_deposit")[-1]["amount"])
    return amount, str(notices(data_dir, "legal_rep_code")[-1]["code"])


async def verified(email: str, data_dir: Path, uscc: str = A) -> tuple[User, Principal]:
    """An applicant verified through the real flow (deposit and code)."""
    user, principal = await applicant(email, uscc)
    await verification.request_verification(principal=principal)
    amount, code = last_challenge(data_dir)
    state = await verification.confirm_verification(
        principal=principal, deposit_amount=amount, legal_rep_code=code
    )
    return state.user, service.principal_of(state.user)
