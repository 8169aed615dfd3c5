"""Which countries a question is about, and when the bot must ask before answering."""

from __future__ import annotations

from actions.ask import asked_countries, depends_on_country
from core.services import shared_knowledge
from knowledge.base import Retrieval
from knowledge.search import Hit, Scope


def test_the_profile_country_gives_way_to_the_other_countries_named() -> None:
    assert asked_countries(["HR", "HU"], "HR") == ("HU",)
    assert asked_countries(["IT", "HR"], "SI") == ("IT", "HR")
    assert asked_countries(["DE"], "DE") == ("DE",)
    assert asked_countries([], "IT") == ()


def test_every_named_country_is_searched_and_the_others_are_not() -> None:
    kb = shared_knowledge()
    weights = kb.lexical.weights(Scope(country="HU", also=("SI",)))
    kept = {a.country for a, w in zip(kb.articles, weights, strict=True) if w > 0}
    assert kept == {"HU", "SI", "EU"}


def test_two_countries_first_means_the_answer_depends_on_the_country() -> None:
    kb = shared_knowledge()
    de, hr, eu = (next(a for a in kb.articles if a.country == c) for c in ("DE", "HR", "EU"))

    def found(*articles: object) -> Retrieval:
        return Retrieval(tuple(Hit(a, 1.0) for a in articles), 1.0, "curated")  # type: ignore[arg-type]

    assert depends_on_country(found(de, hr))
    assert not depends_on_country(found(de, eu))
    assert not depends_on_country(found(hr, hr))
    assert not depends_on_country(found(de))
