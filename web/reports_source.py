"""Where the pages come from: ``actions.reports.pages`` in production, small fixed pages in some tests."""

from __future__ import annotations

from typing import Protocol

from actions.reports import pages as report_pages
from actions.reports.model import Filters, Page, Scope
from core.db import Database


class Reports(Protocol):
    """The three things the dashboard asks the reports package."""

    @property
    def pages(self) -> tuple[str, ...]:
        """The page keys, in menu order."""
        ...

    async def build_page(self, db: Database, key: str, filters: Filters, scope: Scope) -> Page:
        """One page for the filters, within the scope, already suppressed."""
        ...

    async def filter_options(self, db: Database, scope: Scope) -> dict[str, list[str]]:
        """The countries, languages and sectors present (within the scope)."""
        ...


class ModuleReports:
    """The real reports (``actions/reports/pages.py``)."""

    @property
    def pages(self) -> tuple[str, ...]:
        """The page keys, in menu order."""
        return report_pages.PAGES

    async def build_page(self, db: Database, key: str, filters: Filters, scope: Scope) -> Page:
        """One page for the filters, within the scope, already suppressed."""
        return await report_pages.build_page(db, key, filters, scope)

    async def filter_options(self, db: Database, scope: Scope) -> dict[str, list[str]]:
        """The countries, languages and sectors present (within the scope)."""
        return await report_pages.filter_options(db, scope)
