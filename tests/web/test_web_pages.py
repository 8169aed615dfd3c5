"""The pages and their CSV files over HTTP: sign-in required, scope checked on the server, filters, "< 5"."""

from __future__ import annotations

import csv
import html as markup
import io
import re
from datetime import date, timedelta
from pathlib import Path

from actions.reports.model import Filters, Page, Scope
from core.db import Database
from tests.web.support import Client, FixedReports, sign_in
from web.accounts import AccountService

ROOT = Path(__file__).resolve().parents[2]
CELL = re.compile(r'<td class="([a-z]+)[^"]*" data-value="([^"]*)">([^<]*)</td>')


def section(html: str, key: str) -> str:
    """The HTML of one table's section."""
    start = html.index(f'data-table="{key}"')
    end = html.find("</section>", start)
    return html[start:end]


def table_cells(html: str, key: str) -> list[list[str]]:
    """The CSV values the page puts on each cell of a table (rows, then the total)."""
    rows = re.findall(r"<tr>(.*?)</tr>", section(html, key), flags=re.S)
    return [
        [markup.unescape(value) for _kind, value, _text in CELL.findall(row)] for row in rows if "<td" in row
    ]


def read_csv(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


async def test_pages_and_csv_files_need_sign_in(client_for: Client) -> None:
    client = await client_for()

    page = await client.get("/overview")
    download = await client.get("/overview.csv?table=by_country")

    assert page.status_code == download.status_code == 303
    assert page.headers["location"] == "/login?next=%2Foverview"
    assert download.headers["location"].startswith("/login?next=")


async def test_a_partner_cannot_open_another_country_by_editing_the_url(
    client_for: Client, accounts: AccountService, reports: FixedReports
) -> None:
    client = await client_for()
    await sign_in(client, "partner@example.org")  # partner for IT only

    own = await client.get("/overview?country=IT")
    other = await client.get("/overview?country=DE")
    other_csv = await client.get("/questions.csv?table=by_country&country=de")

    assert own.status_code == 200
    assert (other.status_code, other_csv.status_code) == (403, 403)
    assert "Your account does not include this country." in other.text
    assert [call[1].country for call in reports.calls] == ["IT"]  # nothing was built for DE


async def test_the_page_and_its_csv_are_built_with_the_accounts_scope(
    client_for: Client, accounts: AccountService, reports: FixedReports
) -> None:
    partner, coach = await client_for(), await client_for()
    await sign_in(partner, "partner@example.org")
    await sign_in(coach, "coach@example.org")

    page = await partner.get("/overview")
    await partner.get("/overview.csv?table=by_country")
    await coach.get("/overview?country=DE")

    assert [scope for _key, _filters, scope in reports.calls] == [
        Scope(frozenset({"IT"})),
        Scope(frozenset({"IT"})),
        Scope(None),
    ]
    assert "All my countries" in page.text and '<option value="DE"' not in page.text


async def test_filters_default_to_the_last_90_days_and_change_the_figures(
    client_for: Client, accounts: AccountService, reports: FixedReports
) -> None:
    client = await client_for()
    await sign_in(client, "admin@example.org")

    default = await client.get("/overview")
    shorter = await client.get("/overview?start=2026-11-01&end=2026-11-30&country=SI&language=it&sector=food")

    filters = reports.calls[0][1]
    assert (filters.end - filters.start, filters.country) == (timedelta(days=89), None)
    assert reports.calls[1][1].start == date(2026, 11, 1)
    assert (reports.calls[1][1].language, reports.calls[1][1].sector) == ("it", "food")
    assert table_cells(default.text, "by_country")[0] != table_cells(shorter.text, "by_country")[0]
    assert 'value="2026-11-01"' in shorter.text


async def test_a_filter_the_page_cannot_use_gets_a_polite_400(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    await sign_in(client, "admin@example.org")

    bad_date = await client.get("/overview?start=yesterday")
    backwards = await client.get("/overview?start=2026-12-01&end=2026-11-01")
    country = await client.get("/overview?country=FR")
    sector = await client.get("/overview?sector=<script>")

    assert {r.status_code for r in (bad_date, backwards, country, sector)} == {400}
    assert "use the form YYYY-MM-DD" in bad_date.text
    assert "The start date is after the end date." in backwards.text
    assert "<script>" not in sector.text


async def test_the_csv_holds_exactly_the_values_of_the_pages_table(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    await sign_in(client, "admin@example.org")
    query = "start=2026-11-01&end=2026-11-30"

    page = await client.get(f"/overview?{query}")
    download = await client.get(f"/overview.csv?table=by_country&{query}")

    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in download.headers["content-disposition"]
    rows = read_csv(download.text)
    assert rows[0] == ["country", "questions", "people"]
    assert rows[1:] == table_cells(page.text, "by_country")
    assert 'href="/overview.csv?start=2026-11-01&amp;end=2026-11-30&amp;table=by_country"' in page.text


async def test_a_suppressed_cell_is_shown_as_under_5_in_the_table_the_chart_and_the_csv(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    await sign_in(client, "admin@example.org")

    page = await client.get("/overview?start=2026-11-01&end=2026-11-30")
    rows = read_csv((await client.get("/overview.csv?table=by_country&start=2026-11-01&end=2026-11-30")).text)

    croatia = next(row for row in rows if row[0] == "HR")
    assert croatia[2] == "< 5"
    html = section(page.text, "by_country")
    assert '<td class="count hidden-cell" data-value="&lt; 5">&lt; 5</td>' in html
    assert 'class="suppressed"' in html and "Croatia · People: &lt; 5" in html
    assert 'data-value="3"' not in html  # the hidden figure is nowhere in the page


async def test_unknown_pages_and_tables_are_404_and_polite(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    await sign_in(client, "admin@example.org")

    page = await client.get("/nonsense")
    table = await client.get("/overview.csv?table=nonsense")

    assert (page.status_code, table.status_code) == (404, 404)
    assert "There is no page at this address." in page.text


async def test_pages_are_in_the_chosen_language_with_its_number_format(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for()
    client.headers["accept-language"] = "it"  # a browser sends it with every request
    await sign_in(client, "admin@example.org")

    page = await client.get("/overview?start=2026-11-01&end=2026-11-30")

    assert "Panoramica" in page.text and "Scarica CSV" in page.text
    assert "Croazia" in page.text  # the country filter's options
    assert "55,0 %" in page.text  # Italian decimal comma; the CSV keeps 55.0


class BrokenReports(FixedReports):
    """A reports package whose page fails (a bug, a database gone away)."""

    async def build_page(self, db: Database, key: str, filters: Filters, scope: Scope) -> Page:
        raise RuntimeError("secret internal detail")


async def test_a_failing_page_is_a_polite_500_without_the_error(
    client_for: Client, accounts: AccountService
) -> None:
    client = await client_for(source=BrokenReports(), raise_app_exceptions=False)  # as a server does
    await sign_in(client, "admin@example.org")

    response = await client.get("/overview")

    assert response.status_code == 500
    assert "This page could not be shown. Please try again in a moment." in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text


def test_the_web_package_never_imports_telegram_or_the_bot() -> None:
    offenders = [
        path.name
        for path in (ROOT / "web").rglob("*.py")
        if re.search(r"^\s*(from|import) (telegram|bot)\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []
