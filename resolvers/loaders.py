"""The request's DataLoaders: one per domain batch read, created on first use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from db import models as m
from db.rows import Row
from domain.applications.queue import reviews_by_application_ids, users_by_ids
from domain.applications.service import (
    application_rows_by_enterprise_ids,
    applications_by_enterprise_ids,
    applications_by_ids,
    history_by_application_ids,
    pledged_patents_by_application_ids,
)
from domain.credit.guarantee_reads import GuaranteeView, guarantee_views_by_line_ids
from domain.credit.line_reads import (
    LineUse,
    changes_by_line_ids,
    lines_by_application_ids,
    lines_by_ids,
    loans_by_line_ids,
    uses_by_line_ids,
)
from domain.credit.pledges import pledges_by_line_ids, standing_pledges_by_patent_ids
from domain.credit.renewals import renewals_by_loan_ids
from domain.enterprise.neighbourhood import Neighbourhood, neighbourhoods
from domain.enterprise.reads import enterprises_by_ids, tax_by_enterprise
from domain.indicators.history import snapshot_histories
from domain.indicators.reads import latest_snapshots
from domain.lending.contract import contracts_by_application_ids
from domain.lending.loans import (
    installments_by_loan_ids,
    loan_rows_by_enterprise_ids,
    loans_by_enterprise_ids,
    loans_by_ids,
)
from domain.litigation.reads import (
    litigation_counts,
    litigation_pages,
    litigations_by_patent,
    parties_by_litigation,
    patent_ids_by_litigation,
)
from domain.monitoring.reads import warning_counts, warning_pages, warning_row_pages
from domain.patent.reads import patent_counts, patent_pages, patent_row_pages, patents_by_ids
from domain.products import products_by_ids
from domain.scoring.reads import latest_risk_scores, risk_scores_by_ids
from domain.valuation.reads import latest_valuations, valuations_by_ids

K = TypeVar("K")
V = TypeVar("V")

PageRead = Callable[..., Awaitable[dict[int, list[V]]]]
CountRead = Callable[[Sequence[int]], Awaitable[dict[int, int]]]


def _loader(load: Callable[[list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
    return DataLoader(load_fn=load)  # type: ignore[arg-type]


def _by_ids(read: Callable[..., Awaitable[Sequence[V]]]) -> DataLoader[int, V]:
    """A loader over a keyword-only batch read taking `ids`."""

    async def load(keys: list[int]) -> Sequence[V]:
        return await read(ids=keys)

    return _loader(load)


def _by_enterprise_ids(read: Callable[..., Awaitable[Sequence[V]]]) -> DataLoader[int, V]:
    """A loader over a keyword-only batch read taking `enterprise_ids`."""

    async def load(keys: list[int]) -> Sequence[V]:
        return await read(enterprise_ids=keys)

    return _loader(load)


def _counts(read: CountRead) -> DataLoader[int, int]:
    """A loader of counts per parent (0 for a parent without children)."""

    async def load(keys: list[int]) -> list[int]:
        found = await read(keys)
        return [found.get(k, 0) for k in keys]

    return _loader(load)


def _pages(read: PageRead[V], **options: Any) -> DataLoader[int, list[V]]:
    """A loader of up to first+1 children per parent after a key (`options`: first, after,
    and the columns of a read of rows)."""

    async def load(keys: list[int]) -> list[list[V]]:
        found = await read(keys, **options)
        return [found.get(k, []) for k in keys]

    return _loader(load)


def _rows_by_enterprise_ids(
    read: Callable[..., Awaitable[Sequence[V]]], columns: Sequence[str]
) -> DataLoader[int, V]:
    """A loader over a read of rows taking `enterprise_ids` and `columns`."""

    async def load(keys: list[int]) -> Sequence[V]:
        return await read(enterprise_ids=keys, columns=columns)

    return _loader(load)


class Loaders:
    """Every batch read the API makes, as DataLoaders shared by one request's resolvers."""

    def __init__(self) -> None:
        self._keyed: dict[Hashable, DataLoader[Any, Any]] = {}
        # what the request's list fields select, by their place in the response
        self.memo: dict[Hashable, object] = {}

    def _keyed_pages(self, read: PageRead[V], **options: Any) -> DataLoader[int, list[V]]:
        # pages asked with the same arguments batch together
        key = (read.__name__, *sorted(options.items()))
        existing = self._keyed.get(key)
        if existing is None:
            existing = self._keyed[key] = _pages(read, **options)
        return existing

    def _keyed_rows(
        self, read: Callable[..., Awaitable[Sequence[V]]], columns: Sequence[str]
    ) -> DataLoader[int, V]:
        key = (read.__name__, tuple(columns))
        existing = self._keyed.get(key)
        if existing is None:
            existing = self._keyed[key] = _rows_by_enterprise_ids(read, columns)
        return existing

    # enterprises
    @cached_property
    def enterprise(self) -> DataLoader[int, m.Enterprise | None]:
        """Enterprises by key."""
        return _loader(enterprises_by_ids)

    @cached_property
    def tax_records(self) -> DataLoader[int, list[m.TaxRecord]]:
        """Tax years by enterprise, oldest first."""
        return _loader(tax_by_enterprise)

    # patents
    @cached_property
    def patent(self) -> DataLoader[int, m.Patent | None]:
        """Patents by key."""
        return _loader(patents_by_ids)

    def patent_page(
        self, first: int, after: int | None, columns: Sequence[str] | None = None
    ) -> DataLoader[int, list[m.Patent]] | DataLoader[int, list[Row]]:
        """Up to first+1 patents per owner after a key (rows of `columns` when given)."""
        if columns is not None:
            return self._keyed_pages(
                patent_row_pages, first=first, after=after, columns=tuple(columns)
            )
        return self._keyed_pages(patent_pages, first=first, after=after)

    @cached_property
    def patent_count(self) -> DataLoader[int, int]:
        """Patents per owner."""
        return _counts(patent_counts)

    @cached_property
    def patent_litigations(self) -> DataLoader[int, list[m.Litigation]]:
        """Cases about each patent."""
        return _loader(litigations_by_patent)

    # litigation
    def litigation_page(self, first: int, after: int | None) -> DataLoader[int, list[m.Litigation]]:
        """Up to first+1 cases per enterprise after a key."""
        return self._keyed_pages(litigation_pages, first=first, after=after)

    @cached_property
    def litigation_count(self) -> DataLoader[int, int]:
        """Cases per enterprise."""
        return _counts(litigation_counts)

    @cached_property
    def litigation_parties(self) -> DataLoader[int, list[m.LitigationParty]]:
        """Parties of each case, in order."""
        return _loader(parties_by_litigation)

    @cached_property
    def litigation_patent_ids(self) -> DataLoader[int, list[int]]:
        """Keys of the patents each case is about."""
        return _loader(patent_ids_by_litigation)

    # scores, indicators, valuations
    @cached_property
    def latest_risk_score(self) -> DataLoader[int, m.RiskScore | None]:
        """The newest risk score of each enterprise."""
        return _loader(latest_risk_scores)

    @cached_property
    def risk_score(self) -> DataLoader[int, m.RiskScore | None]:
        """Risk scores by key."""
        return _loader(risk_scores_by_ids)

    @cached_property
    def latest_snapshot(self) -> DataLoader[int, m.IndicatorSnapshot | None]:
        """The newest indicator snapshot of each enterprise."""
        return _loader(latest_snapshots)

    def indicator_history(self, last: int) -> DataLoader[int, list[m.IndicatorSnapshot]]:
        """The `last` newest indicator snapshots of each enterprise, oldest first."""
        return self._keyed_pages(snapshot_histories, last=last)

    @cached_property
    def latest_valuation(self) -> DataLoader[int, m.Valuation | None]:
        """The newest valuation of each patent."""
        return _loader(latest_valuations)

    # applications
    @cached_property
    def application(self) -> DataLoader[int, m.LoanApplication | None]:
        """Applications by key."""
        return _by_ids(applications_by_ids)

    def enterprise_applications(
        self, columns: Sequence[str] | None = None
    ) -> DataLoader[int, list[m.LoanApplication]] | DataLoader[int, list[Row]]:
        """Each enterprise's applications, newest first (rows of `columns` when given)."""
        if columns is not None:
            return self._keyed_rows(application_rows_by_enterprise_ids, columns)
        return self._all_enterprise_applications

    @cached_property
    def _all_enterprise_applications(self) -> DataLoader[int, list[m.LoanApplication]]:
        return _by_enterprise_ids(applications_by_enterprise_ids)

    @cached_property
    def product(self) -> DataLoader[int, m.LoanProduct | None]:
        """Loan products by key."""
        return _by_ids(products_by_ids)

    @cached_property
    def pledged_patents(self) -> DataLoader[int, list[m.Patent]]:
        """Patents pledged in each application."""
        return _by_ids(pledged_patents_by_application_ids)

    @cached_property
    def application_history(self) -> DataLoader[int, list[m.StatusChange]]:
        """Each application's status changes, oldest first."""
        return _by_ids(history_by_application_ids)

    # contracts and loans
    @cached_property
    def application_contract(self) -> DataLoader[int, m.Contract | None]:
        """Each application's contract, if any."""
        return _by_ids(contracts_by_application_ids)

    @cached_property
    def loan(self) -> DataLoader[int, m.Loan | None]:
        """Loans by key."""
        return _by_ids(loans_by_ids)

    def enterprise_loans(
        self, columns: Sequence[str] | None = None
    ) -> DataLoader[int, list[m.Loan]] | DataLoader[int, list[Row]]:
        """Each enterprise's loans, oldest first (rows of `columns` when given)."""
        if columns is not None:
            return self._keyed_rows(loan_rows_by_enterprise_ids, columns)
        return self._all_enterprise_loans

    @cached_property
    def _all_enterprise_loans(self) -> DataLoader[int, list[m.Loan]]:
        return _by_enterprise_ids(loans_by_enterprise_ids)

    @cached_property
    def loan_installments(self) -> DataLoader[int, list[m.Installment]]:
        """Each loan's schedule, in order."""
        return _by_ids(installments_by_loan_ids)

    # warnings
    def warning_page(
        self, first: int, after: int | None, columns: Sequence[str] | None = None
    ) -> DataLoader[int, list[m.RiskWarning]] | DataLoader[int, list[Row]]:
        """Up to first+1 warnings per enterprise after a key, oldest first (rows of `columns`
        when given)."""
        if columns is not None:
            return self._keyed_pages(
                warning_row_pages, first=first, after=after, columns=tuple(columns)
            )
        return self._keyed_pages(warning_pages, first=first, after=after)

    @cached_property
    def warning_count(self) -> DataLoader[int, int]:
        """Warnings per enterprise."""
        return _counts(warning_counts)

    # pledge registrations
    @cached_property
    def patent_pledge(self) -> DataLoader[int, m.PatentPledge | None]:
        """Each patent's standing pledge, if any."""
        return _by_ids(standing_pledges_by_patent_ids)

    @cached_property
    def line_pledges(self) -> DataLoader[int, list[m.PatentPledge]]:
        """Each credit line's pledge registrations, oldest first."""
        return _by_ids(pledges_by_line_ids)

    # renewals
    @cached_property
    def loan_renewal(self) -> DataLoader[int, m.Loan | None]:
        """The loan that renewed each loan, if any."""
        return _by_ids(renewals_by_loan_ids)

    # credit lines
    @cached_property
    def credit_line(self) -> DataLoader[int, m.CreditLine | None]:
        """Credit lines by key."""
        return _by_ids(lines_by_ids)

    @cached_property
    def application_credit_line(self) -> DataLoader[int, m.CreditLine | None]:
        """Each application's credit line, if one was granted."""
        return _by_ids(lines_by_application_ids)

    @cached_property
    def line_use(self) -> DataLoader[int, LineUse]:
        """What is drawn on each credit line."""
        return _by_ids(uses_by_line_ids)

    @cached_property
    def line_guarantee(self) -> DataLoader[int, GuaranteeView | None]:
        """Each credit line's guarantee, if it has one."""
        return _by_ids(guarantee_views_by_line_ids)

    @cached_property
    def line_loans(self) -> DataLoader[int, list[m.Loan]]:
        """Each credit line's loans, in drawing order."""
        return _by_ids(loans_by_line_ids)

    @cached_property
    def line_changes(self) -> DataLoader[int, list[m.CreditLineChange]]:
        """Each credit line's changes, oldest first."""
        return _by_ids(changes_by_line_ids)

    # the staff console
    @cached_property
    def user(self) -> DataLoader[int, m.User | None]:
        """Users by key."""
        return _by_ids(users_by_ids)

    @cached_property
    def application_reviews(self) -> DataLoader[int, list[m.Review]]:
        """Each application's reviews with their reviewer, oldest first."""
        return _by_ids(reviews_by_application_ids)

    @cached_property
    def valuation(self) -> DataLoader[int, m.Valuation | None]:
        """Valuations by key."""
        return _by_ids(valuations_by_ids)

    def neighbourhood(self, hops: int) -> DataLoader[int, Neighbourhood | None]:
        """Each enterprise's neighbourhood within `hops` links."""
        key = ("neighbourhood", hops)
        existing = self._keyed.get(key)
        if existing is None:

            async def load(keys: list[int]) -> list[Neighbourhood | None]:
                return await neighbourhoods(enterprise_ids=keys, hops=hops)

            existing = self._keyed[key] = _loader(load)
        return existing


__all__ = ["Loaders"]
