"""Trying to get back what "< 5" hides: from totals, other tables, two filtered views, and the CSVs.

The adversary (tests/reports/attacker.py) must fail on every page; it is first shown to succeed on a
table protected by primary suppression alone, so a pass means something.
"""

from __future__ import annotations

import csv
import io

import pytest

from actions.reports.model import Cell, Column, Page, Scope, Table
from actions.reports.pages import PAGES, build_page
from core.services import Services
from tests.reports.attacker import HID, Grid, attack, equations, grid
from tests.reports.builders import World
from tests.reports.helpers import all_cells, keyed, period
from web.format import plain

ALL = Scope()


@pytest.fixture
async def tricky(services: Services) -> None:
    """Small groups everywhere: 2 people on hr, 3 in Ukrainian and design, a German group of 6."""
    w = World()
    g1 = w.people(8, country="IT", language="it", sector="food")
    g2 = w.people(2, country="IT", language="it", sector="food")
    g3 = w.people(3, country="IT", language="uk", sector="design")
    g4 = w.people(6, country="DE", language="de", sector="food")
    w.event(1, 5, country="IT")
    for n, p in enumerate(g1):
        w.question(p, 1, topic="finance")
        w.ticket(p, 2, answered_after=3 + n)
        w.vote(p, 2, "it-e-invoice-sdi", 1)
        w.enrol(1, p, "attended" if n < 6 else "waitlisted")
        w.mentoring(p, 3, state="active" if n < 6 else "declined", approved_after=5)
        w.response(p, 6, {"recommend": 10 if n < 5 else 6})
    for p in g2:
        w.question(p, 8, topic="hr", answered=False, confidence=0.2)
        w.ticket(p, 9)
        w.vote(p, 9, "it-e-invoice-sdi", -1)
        w.response(p, 6, {"recommend": 3}, submitted=False, current="features")
    for p in g3:
        w.question(p, 4, language="uk", topic="marketing", article="it-marketing-x")
        w.ticket(p, 4, language="uk", topic="marketing", answered_after=1)
        w.enrol(1, p, "confirmed")
    for n, p in enumerate(g4):
        w.question(p, 3, country="DE", language="de", topic="legislation", answered=n < 4, article="de-x")
    w.broadcast(1, 4, {"sent": g1, "failed": g2, "unreachable": g3})
    await w.save(services.db)


def test_the_adversary_beats_primary_suppression_alone() -> None:
    shown = Grid(
        "by_topic", ["topic", "questions"], ["label", "count"], [["a", HID], ["b", 8], ["c", 10]], ["T", 20]
    )
    assert equations("questions", [shown], {}).recovered() == {("by_topic", 0, "questions"): 2.0}
    pair = Grid(
        "by_topic", ["topic", "questions"], ["label", "count"], [["a", HID], ["b", HID], ["c", 9]], ["T", 11]
    )
    assert equations("questions", [pair], {}).recovered() != {}  # two hidden cells that must both be 1


@pytest.mark.parametrize("key", PAGES)
async def test_no_hidden_cell_follows_from_the_page(services: Services, tricky: None, key: str) -> None:
    for filters in (period(), period(language="it"), period(sector="food"), period(country="IT")):
        page = await build_page(services.db, key, filters, ALL)
        recovered, hidden = attack(page)
        assert recovered == {}, f"{key} {filters}: {recovered}"
        if filters == period():
            assert hidden > 0, f"{key}: the tricky world should hide something"


async def test_gap_tables_do_not_give_back_the_breakdowns(services: Services, tricky: None) -> None:
    page = await build_page(services.db, "questions", period(), ALL)
    gaps = grid(page.table("unanswered"))
    hr = [row for row in gaps.rows if row[0] == "hr"]
    assert hr == [["hr", "it", HID, HID]]  # two people
    topic = {row[0]: row for row in grid(page.table("by_topic")).rows}
    assert topic["hr"][4] == HID  # and the by-topic "not answered" cannot tell either
    assert attack(page)[0] == {}


FILTERS = [{"language": "it"}, {"sector": "food"}, {"language": "it", "sector": "food"}, {"country": "IT"}]


@pytest.mark.parametrize("narrow", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
@pytest.mark.parametrize("key", PAGES)
async def test_two_views_do_not_isolate_a_small_group(
    services: Services, tricky: None, key: str, narrow: dict[str, str]
) -> None:
    """For every wider view (one filter or all dropped), a shown cell minus the same shown cell of the
    narrow view must not describe 1–4 people: the difference is checked against the view of exactly
    the people left out (built here by the test, not by the code under test)."""
    filtered = await build_page(services.db, key, period(**narrow), ALL)
    names = list(narrow)
    wider_views = [{k: v for k, v in narrow.items() if k != drop} for drop in names] + [{}]
    for wide in wider_views:
        wider = await build_page(services.db, key, period(**wide), ALL)
        narrow_cells, wide_cells = keyed(filtered), keyed(wider)
        for place, big_cell in wide_cells.items():
            small_cell = narrow_cells.get(place, Cell(0, 0))  # a row the narrow view does not have is 0
            if small_cell.suppressed or big_cell.suppressed:
                continue
            if not isinstance(small_cell.value, int | float) or isinstance(small_cell.value, bool):
                continue
            left_out = big_cell.people - small_cell.people
            assert not 0 < left_out < 5 or big_cell.value == small_cell.value, (
                key,
                narrow,
                wide,
                big_cell,
                small_cell,
            )


async def test_the_language_difference_is_refused(services: Services, tricky: None) -> None:
    """Everyone minus Italian speakers within IT would be the 3 Ukrainian speakers: the Italian view hides
    its IT figures rather than let a partner subtract."""
    every = await build_page(services.db, "questions", period(country="IT"), ALL)
    italian = await build_page(services.db, "questions", period(country="IT", language="it"), ALL)
    assert every.table("by_country").total is not None and not every.table("by_country").total[1].suppressed
    total = italian.table("by_country").total
    assert total is not None and total[1].suppressed


@pytest.mark.parametrize("key", PAGES)
async def test_csv_holds_nothing_hidden(services: Services, tricky: None, key: str) -> None:
    """What the CSV download writes (web.format.plain over the cells): "< 5" and nothing else for a
    hidden cell, no value or people left inside the Cell, and the adversary fails on the CSV too."""
    page = await build_page(services.db, key, period(), ALL)
    for cell in all_cells(page):
        if cell.suppressed:
            assert (cell.value, cell.people) == (None, 0)
    for table in page.tables:
        text = _csv(table)
        parsed = list(csv.reader(io.StringIO(text)))
        assert parsed[0] == [c.key for c in table.columns]
        lines = [*table.rows, *([table.total] if table.total is not None else [])]
        for row, written in zip(lines, parsed[1:], strict=True):
            for cell, field in zip(row, written, strict=True):
                assert (field == "< 5") == cell.suppressed
    rebuilt = Page(page.key, page.title, metrics=page.metrics, tables=[_from_csv(t) for t in page.tables])
    assert attack(rebuilt)[0] == {}


def _csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.key for c in table.columns])
    for row in [*table.rows, *([table.total] if table.total is not None else [])]:
        writer.writerow(
            [plain(cell, col.kind, lambda s: s) for cell, col in zip(row, table.columns, strict=True)]
        )
    return out.getvalue()


def _from_csv(table: Table) -> Table:
    """The table as numbers read back from its CSV."""
    parsed = list(csv.reader(io.StringIO(_csv(table))))[1:]

    def cell(text: str, column: Column) -> Cell:
        if text == "< 5":
            return Cell(None, 0, True)
        if column.kind == "label" or text == "":
            return Cell(text or None)
        return Cell(float(text) if "." in text else int(text))

    lines = [[cell(t, c) for t, c in zip(row, table.columns, strict=True)] for row in parsed]
    total = lines.pop() if table.total is not None else None
    return Table(table.key, table.title, table.columns, lines, total)
