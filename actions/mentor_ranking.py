"""Which mentors fit a request, in an order a coach can follow, with the reasons in plain words.

The order is a simple ladder, each step only breaking ties of the one before:

1. the mentor works in the person's sector;
2. the mentor speaks one of the person's languages (more shared languages first);
3. the mentor works in the person's country;
4. the mentor has more free places.

Inactive mentors and mentors with no free place are never proposed. The person is only shown mentors who
share a language with them; the coaches' "pick another" list shows everyone with a free place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.i18n import LANGUAGE_NAMES, N_, Translate

COUNTRY_WORDS = {
    "IT": N_("Italy"),
    "DE": N_("Germany"),
    "SI": N_("Slovenia"),
    "HR": N_("Croatia"),
    "HU": N_("Hungary"),
}
#: Proposals the person sees.
PROPOSALS = 3


@dataclass(frozen=True)
class Candidate:
    """A mentor as the ranking sees them: what they offer and how many places they have left."""

    id: int
    name: str
    sectors: tuple[str, ...]
    languages: tuple[str, ...]
    countries: tuple[str, ...]
    capacity: int
    taken: int
    active: bool = True

    @property
    def free(self) -> int:
        """Places left (never below zero)."""
        return max(self.capacity - self.taken, 0)


@dataclass(frozen=True)
class Wish:
    """What the person asked for."""

    sector: str
    languages: tuple[str, ...]
    country: str


@dataclass(frozen=True)
class Match:
    """One ranked mentor and why they are where they are."""

    mentor: Candidate
    same_sector: bool
    shared_languages: tuple[str, ...]
    same_country: bool

    def key(self) -> tuple[bool, int, bool, int, int]:
        """Sort key: better first (ties keep the older mentor first)."""
        return (
            not self.same_sector,
            -len(self.shared_languages),
            not self.same_country,
            -self.mentor.free,
            self.mentor.id,
        )

    def explain(self, _: Translate) -> str:
        """The reasons, e.g. ``same sector · speaks Arabic · in Italy · places free: 2 of 3``."""
        parts = [_("same sector") if self.same_sector else _("other sector")]
        if self.shared_languages:
            names = ", ".join(LANGUAGE_NAMES[code] for code in self.shared_languages)
            parts.append(_("speaks {languages}").format(languages=names))
        else:
            parts.append(_("no shared language"))
        if self.same_country:
            country = next(iter(c for c in self.mentor.countries if c in COUNTRY_WORDS), "")
            parts.append(_("in {country}").format(country=_(COUNTRY_WORDS[country])))
        else:
            where = ", ".join(_(COUNTRY_WORDS[c]) for c in self.mentor.countries if c in COUNTRY_WORDS)
            parts.append(_("works in {countries}").format(countries=where or "—"))
        parts.append(
            _("places free: {free} of {capacity}").format(
                free=self.mentor.free, capacity=self.mentor.capacity
            )
        )
        return " · ".join(parts)


def match(mentor: Candidate, wish: Wish) -> Match:
    """How one mentor fits one wish."""
    shared = tuple(code for code in wish.languages if code in mentor.languages)
    return Match(mentor, wish.sector in mentor.sectors, shared, wish.country in mentor.countries)


def rank(mentors: Iterable[Candidate], wish: Wish, *, need_language: bool = True) -> list[Match]:
    """Every active mentor with a free place, best first; ``need_language`` drops those without one."""
    found = [match(m, wish) for m in mentors if m.active and m.free > 0]
    if need_language:
        found = [m for m in found if m.shared_languages]
    return sorted(found, key=Match.key)


def proposals(mentors: Iterable[Candidate], wish: Wish) -> list[Match]:
    """The (up to three) mentors the person is offered."""
    return rank(mentors, wish)[:PROPOSALS]
