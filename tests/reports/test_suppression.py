"""The suppression rules on hand-made cells: primary, complementary, the audit, derived figures, scrubbing."""

from __future__ import annotations

from actions.reports.model import Cell
from actions.reports.query import percent
from actions.reports.suppression import Ledger, Relation, determined, small


def people(n: int, value: int | None = None) -> Cell:
    """A count of ``n`` people (value ``n`` unless given), hidden when 1–4 as the queries do."""
    return Cell(n if value is None else value, n, suppressed=small(n))


def test_small_is_one_to_four() -> None:
    assert [small(n) for n in range(7)] == [False, True, True, True, True, False, False]


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it() -> None:
    a, b, c, total = people(3), people(6), people(9), people(18)
    ledger = Ledger()
    ledger.relate([a, b, c], total)
    ledger.finish()
    assert [x.suppressed for x in (a, b, c, total)] == [True, True, False, False]
    assert (a.value, a.people, b.value, b.people) == (None, 0, None, 0)  # scrubbed
    assert (c.value, total.value) == (9, 18)


def test_hidden_cells_that_must_all_be_one_take_another() -> None:
    a, b, c, total = people(1), people(1), people(20), people(22)
    ledger = Ledger()
    ledger.relate([a, b, c], total)
    ledger.finish()
    assert c.suppressed  # 22 − 20 = 2 over two hidden cells would mean 1 and 1


def test_zero_is_shown_and_never_taken_as_the_complement() -> None:
    a, zero, c, total = people(2), people(0), people(7), people(9)
    ledger = Ledger()
    ledger.relate([a, zero, c], total)
    ledger.finish()
    assert (zero.suppressed, zero.value, c.suppressed) == (False, 0, True)


def test_the_audit_finds_a_bridge_the_row_and_column_rule_misses() -> None:
    """Two 2×2 blocks of hidden cells joined by one hidden cell: every row and column has two or more
    hidden cells, yet the joining cell follows from rows A, B minus columns 1, 2."""
    grid = {(r, c): people(20) for r in "ABCD" for c in "1234"}
    for place in ("A1", "A2", "B1", "B2", "C3", "C4", "D3", "D4", "B3"):
        grid[(place[0], place[1])] = people(2)
    rows = [Relation([grid[(r, c)] for c in "1234"], people(80)) for r in "ABCD"]
    columns = [Relation([grid[(r, c)] for r in "ABCD"], people(80)) for c in "1234"]
    for relation in rows + columns:  # the true totals
        relation.total.value = sum(int(p.value or 0) for p in relation.parts)
        relation.total.people = int(relation.total.value)
    assert determined(rows + columns) == [grid[("B", "3")]]
    ledger = Ledger()
    for relation in rows + columns:
        ledger.relate(relation.parts, relation.total)
    ledger.finish()
    assert determined(ledger.relations) == []


def test_a_figure_in_two_places_links_two_tables() -> None:
    """By topic and by language share their total: a cell hidden in one cannot be had from the other."""
    topic = [people(3), people(10)]
    language = [people(6), people(7)]
    total = people(13)
    ledger = Ledger()
    ledger.relate(topic, total)
    ledger.relate(language, total)
    ledger.finish()
    assert topic[1].suppressed and not language[0].suppressed and not total.suppressed


def test_a_share_is_hidden_with_its_parts() -> None:
    part, rest, whole = people(3), people(9), people(12)
    ledger = Ledger()
    ledger.relate([part, rest], whole)
    share = ledger.derive(percent(part, whole), [part, rest], whole)
    ledger.finish()
    assert share.suppressed and share.value is None
    big, other, all_ = people(6), people(6), people(12)
    ledger = Ledger()
    ledger.relate([big, other], all_)
    shown = ledger.derive(percent(big, all_), [big, other], all_)
    ledger.finish()
    assert (shown.suppressed, shown.value) == (False, 50.0)


def test_a_derived_figure_on_fewer_than_five_is_hidden_but_no_data_is_not() -> None:
    ledger = Ledger()
    base = Cell(4, 4)  # a mean over four people, however they are split
    mean = ledger.derive(Cell(2.5, 4), [Cell(10.0, 4)], base)
    empty = ledger.derive(Cell(None, 0), [Cell(0, 0)], Cell(0, 0))
    ledger.finish()
    assert mean.suppressed and not empty.suppressed
