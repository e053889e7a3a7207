"""A small lending world shared by the products, workflow, applications, decision and lending tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from db.models import (
    ApplicationPatent,
    AuditEntry,
    Enterprise,
    Financial,
    LoanApplication,
    OutboxMessage,
    Patent,
    Review,
    Role,
    StatusChange,
    TaxRecord,
    User,
)
from domain.accounts.principal import Principal
from domain.applications import create_application, submit_application
from domain.decision import Reason, RiskInputs, RuleHit, assess_application
from domain.products import seed_products
from tests.factories import uscc
from tests.trust import trust

OWN_PATENTS = ("CN300000001B", "CN300000002B", "CN300000003B")
PENDING_PATENT = "CN300000009A"
PLEDGED_PATENT = "CN300000008B"
OTHER_PATENT = "CN400000001B"


@dataclass
class LendingWorld:
    """Two enterprises with patents, their applicants, and bank staff."""

    enterprise: Enterprise
    other_enterprise: Enterprise
    applicant: Principal
    other_applicant: Principal
    officer: Principal
    officer2: Principal
    risk_manager: Principal
    admin: Principal
    users: dict[str, User] = field(default_factory=dict)


async def _user(email: str, role: Role, enterprise: Enterprise | None = None) -> Principal:
    user = await User.create(
        email=email,
        password_hash="not-a-real-hash",
        role=role,
        enterprise_id=None if enterprise is None else enterprise.id,
    )
    await trust(user)
    return Principal(
        user_id=user.id,
        email=email,
        role=role,
        enterprise_id=None if enterprise is None else enterprise.id,
    )


async def _patent(number: str, owner: Enterprise, title: str, **fields: Any) -> None:
    """An invention patent filed in 2017 and granted in 2019 unless `fields` say otherwise."""
    values: dict[str, Any] = {
        "filed_on": date(2017, 1, 1),
        "granted_on": date(2019, 1, 1),
        "status": "granted",
        **fields,
    }
    await Patent.create(number=number, owner_id=owner.id, title=title, kind="invention", **values)


async def make_lending_world() -> LendingWorld:
    """Seed products and a tiny world into the current database."""
    await seed_products()
    own = await Enterprise.create(
        uscc=uscc(101),
        name="合肥光子科技有限公司",
        founded_on=date(2015, 3, 1),
        status="active",
        high_tech=True,
        registered=True,
    )
    other = await Enterprise.create(
        uscc=uscc(102),
        name="芜湖机器人有限公司",
        founded_on=date(2012, 6, 1),
        status="active",
        registered=True,
    )
    for number in OWN_PATENTS:
        await _patent(
            number, own, "光子芯片", filed_on=date(2018, 1, 1), granted_on=date(2020, 1, 1)
        )
    await _patent(
        PENDING_PATENT, own, "待审", filed_on=date(2023, 1, 1), granted_on=None, status="pending"
    )
    await _patent(PLEDGED_PATENT, own, "已质押", pledged=True)
    await _patent(OTHER_PATENT, other, "机械臂")
    await TaxRecord.create(enterprise_id=own.id, year=2024, rating="A", revenue=Decimal("20000000"))
    await Financial.create(enterprise_id=own.id, period="2024", revenue=Decimal("24000000"))
    return LendingWorld(
        enterprise=own,
        other_enterprise=other,
        applicant=await _user("cfo@photon.example", Role.APPLICANT, own),
        other_applicant=await _user("cfo@robot.example", Role.APPLICANT, other),
        officer=await _user("officer1@bank.example", Role.LOAN_OFFICER),
        officer2=await _user("officer2@bank.example", Role.LOAN_OFFICER),
        risk_manager=await _user("risk@bank.example", Role.RISK_MANAGER),
        admin=await _user("admin@bank.example", Role.ADMIN),
    )  # fmt: skip


def inputs(
    *,
    grade: str = "A",
    pd: float = 0.015,
    pledge: str = "3000000",
    revenue: str | None = "20000000",
    graph_risk: float | None = None,
    hits: tuple[RuleHit, ...] = (),
    patents: tuple[str, ...] = OWN_PATENTS[:1],
) -> RiskInputs:
    """Hand-made risk inputs (pledge value split over `patents`)."""
    share = Decimal(pledge) / max(len(patents), 1)
    return RiskInputs(
        probability_of_default=pd,
        grade=grade,
        score=650,
        reasons=(Reason("SC_R_AND_D", "R&D intensity above peers", 0.2),),
        graph_risk=graph_risk,
        pledge_values={n: share for n in patents},
        annual_revenue=None if revenue is None else Decimal(revenue),
        rule_hits=hits,
        model_versions={"scorecard": "sc-test", "valuation": "val-test"},
        as_of=datetime(2025, 1, 1, tzinfo=UTC),
    )


def fixed_gather(risk: RiskInputs):  # type: ignore[no-untyped-def]
    """A gatherer that always returns `risk` (stands in for the scoring and valuation services)."""

    async def gather(_application: LoanApplication) -> RiskInputs:
        return risk

    return gather


async def submitted(
    world: LendingWorld,
    *,
    product: str = "IPCREDIT_IP_PLEDGE",
    amount: str = "1000000",
    term: int = 12,
    patents: tuple[str, ...] = OWN_PATENTS[:1],
) -> LoanApplication:
    """An application created and submitted by the world's applicant."""
    application = await create_application(
        principal=world.applicant,
        product_code=product,
        amount=Decimal(amount),
        term_months=term,
        pledged_patent_numbers=list(patents),
        purpose="研发投入",
    )
    return await submit_application(principal=world.applicant, application_id=application.id)


async def decided(
    world: LendingWorld, risk: RiskInputs | None = None, **kwargs: object
) -> LoanApplication:
    """An application submitted and assessed with hand-made inputs."""
    application = await submitted(world, **kwargs)  # type: ignore[arg-type]
    await assess_application(application_id=application.id, gather=fixed_gather(risk or inputs()))
    return await LoanApplication.get(id=application.id)


async def record_counts() -> tuple[int, ...]:
    """How many rows an application touches, table by table (to prove nothing was written)."""
    return (
        await LoanApplication.all().count(),
        await ApplicationPatent.all().count(),
        await StatusChange.all().count(),
        await AuditEntry.all().count(),
        await OutboxMessage.all().count(),
        await Review.all().count(),
    )


async def register_pledges(officer: Principal, application_id: int) -> list[str]:
    """Register with the patent office the pledge of every patent the application pledges and
    that has no standing pledge yet (money goes out only then); the registration numbers."""
    from db.models import PatentPledge
    from domain.credit.pledges import register_pledge

    links = await ApplicationPatent.filter(application_id=application_id).prefetch_related("patent")
    numbers = []
    for link in links:
        if await PatentPledge.filter(active_patent_id=link.patent.id).exists():
            continue
        number = f"PLG-{link.patent.number}-{application_id}"
        await register_pledge(
            principal=officer,
            patent_number=link.patent.number,
            registration_number=number,
            registered_on=datetime.now(UTC).date(),
        )
        numbers.append(number)
    return numbers
