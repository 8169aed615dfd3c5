"""Scope: a partner of IT never gets DE figures, whatever the filters; people without a profile count."""

from __future__ import annotations

import pytest

from actions.reports.model import Scope
from actions.reports.pages import PAGES, ScopeError, build_page, filter_options
from core.services import Services
from tests.reports.builders import World
from tests.reports.conftest import Groups
from tests.reports.helpers import all_cells, metrics, period, rows

ITALY = Scope(frozenset({"IT"}))


@pytest.mark.parametrize("key", PAGES)
async def test_a_country_outside_the_scope_is_refused(services: Services, standard: Groups, key: str) -> None:
    with pytest.raises(ScopeError):
        await build_page(services.db, key, period(country="DE"), ITALY)


@pytest.mark.parametrize("key", PAGES)
async def test_no_german_rows_even_through_language_or_sector(
    services: Services, standard: Groups, key: str
) -> None:
    """Group C (DE, German, food) is the only German-speaking group: within IT, German means nobody."""
    for filters in (period(), period(language="de"), period(sector="food"), period(country="IT")):
        page = await build_page(services.db, key, filters, ITALY)
        labels = {c.value for t in page.tables for row in t.rows for c in row if isinstance(c.value, str)}
        assert not labels & {"DE", "de", "de-business-bank-account"}, (key, filters)
    german = await build_page(services.db, key, period(language="de"), ITALY)
    assert all(c.value in (0, None, "") or isinstance(c.value, str) for c in all_cells(german)), key


async def test_italy_counts_only_italy(services: Services, standard: Groups) -> None:
    page = await build_page(services.db, "overview", period(), ITALY)
    assert metrics(page)["active"] == (11, 6) and metrics(page)["questions"] == (17, 6)  # A and B
    food = await build_page(services.db, "overview", period(sector="food"), ITALY)
    assert metrics(food)["questions"] == (12, 6)  # A only: C is food too, but in DE
    broadcasts = await build_page(services.db, "broadcasts", period(), ITALY)
    assert rows(broadcasts.table("deliveries"))[0][2:] == [11, 6, 0, 5, 0, 0, 0]  # C received it in DE


async def test_a_partner_of_several_countries(services: Services, standard: Groups) -> None:
    both = Scope(frozenset({"IT", "DE"}))
    page = await build_page(services.db, "questions", period(), both)
    assert [r[0] for r in rows(page.table("by_country"))] == ["DE", "IT", "Total"]
    hungary = Scope(frozenset({"HU"}))
    assert await filter_options(services.db, hungary) == {"countries": [], "languages": [], "sectors": []}
    with pytest.raises(ScopeError):
        await build_page(services.db, "overview", period(country="IT"), hungary)


async def test_people_without_a_profile_count_as_unknown(services: Services) -> None:
    """People with no users row (after /forget, their log rows kept here by hand) are not dropped."""
    w = World()
    for p in w.people(6, sector="food"):
        w.question(p, 1)
    for p in w.people(5, forgotten=True):
        w.question(p, 2)
    await w.save(services.db)
    every = await build_page(services.db, "overview", period(), Scope())
    unknown = await build_page(services.db, "overview", period(sector="unknown"), Scope())
    assert metrics(every)["active"][0] == 11
    assert metrics(unknown)["active"][0] == 5
    assert "unknown" in (await filter_options(services.db, Scope()))["sectors"]
