"""The filters of every page, read from the query string and checked against the account's scope."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from actions.models import COUNTRIES, SECTORS
from actions.reports.model import Filters, Scope
from core.i18n import N_, SUPPORTED_LANGUAGES

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


class BadFilter(ValueError):
    """A filter the page cannot use; ``message`` is a msgid for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OutOfScope(PermissionError):
    """A filter on a country the account may not see."""


def today() -> date:
    """The current date in UTC (the reports count in UTC)."""
    return datetime.now(UTC).date()


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadFilter(N_("The date is not valid; use the form YYYY-MM-DD.")) from None


def parse_filters(params: Mapping[str, str], scope: Scope) -> Filters:
    """Filters from ``start``, ``end``, ``country``, ``language``, ``sector``; the last 90 days by default.

    Raises BadFilter for a value the page cannot use and OutOfScope for a country outside the scope. A
    partner who names no country sees their own countries (the reports restrict to the scope).
    """
    end = _date(params.get("end")) or today()
    start = _date(params.get("start")) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadFilter(N_("The start date is after the end date."))
    if (end - start).days >= MAX_DAYS:
        raise BadFilter(N_("Choose a period of at most three years."))
    country = (params.get("country") or "").upper() or None
    if country is not None and country not in COUNTRIES:
        raise BadFilter(N_("This country is not one InterHub works in."))
    if country is not None and not scope.allows(country):
        raise OutOfScope(country)
    language = params.get("language") or None
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise BadFilter(N_("This language is not one InterHub speaks."))
    sector = params.get("sector") or None
    if sector is not None and sector not in SECTORS:
        raise BadFilter(N_("This sector is not one InterHub knows."))
    return Filters(start=start, end=end, country=country, language=language, sector=sector)


def query_string(filters: Filters, **extra: str) -> str:
    """The query string that reproduces these filters (for links between pages and to CSV files)."""
    values = {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "country": filters.country or "",
        "language": filters.language or "",
        "sector": filters.sector or "",
        **extra,
    }
    return urlencode({key: value for key, value in values.items() if value})
