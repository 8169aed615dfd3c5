"""How a report cell is written: for people (localised numbers) and for CSV (plain numbers).

Both write a suppressed cell as "< 5" and an empty one as "–" (CSV: empty), so the page, its chart and
its CSV show the same thing.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from actions.reports.model import Cell, Column, Kind
from core.i18n import LANGUAGE_NAMES, N_, Translate

SUPPRESSED = "< 5"
EMPTY = "–"
DECIMALS: dict[str, int] = {"count": 0, "percent": 1, "ratio": 2, "hours": 1, "score": 1}
COUNTRY_NAMES = {
    "IT": N_("Italy"),
    "DE": N_("Germany"),
    "SI": N_("Slovenia"),
    "HR": N_("Croatia"),
    "HU": N_("Hungary"),
}
SECTOR_NAMES = {"fashion": N_("Fashion"), "design": N_("Design"), "food": N_("Food"), "other": N_("Other")}
TOPIC_NAMES = {
    "legislation": N_("Legislation"),
    "finance": N_("Finance"),
    "marketing": N_("Marketing"),
    "hr": N_("Staff (HR)"),
    "support": N_("Where to get help"),
}
UNKNOWN = N_("Unknown")


def label(column_key: str, value: str, _: Translate) -> str:
    """A label on the page: country, language, sector and topic codes by name; anything else through
    gettext."""
    if value == "unknown":
        return _(UNKNOWN)
    if column_key == "country" and value in COUNTRY_NAMES:
        return _(COUNTRY_NAMES[value])
    if column_key == "language" and value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]
    if column_key == "sector" and value in SECTOR_NAMES:
        return _(SECTOR_NAMES[value])
    if column_key == "topic" and value in TOPIC_NAMES:
        return _(TOPIC_NAMES[value])
    return _(value)


def plain(cell: Cell, kind: Kind, _: Translate) -> str:
    """The CSV value: "< 5", empty, the label (codes stay codes), or a number with a dot and fixed
    decimals."""
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return ""
    if kind == "label" or isinstance(cell.value, str):
        return _(str(cell.value))
    if kind == "count":
        return str(round(cell.value))
    return f"{float(cell.value):.{DECIMALS[kind]}f}"


def shown(cell: Cell, column: Column, _: Translate, lang: str) -> str:
    """The text on the page, with names for codes and the language's digit grouping and decimal sign."""
    kind = column.kind
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return EMPTY
    if kind == "label" or isinstance(cell.value, str):
        return label(column.key, str(cell.value), _)
    decimals = DECIMALS[kind]
    number = format_decimal(
        round(float(cell.value), decimals),
        format="#,##0" + ("." + "0" * decimals if decimals else ""),
        locale=lang,
    )
    if kind == "percent":
        return _("{value} %").format(value=number)
    if kind == "hours":
        return _("{value} h").format(value=number)
    return number
