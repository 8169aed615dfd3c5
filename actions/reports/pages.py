"""The dashboard's pages: one builder per page, the filter options, the scope check.

``build_page`` is all the web layer calls for figures: every table it returns is already suppressed
(``suppression.py``) and limited to the account's countries (``query.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select

from actions.models import MessageLog
from actions.reports import (
    broadcasts,
    funnel,
    handover,
    mentoring,
    overview,
    questionnaire,
    questions,
    sources,
)
from actions.reports.model import MIN_PEOPLE, Filters, Page, Scope
from actions.reports.query import ScopeError, Source, check_scope
from core.db import Database

PAGES: tuple[str, ...] = (
    "overview",
    "questions",
    "handover",
    "funnel",
    "mentoring",
    "questionnaire",
    "broadcasts",
)

Builder = Callable[[Database, Filters, Scope], Awaitable[Page]]
BUILDERS: dict[str, Builder] = {
    "overview": overview.build,
    "questions": questions.build,
    "handover": handover.build,
    "funnel": funnel.build,
    "mentoring": mentoring.build,
    "questionnaire": questionnaire.build,
    "broadcasts": broadcasts.build,
}


async def build_page(db: Database, key: str, filters: Filters, scope: Scope) -> Page:
    """The page ``key`` for these filters; ScopeError for a country outside the scope, KeyError for a
    page that does not exist."""
    if key not in PAGES:
        raise KeyError(key)
    check_scope(filters, scope)
    return await BUILDERS[key](db, filters, scope)


async def filter_options(db: Database, scope: Scope) -> dict[str, list[str]]:
    """Countries, languages and sectors present within the scope (values of at least 5 people)."""
    src = sources.messages()
    options: dict[str, list[str]] = {}
    for name, column in (("countries", src.country), ("languages", src.language), ("sectors", src.sector)):
        options[name] = await _present(db, src, column, scope)
    return options


async def _present(db: Database, src: Source, column: Any, scope: Scope) -> list[str]:
    query = (
        select(column)
        .select_from(src.table)
        .group_by(column)
        .having(func.count(func.distinct(MessageLog.pseudonym)) >= MIN_PEOPLE)
    )
    if scope.countries is not None:
        query = query.where(src.country.in_(sorted(scope.countries)))
    async with db.transaction() as session:
        return sorted(str(v) for v in (await session.scalars(query)).all())


__all__ = ["PAGES", "ScopeError", "build_page", "filter_options"]
