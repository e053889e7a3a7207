"""Downloads for the sponsor and the regulator (loan officers and risk managers, with the
same Bearer token as the API):

- GET /subsidy-statement.csv?programme=ZXD_SUBSIDY&quarter=2026Q3 (and .xlsx): the quarter's
  claim statement;
- GET /regulator-report.xlsx?month=2026-11: the inclusive-finance report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from config import settings
from domain.credit import exports
from domain.credit.regulator import report
from domain.credit.subsidy_claims import statement
from domain.errors import DomainError, ErrorCode
from schema.session_guard import current_principal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_STATUS = {ErrorCode.FORBIDDEN: 403, ErrorCode.NOT_FOUND: 404}


async def _download(
    request: Request, make: Callable[..., Awaitable[tuple[str | bytes, str, str]]]
) -> Response:
    """401 without a token, 403 for other roles, 404 for an unknown programme, 400 for bad
    arguments; else the file."""
    principal, _ = await current_principal(request.headers.get("authorization"), settings())
    if principal is None:
        return JSONResponse({"error": "authentication required"}, status_code=401)
    try:
        body, media_type, name = await make(principal, request.query_params)
    except DomainError as exc:
        return JSONResponse({"error": exc.message}, status_code=_STATUS.get(exc.code, 400))
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _statement(principal, params, kind: str):  # type: ignore[no-untyped-def]
    found = await statement(
        principal=principal,
        programme_code=params.get("programme", ""),
        quarter=params.get("quarter", ""),
    )
    name = f"subsidy-{found.programme.code}-{found.quarter.label}.{kind}"
    if kind == "csv":
        return exports.statement_csv(found), "text/csv; charset=utf-8", name
    return exports.statement_xlsx(found), XLSX, name


async def subsidy_statement_csv(request: Request) -> Response:
    """The claim statement as CSV."""
    return await _download(request, lambda p, q: _statement(p, q, "csv"))


async def subsidy_statement_xlsx(request: Request) -> Response:
    """The claim statement as XLSX."""
    return await _download(request, lambda p, q: _statement(p, q, "xlsx"))


async def regulator_report_xlsx(request: Request) -> Response:
    """The month's inclusive-finance report as XLSX."""

    async def make(principal, params):  # type: ignore[no-untyped-def]
        found = await report(principal=principal, month=params.get("month", ""))
        return exports.regulator_xlsx(found), XLSX, f"inclusive-finance-{found.month}.xlsx"

    return await _download(request, make)


ROUTES = [
    Route("/subsidy-statement.csv", subsidy_statement_csv),
    Route("/subsidy-statement.xlsx", subsidy_statement_xlsx),
    Route("/regulator-report.xlsx", regulator_report_xlsx),
]

__all__ = [
    "ROUTES",
    "regulator_report_xlsx",
    "subsidy_statement_csv",
    "subsidy_statement_xlsx",
]
