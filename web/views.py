"""The pages and their CSV files: every request signed in, its filters checked against the account's scope."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from actions.models import COUNTRIES, SECTORS
from actions.reports.model import Cell, Column, Filters, Page, Scope, Table
from core.i18n import LANGUAGE_NAMES, N_
from web.auth import context, current_session, forbidden, language_of, render
from web.charts import render_chart
from web.filters import BadFilter, OutOfScope, parse_filters, query_string
from web.format import COUNTRY_NAMES, SECTOR_NAMES, plain, shown
from web.i18n import web_translator
from web.sessions import Session

log = logging.getLogger(__name__)

PAGE_NAMES = {
    "overview": N_("Overview"),
    "questions": N_("Questions"),
    "handover": N_("Handover"),
    "funnel": N_("Events funnel"),
    "mentoring": N_("Mentoring"),
    "questionnaire": N_("Questionnaire"),
    "broadcasts": N_("Broadcasts"),
}
OUT_OF_SCOPE = N_("Your account does not include this country. Choose one of your countries.")


@dataclass(frozen=True)
class Option:
    """One option of a filter select."""

    value: str
    label: str


@dataclass(frozen=True)
class RenderedTable:
    """A table ready for the template: translated headings, cell texts, CSV values and the chart."""

    key: str
    title: str
    note: str | None
    headings: list[tuple[str, str]]  # (text, kind)
    rows: list[list[tuple[str, str, str]]]  # (shown, csv value, kind)
    total: list[tuple[str, str, str]] | None
    chart: str | None
    csv_url: str


async def _signed_in(request: Request) -> Session | Response:
    session = await current_session(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return session


async def home(request: Request) -> Response:
    """The overview (or the sign-in form)."""
    session = await _signed_in(request)
    return session if isinstance(session, Response) else RedirectResponse("/overview", status_code=303)


def _filters(request: Request, scope: Scope) -> Filters | Response:
    try:
        return parse_filters(request.query_params, scope)
    except OutOfScope:
        log.info("dashboard: a filter outside the account's countries was refused")
        return forbidden(request, OUT_OF_SCOPE)
    except BadFilter as problem:
        return render(
            request, "error.html", 400, title=N_("This filter cannot be used"), message=problem.message
        )


def _options(found: dict[str, list[str]], scope: Scope) -> dict[str, list[Option]]:
    countries = [c for c in COUNTRIES if scope.allows(c) and (c in found.get("countries", COUNTRIES))]
    languages = [code for code in LANGUAGE_NAMES if code in found.get("languages", list(LANGUAGE_NAMES))]
    sectors = [s for s in SECTORS if s in found.get("sectors", SECTORS)]
    return {
        "country": [Option(c, COUNTRY_NAMES[c]) for c in countries],
        "language": [Option(code, LANGUAGE_NAMES[code]) for code in languages],
        "sector": [Option(s, SECTOR_NAMES[s]) for s in sectors],
    }


def _table(table: Table, page_key: str, filters: Filters, lang: str, index: int) -> RenderedTable:
    _ = web_translator(lang)

    def text(cell: Cell, column: Column) -> str:
        return shown(cell, column, _, lang)

    def cells(row: list[Cell]) -> list[tuple[str, str, str]]:
        return [
            (text(cell, column), plain(cell, column.kind, _), column.kind)
            for cell, column in zip(row, table.columns, strict=True)
        ]

    chart = render_chart(table, label=_, fmt=text, uid=f"c{index}")
    return RenderedTable(
        key=table.key,
        title=_(table.title),
        note=_(table.note) if table.note else None,
        headings=[(_(column.label), column.kind) for column in table.columns],
        rows=[cells(row) for row in table.rows],
        total=cells(table.total) if table.total is not None else None,
        chart=chart,
        csv_url=f"/{page_key}.csv?{query_string(filters, table=table.key)}",
    )


async def _page_for(request: Request, session: Session) -> tuple[str, Filters, Page] | Response:
    web = context(request)
    key = request.path_params["page"]
    if key not in web.reports.pages:
        raise HTTPException(404)
    filters = _filters(request, session.account.scope)
    if isinstance(filters, Response):
        return filters
    return key, filters, await web.reports.build_page(web.db, key, filters, session.account.scope)


async def page(request: Request) -> Response:
    """One dashboard page: headline figures, then each table with its chart and its CSV link."""
    session = await _signed_in(request)
    if isinstance(session, Response):
        return session
    built = await _page_for(request, session)
    if isinstance(built, Response):
        return built
    key, filters, report = built
    web = context(request)
    lang = language_of(request, session)
    _ = web_translator(lang)
    scope = session.account.scope
    return render(
        request,
        "page.html",
        page=report,
        key=key,
        pages=[(name, f"/{name}?{query_string(filters)}") for name in web.reports.pages],
        page_names=PAGE_NAMES,
        filters=filters,
        options=_options(await web.reports.filter_options(web.db, scope), scope),
        all_countries=scope.countries is None,
        metrics=[
            (
                _(metric.label),
                shown(metric.current, Column(metric.key, metric.label, metric.kind), _, lang),
                shown(metric.previous, Column(metric.key, metric.label, metric.kind), _, lang),
                metric.key,
            )
            for metric in report.metrics
        ],
        tables=[_table(table, key, filters, lang, i) for i, table in enumerate(report.tables)],
    )


async def csv_download(request: Request) -> Response:
    """One table of a page as CSV: the same filters, scope and suppression as the page."""
    session = await _signed_in(request)
    if isinstance(session, Response):
        return session
    built = await _page_for(request, session)
    if isinstance(built, Response):
        return built
    key, filters, report = built
    try:
        table = report.table(request.query_params.get("table", ""))
    except KeyError:
        raise HTTPException(404) from None
    _ = web_translator(language_of(request, session))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.key for column in table.columns])
    for row in [*table.rows, *([table.total] if table.total is not None else [])]:
        writer.writerow(
            [plain(cell, column.kind, _) for cell, column in zip(row, table.columns, strict=True)]
        )
    name = f"interhub-{key}-{table.key}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(
        "\ufeff" + out.getvalue(),  # the byte-order mark lets spreadsheets read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def not_found(request: Request, _exc: Exception) -> Response:
    """The polite 404 page."""
    await current_session(request)
    return render(
        request,
        "error.html",
        404,
        title=N_("Page not found"),
        message=N_("There is no page at this address."),
    )


async def server_error(request: Request, _exc: Exception) -> Response:
    """The polite 500 page; the error is logged without any request data."""
    log.exception("dashboard: a page failed")
    return render(
        request,
        "error.html",
        500,
        title=N_("Something went wrong"),
        message=N_("This page could not be shown. Please try again in a moment."),
    )
