"""Where the pages come from: ``actions.reports.pages`` in production, small fixed pages in some tests."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Protocol

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


def _module() -> ModuleType:  # TEMPORARY until actions/reports/pages.py lands: then a plain import
    return importlib.import_module("actions.reports.pages")


class ModuleReports:
    """The real reports (``actions/reports/pages.py``)."""

    @property
    def pages(self) -> tuple[str, ...]:
        """The page keys, in menu order."""
        return tuple(_module().PAGES)

    async def build_page(self, db: Database, key: str, filters: Filters, scope: Scope) -> Page:
        """One page for the filters, within the scope, already suppressed."""
        page: Page = await _module().build_page(db, key, filters, scope)
        return page

    async def filter_options(self, db: Database, scope: Scope) -> dict[str, list[str]]:
        """The countries, languages and sectors present (within the scope)."""
        options: dict[str, list[str]] = await _module().filter_options(db, scope)
        return options
