"""How a report cell is written: for people (localised numbers) and for CSV (plain numbers).

Both write a suppressed cell as "< 5" and an empty one as "–" (CSV: empty), so the page, its chart and
its CSV show the same thing.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from actions.reports.model import Cell, Kind
from core.i18n import Translate

SUPPRESSED = "< 5"
EMPTY = "–"
DECIMALS: dict[str, int] = {"count": 0, "percent": 1, "ratio": 2, "hours": 1, "score": 1}


def plain(cell: Cell, kind: Kind, _: Translate) -> str:
    """The CSV value: "< 5", empty, a translated label, or a number with a dot and fixed decimals."""
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return ""
    if kind == "label" or isinstance(cell.value, str):
        return _(str(cell.value))
    if kind == "count":
        return str(round(cell.value))
    return f"{float(cell.value):.{DECIMALS[kind]}f}"


def shown(cell: Cell, kind: Kind, _: Translate, lang: str) -> str:
    """The text on the page, with the language's digit grouping and decimal sign."""
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return EMPTY
    if kind == "label" or isinstance(cell.value, str):
        return _(str(cell.value))
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
