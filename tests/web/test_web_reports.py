"""The dashboard on the real reports (actions/reports) and demo activity, on SQLite and PostgreSQL: every
page and every table's CSV, the same figures in both, and a partner's scope in every table."""

from __future__ import annotations

import csv
import html
import io
import re

from actions.reports.pages import PAGES
from actions.seed import seed_demo
from actions.seed_activity import seed_activity
from core.db import Database
from tests.web.support import PASSWORD, Client, sign_in
from web.accounts import AccountService
from web.reports_source import ModuleReports

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
VALUE = re.compile(r'<td class="[^"]*" data-value="([^"]*)">')


async def test_every_page_and_csv_on_the_demo_activity_and_a_partners_scope(
    client_for: Client, web_db: Database
) -> None:
    await seed_demo(web_db)
    assert await seed_activity(web_db, people=150) is not None
    service = AccountService(web_db)
    await service.add("admin@example.org", "admin", PASSWORD)
    await service.add("partner@example.org", "partner", PASSWORD, frozenset({"IT", "DE"}))
    admin, partner = await client_for(source=ModuleReports()), await client_for(source=ModuleReports())
    await sign_in(admin, "admin@example.org")
    await sign_in(partner, "partner@example.org")

    for key in PAGES:
        page = await admin.get(f"/{key}")
        assert page.status_code == 200, key
        keys = re.findall(r'<section class="report" id="t-[^"]+" data-table="([^"]+)"', page.text)
        assert keys, key
        for table in keys:
            start = page.text.index(f'data-table="{table}"')
            section = page.text[start : page.text.index("</section>", start)]
            on_page = [[html.unescape(v) for v in VALUE.findall(row)] for row in ROW.findall(section)]
            download = await admin.get(f"/{key}.csv?table={table}")
            rows = list(csv.reader(io.StringIO(download.text.removeprefix("\ufeff"))))
            assert rows[1:] == [row for row in on_page if row], f"{key}.{table}"

    by_country = await partner.get("/questions.csv?table=by_country")
    countries = {row[0] for row in csv.reader(io.StringIO(by_country.text.removeprefix("\ufeff")))}
    assert countries <= {"country", "IT", "DE", "Total"} and {"IT", "DE"} & countries
    assert (await partner.get("/handover?country=HU")).status_code == 403
