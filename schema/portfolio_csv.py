"""GET /portfolio.csv[?asOf=YYYY-MM-DD]: the portfolio figures as one CSV table, for
spreadsheets (loan officers and risk managers, with the same Bearer token as the API)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from config import settings
from domain.errors import DomainError, ErrorCode
from domain.loanbook.portfolio import portfolio_csv
from schema.session_guard import current_principal


async def portfolio_csv_download(request: Request) -> Response:
    """The portfolio as CSV; 401 without a token, 403 for other roles, 400 for a bad date."""
    principal, _ = await current_principal(request.headers.get("authorization"), settings())
    if principal is None:
        return JSONResponse({"error": "authentication required"}, status_code=401)
    raw = request.query_params.get("asOf")
    try:
        as_of = date.fromisoformat(raw) if raw else None
    except ValueError:
        return JSONResponse({"error": "asOf must be a date, YYYY-MM-DD"}, status_code=400)
    try:
        text = await portfolio_csv(principal=principal, as_of=as_of)
    except DomainError as exc:
        status = 403 if exc.code == ErrorCode.FORBIDDEN else 400
        return JSONResponse({"error": exc.message}, status_code=status)
    name = f"portfolio-{as_of or 'latest'}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


__all__ = ["portfolio_csv_download"]
