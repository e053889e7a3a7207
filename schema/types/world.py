"""Enterprises, patents, litigation and tax records as the API shows them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from db import models as m
from domain.reads import world as reads
from schema.context import Context
from schema.ids import encode_cursor, encode_id
from schema.pagination import PageInfo, page_args, slice_page

if TYPE_CHECKING:
    from schema.risk import IndicatorValue
    from schema.types.lending import Loan, LoanApplicationConnection
    from schema.types.monitoring import WarningConnection
    from schema.types.risk import RiskScore, Valuation


def ctx(info: Info) -> Context:
    """The typed request context."""
    context: Context = info.context
    return context


@strawberry.type(description="An enterprise known from the business registry.")
class Enterprise:
    _m: strawberry.Private[m.Enterprise]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    uscc: str = strawberry.field(description="Unified Social Credit Code (18 characters).")
    name: str = strawberry.field(description="Registered name.")
    founded_on: date | None = strawberry.field(description="Date of establishment.")
    industry: str | None = strawberry.field(description="GB/T 4754 industry code, e.g. C39.")
    region: str | None = strawberry.field(description="6-digit administrative division code.")
    employees: int | None = strawberry.field(description="Number of employees.")
    high_tech: bool = strawberry.field(description="Certified high-tech enterprise.")

    @classmethod
    def of(cls, r: m.Enterprise) -> Enterprise:
        """The API view of a record."""
        return cls(
            _m=r,
            id=strawberry.ID(encode_id("Enterprise", r.id)),
            uscc=r.uscc,
            name=r.name,
            founded_on=r.founded_on,
            industry=r.industry,
            region=r.region,
            employees=r.employees,
            high_tech=r.high_tech,
        )

    @strawberry.field(description="The enterprise's patents, by key.")
    async def patents(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> PatentConnection:
        n, after_key = page_args(first, after)
        c = ctx(info)
        pages = c.keyed_loader(
            "patent_pages",
            (n, after_key),
            lambda ids: _as_list(reads.patent_pages(ids, first=n, after=after_key), ids),
        )
        total = c.loader("patent_counts", lambda ids: _counts(reads.patent_counts(ids), ids))
        rows = await pages.load(self._m.id)
        page, info_ = slice_page(rows, n, lambda r: r.id)
        return PatentConnection(
            edges=[PatentEdge(cursor=encode_cursor(r.id), node=Patent.of(r)) for r in page],
            page_info=info_,
            total_count=await total.load(self._m.id),
        )

    @strawberry.field(description="Court cases the enterprise is a party to.")
    async def litigations(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> LitigationConnection:
        n, after_key = page_args(first, after)
        c = ctx(info)
        pages = c.keyed_loader(
            "litigation_pages",
            (n, after_key),
            lambda ids: _as_list(reads.litigation_pages(ids, first=n, after=after_key), ids),
        )
        total = c.loader(
            "litigation_counts", lambda ids: _counts(reads.litigation_counts(ids), ids)
        )
        rows = await pages.load(self._m.id)
        page, info_ = slice_page(rows, n, lambda r: r.id)
        return LitigationConnection(
            edges=[LitigationEdge(cursor=encode_cursor(r.id), node=Litigation.of(r)) for r in page],
            page_info=info_,
            total_count=await total.load(self._m.id),
        )

    @strawberry.field(description="The enterprise's loan applications, newest first.")
    async def applications(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Annotated[LoanApplicationConnection, strawberry.lazy("schema.types.lending")]:
        from schema.types.lending_links import enterprise_applications

        return await enterprise_applications(info, self._m.id, first, after)

    @strawberry.field(description="The enterprise's loans.")
    async def loans(
        self, info: Info
    ) -> list[Annotated[Loan, strawberry.lazy("schema.types.lending")]]:
        from schema.types.lending_links import enterprise_loans

        return await enterprise_loans(info, self._m.id)

    @strawberry.field(description="The latest credit score, if one was computed.")
    async def risk_score(
        self, info: Info
    ) -> Annotated[RiskScore, strawberry.lazy("schema.types.risk")] | None:
        from domain.reads.lending import latest_risk_scores
        from schema.types.risk import RiskScore as RiskScoreType

        r = await ctx(info).loader("risk_score", latest_risk_scores).load(self._m.id)
        return RiskScoreType.of(r) if r is not None else None

    @strawberry.field(description="Indicator values of the latest snapshot, in registry order.")
    async def indicators(
        self, info: Info, category: str | None = None
    ) -> list[Annotated[IndicatorValue, strawberry.lazy("schema.risk")]]:
        from domain.indicators.service import indicator_definitions
        from domain.reads.risk import latest_snapshots
        from schema.risk import IndicatorDefinition, IndicatorValue

        snap = await ctx(info).loader("snapshot", latest_snapshots).load(self._m.id)
        if snap is None:
            return []
        return [
            IndicatorValue(
                definition=IndicatorDefinition.of(d),
                value=snap.values.get(d.code),
                as_of=snap.as_of,
            )
            for d in indicator_definitions(category=category)
        ]

    @strawberry.field(description="Warnings raised about the enterprise, oldest first.")
    async def warnings(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Annotated[WarningConnection, strawberry.lazy("schema.types.monitoring")]:
        from domain.reads.monitoring import warning_counts, warning_pages
        from schema.monitoring import warning_connection

        n, after_key = page_args(first, after)
        c = ctx(info)
        pages = c.keyed_loader(
            "warning_pages",
            (n, after_key),
            lambda ids: _as_list(warning_pages(ids, first=n, after=after_key), ids),
        )
        total = c.loader("warning_counts", lambda ids: _counts(warning_counts(ids), ids))
        rows = await pages.load(self._m.id)
        return warning_connection(rows, n, await total.load(self._m.id))

    @strawberry.field(description="Tax years, oldest first.")
    async def tax_records(self, info: Info) -> list[TaxRecord]:
        rows = await ctx(info).loader("tax", reads.tax_by_enterprise).load(self._m.id)
        return [TaxRecord.of(r) for r in rows]


async def _as_list(result: object, ids: list[int]) -> list[object]:
    found = await result  # type: ignore[misc]
    return [found.get(i, []) for i in ids]


async def _counts(result: object, ids: list[int]) -> list[int]:
    found = await result  # type: ignore[misc]
    return [found.get(i, 0) for i in ids]


async def load_enterprise(info: Info, pk: int | None) -> Enterprise | None:
    """An enterprise the caller may see, through the request's loader."""
    if pk is None:
        return None
    c = ctx(info)
    principal = c.require()
    if not principal.can_see_enterprise(pk):
        return None
    r = await c.loader("enterprise", reads.enterprises_by_ids).load(pk)
    return Enterprise.of(r) if r is not None else None


@strawberry.type(description="A patent and its legal state.")
class Patent:
    _m: strawberry.Private[m.Patent]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    number: str = strawberry.field(description="Publication number, e.g. CN112345678B.")
    title: str = strawberry.field(description="Title.")
    kind: str = strawberry.field(description="invention, utility_model or design.")
    ipc: str | None = strawberry.field(description="Main IPC class, e.g. G06N3/08.")
    status: str = strawberry.field(description="pending, granted, lapsed, invalidated or expired.")
    filed_on: date | None = strawberry.field(description="Filing date.")
    granted_on: date | None = strawberry.field(description="Grant date; null while pending.")
    claims: int | None = strawberry.field(description="Number of claims.")
    forward_citations: int = strawberry.field(description="Times cited by later patents.")

    @classmethod
    def of(cls, r: m.Patent) -> Patent:
        """The API view of a record."""
        return cls(
            _m=r,
            id=strawberry.ID(encode_id("Patent", r.id)),
            number=r.number,
            title=r.title,
            kind=r.kind,
            ipc=r.ipc,
            status=r.status,
            filed_on=r.filed_on,
            granted_on=r.granted_on,
            claims=r.claims,
            forward_citations=r.forward_citations,
        )

    @strawberry.field(description="The current owner, when the caller may see it.")
    async def owner(self, info: Info) -> Enterprise | None:
        return await load_enterprise(info, self._m.owner_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Court cases about this patent.")
    async def litigations(self, info: Info) -> list[Litigation]:
        rows = (
            await ctx(info).loader("lits_by_patent", reads.litigations_by_patent).load(self._m.id)
        )
        return [Litigation.of(r) for r in rows]

    @strawberry.field(description="The most recent valuation, if any.")
    async def latest_valuation(
        self, info: Info
    ) -> Annotated[Valuation, strawberry.lazy("schema.types.risk")] | None:
        from schema.types.risk import load_latest_valuation

        return await load_latest_valuation(info, self._m.id)


@strawberry.type(description="A court case.")
class Litigation:
    _m: strawberry.Private[m.Litigation]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    case_no: str = strawberry.field(description="Case number, e.g. (2024)皖01民初123号.")
    cause: str = strawberry.field(
        description="contract_dispute, loan_dispute, ip_infringement, ..."
    )
    status: str = strawberry.field(description="pending, judged, settled, enforcing or closed.")
    amount: Decimal | None = strawberry.field(description="Money at stake, CNY.")
    filed_on: date | None = strawberry.field(description="Filing date.")

    @classmethod
    def of(cls, r: m.Litigation) -> Litigation:
        """The API view of a record."""
        return cls(
            _m=r,
            id=strawberry.ID(encode_id("Litigation", r.id)),
            case_no=r.case_no,
            cause=r.cause,
            status=r.status,
            amount=r.amount,
            filed_on=r.filed_on,
        )

    @strawberry.field(description="Parties and their roles.")
    async def parties(self, info: Info) -> list[LitigationParty]:
        rows = await ctx(info).loader("parties", reads.parties_by_litigation).load(self._m.id)
        return [LitigationParty(_enterprise_id=r.enterprise_id, role=r.role) for r in rows]  # type: ignore[attr-defined]

    @strawberry.field(description="Patents the case is about (those the caller may see).")
    async def patents(self, info: Info) -> list[Patent]:
        c = ctx(info)
        principal = c.require()
        ids = await c.loader("lit_patent_ids", reads.patent_ids_by_litigation).load(self._m.id)
        rows = await c.loader("patent", reads.patents_by_ids).load_many(ids)
        return [
            Patent.of(r)
            for r in rows
            if r is not None and (r.owner_id is None or principal.can_see_enterprise(r.owner_id))  # type: ignore[attr-defined]
        ]


@strawberry.type(description="A party to a case.")
class LitigationParty:
    _enterprise_id: strawberry.Private[int]
    role: str = strawberry.field(description="plaintiff, defendant or third_party.")

    @strawberry.field(description="The party, when the caller may see it.")
    async def enterprise(self, info: Info) -> Enterprise | None:
        return await load_enterprise(info, self._enterprise_id)


@strawberry.type(description="A tax year.")
class TaxRecord:
    year: int = strawberry.field(description="Tax year.")
    rating: str = strawberry.field(description="Tax credit rating A, B, M, C or D.")
    revenue: Decimal | None = strawberry.field(description="Declared revenue, CNY.")
    arrears: Decimal | None = strawberry.field(description="Unpaid tax, CNY.")

    @classmethod
    def of(cls, r: m.TaxRecord) -> TaxRecord:
        """The API view of a record."""
        return cls(year=r.year, rating=r.rating, revenue=r.revenue, arrears=r.arrears)


@strawberry.type(description="An enterprise in a list.")
class EnterpriseEdge:
    cursor: str = strawberry.field(description="Cursor of this edge.")
    node: Enterprise = strawberry.field(description="The enterprise.")


@strawberry.type(description="A page of enterprises.")
class EnterpriseConnection:
    edges: list[EnterpriseEdge] = strawberry.field(description="The page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="All matches, across pages.")


@strawberry.type(description="A patent in a list.")
class PatentEdge:
    cursor: str = strawberry.field(description="Cursor of this edge.")
    node: Patent = strawberry.field(description="The patent.")


@strawberry.type(description="A page of patents.")
class PatentConnection:
    edges: list[PatentEdge] = strawberry.field(description="The page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="All patents, across pages.")


@strawberry.type(description="A case in a list.")
class LitigationEdge:
    cursor: str = strawberry.field(description="Cursor of this edge.")
    node: Litigation = strawberry.field(description="The case.")


@strawberry.type(description="A page of cases.")
class LitigationConnection:
    edges: list[LitigationEdge] = strawberry.field(description="The page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="All cases, across pages.")
