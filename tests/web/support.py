"""What the dashboard tests share: small fixed report pages (for tests about the web layer, not the
figures), the test password, and signing in the way a browser does."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from actions.reports.model import Cell, Chart, Column, Filters, Metric, Page, Scope, Table
from core.db import Database

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def count(value: int) -> Cell:
    """A count cell, suppressed under 5 people (as the reports do)."""
    return Cell(value, people=value, suppressed=value < 5)


@dataclass
class FixedReports:
    """Two small pages whose figures depend on the filters; records what the web layer asked."""

    calls: list[tuple[str, Filters, Scope]] = field(default_factory=list)

    @property
    def pages(self) -> tuple[str, ...]:
        return ("overview", "questions")

    async def build_page(self, db: Database, key: str, filters: Filters, scope: Scope) -> Page:
        self.calls.append((key, filters, scope))
        days = (filters.end - filters.start).days + 1
        countries = sorted(scope.countries) if scope.countries is not None else ["DE", "HR", "HU", "IT", "SI"]
        if filters.country is not None:
            countries = [filters.country]
        rows = [
            [Cell(code), count(days + i), count(3 if code == "HR" else days // 2)]
            for i, code in enumerate(countries)
        ]
        table = Table(
            key="by_country",
            title="Questions by country",
            columns=[
                Column("country", "Country", "label"),
                Column("questions", "Questions"),
                Column("people", "People", "count"),
            ],
            rows=rows,
            chart=Chart("bar", "country", ("questions", "people")),
        )
        weeks = Table(
            key="weekly",
            title="Active people per week",
            columns=[
                Column("week", "Week", "label"),
                Column("people", "People"),
                Column("share", "Share answered", "percent"),
            ],
            rows=[[Cell(f"2026-W{w:02d}"), count(w), Cell(50.0 + w, people=10)] for w in range(1, 6)],
            chart=Chart("line", "week", ("people",)),
        )
        metric = Metric("questions", "Questions", "count", count(days * 3), count(days * 2))
        return Page(
            key=key,
            title="Overview" if key == "overview" else "Questions",
            metrics=[metric],
            tables=[table, weeks],
        )

    async def filter_options(self, db: Database, scope: Scope) -> dict[str, list[str]]:
        return {
            "countries": ["DE", "HR", "HU", "IT", "SI"],
            "languages": ["en", "it", "de"],
            "sectors": ["fashion", "food"],
        }


Client = Callable[..., Awaitable[httpx.AsyncClient]]


async def csrf_of(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The CSRF token of the form on a page."""
    found = CSRF.search((await client.get(path)).text)
    assert found is not None
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Post the login form the way a browser does (with the form's token)."""
    token = await csrf_of(client)
    return await client.post("/login", data={"email": email, "password": password, "csrf": token})
