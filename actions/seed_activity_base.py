"""The demo people and the clock they live on: shared by every part of the demo activity generator.

Everything here is drawn from one ``random.Random`` with a fixed seed and placed relative to ``now``, so the
same ``now`` always gives the same data. Nothing personal: pseudonyms, no names, Telegram ids in a reserved
range that Telegram never hands out.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Base
from core.i18n import SUPPORTED_LANGUAGES

#: Telegram ids of demo people start here (10**15: far above any id Telegram issues, about 10**10 today).
#: Every demo person is also marked unreachable, so no broadcast, reminder or answer is ever sent to them.
DEMO_TELEGRAM_BASE = 10**15
#: The seed of the generator: the same ``now`` gives the same demo data.
SEED = 20261203
#: How far back the activity goes.
WINDOW = timedelta(days=120)

#: Share of people per country; more in IT and DE.
COUNTRY_WEIGHTS = {"IT": 0.31, "DE": 0.29, "SI": 0.12, "HR": 0.14, "HU": 0.14}
#: UI languages per country; es and fr are rare, so some (country, language) cells stay under 5 people.
LANGUAGE_WEIGHTS: dict[str, dict[str, float]] = {
    "IT": {"it": 30, "en": 18, "ar": 15, "zh": 11, "es": 6, "fr": 5, "uk": 8, "tr": 3},
    "DE": {"de": 30, "tr": 20, "ar": 14, "uk": 13, "en": 15, "fr": 3, "es": 2, "zh": 3},
    "SI": {"sl": 35, "hr": 18, "en": 25, "uk": 14, "tr": 4, "ar": 4},
    "HR": {"hr": 42, "en": 24, "uk": 16, "tr": 8, "ar": 6, "de": 4},
    "HU": {"hu": 36, "en": 24, "zh": 16, "uk": 12, "de": 8, "ar": 4},
}
SECTOR_WEIGHTS: dict[str, dict[str, float]] = {
    "IT": {"fashion": 34, "design": 18, "food": 33, "other": 15},
    "DE": {"fashion": 20, "design": 27, "food": 38, "other": 15},
    "SI": {"fashion": 18, "design": 30, "food": 32, "other": 20},
    "HR": {"fashion": 25, "design": 20, "food": 40, "other": 15},
    "HU": {"fashion": 22, "design": 28, "food": 30, "other": 20},
}
#: How many questions people ask, relative to SI, HR and HU.
COUNTRY_ACTIVITY = {"IT": 1.35, "DE": 1.3, "SI": 0.9, "HR": 0.95, "HU": 0.9}
#: Share of new people each UTC hour (busiest late morning and evening).
HOUR_WEIGHTS = (0, 0, 0, 0, 0, 1, 2, 4, 7, 9, 10, 10, 8, 7, 7, 7, 8, 9, 10, 10, 8, 5, 3, 1)
WEEKEND_KEEP = 0.45  # a weekend moment drawn is kept with this probability (else drawn again)
GROWTH = math.log(3.5)  # people joining in the last week vs the first: about 3.5 times as many

T = TypeVar("T")


@dataclass
class Person:
    """A demo person: what the database stores, and what only shapes their activity (home, sector, mood)."""

    number: int
    pseudonym: str
    language: str
    home: str  # country of the business, stored only with consent
    trade: str  # sector, stored only with consent
    consent: str  # "given", "declined" or "none" (left before answering)
    joined: datetime
    mood: float  # 0..1: how well InterHub works for them (votes, questionnaire answers)
    invitations: bool | None = None
    answered: int = 0  # questions answered from the knowledge base
    invited_at: datetime | None = None  # invited to the evaluation questionnaire
    seen: list[datetime] = field(default_factory=list)

    @property
    def telegram_id(self) -> int:
        """The reserved demo id."""
        return DEMO_TELEGRAM_BASE + self.number

    @property
    def has_consent(self) -> bool:
        """Whether a profile (country, sector, question texts) is stored."""
        return self.consent == "given"

    @property
    def country(self) -> str | None:
        """The stored country."""
        return self.home if self.has_consent else None

    @property
    def sector(self) -> str | None:
        """The stored sector."""
        return self.trade if self.has_consent else None


@dataclass
class Demo:
    """The generator's state: the random source, the clock, the people and the rows written so far."""

    rng: random.Random
    now: datetime
    people: list[Person] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        """The first moment of the demo window."""
        return self.now - WINDOW

    def pick(self, weights: Mapping[str, float]) -> str:
        """One key, drawn by weight."""
        keys = sorted(weights)
        return self.rng.choices(keys, [weights[k] for k in keys])[0]

    def choice(self, items: Sequence[T]) -> T:
        """One item, uniformly."""
        return items[self.rng.randrange(len(items))]

    def chance(self, probability: float) -> bool:
        """True with this probability."""
        return self.rng.random() < probability

    def daytime(self, day: datetime, after: datetime | None = None) -> datetime:
        """A moment on the day of ``day`` at a plausible hour (UTC), not before ``after`` (may be after now:
        the callers drop those)."""
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        moment = day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))
        if after is not None:
            moment = max(moment, after + timedelta(minutes=self.rng.randrange(2, 40)))
        return moment

    def weekday_biased(self, moment: datetime, spread: timedelta) -> datetime:
        """``moment`` moved on to a weekday now and then: weekends are quieter (may pass now)."""
        for _ in range(6):
            if moment.weekday() < 5 or self.chance(WEEKEND_KEEP):
                return moment
            moment += self.rng.random() * spread
        return moment

    def log(
        self,
        person: Person,
        at: datetime,
        direction: str,
        intent: str | None,
        *,
        language: str | None = None,
        subject: str | None = None,
        **question: Any,
    ) -> None:
        """One ``message_log`` row as the bot writes it (``record`` for "in", ``reply`` for "out")."""
        row = {
            "pseudonym": person.pseudonym,
            "direction": direction,
            "language": language or person.language,
            "intent": intent,
            "text": None,
            "country": None,
            "topic": None,
            "article_id": subject,
            "answered": None,
            "confidence": None,
            "created_at": at,
        }
        row.update(question)
        if not person.has_consent:
            row["text"] = None
        self.messages.append(row)
        person.seen.append(at)


def joined_at(demo: Demo) -> datetime:
    """When a new person first wrote: more people every week, fewer at weekends."""
    u = demo.rng.random()
    days = WINDOW.days * math.log(1 + u * (math.exp(GROWTH) - 1)) / GROWTH  # density grows as e^(g·t)
    day = demo.weekday_biased(demo.start + timedelta(days=days), timedelta(days=3))
    return min(demo.daytime(day), demo.now - timedelta(minutes=demo.rng.randrange(20, 600)))


def make_people(demo: Demo, count: int) -> list[Person]:
    """``count`` people across the countries, languages and sectors, in the order they joined."""
    people = []
    for number in range(1, count + 1):
        home = demo.pick(COUNTRY_WEIGHTS)
        consent = demo.pick({"given": 79, "declined": 17, "none": 4})
        people.append(
            Person(
                number=number,
                pseudonym=f"u_{demo.rng.getrandbits(64):016x}",
                language=demo.pick(LANGUAGE_WEIGHTS[home]),
                home=home,
                trade=demo.pick(SECTOR_WEIGHTS[home]),
                consent=consent,
                joined=joined_at(demo),
                mood=min(max(demo.rng.betavariate(4, 1.8), 0.02), 0.98),
            )
        )
    _cover_every_language(demo, people)
    people.sort(key=lambda p: (p.joined, p.number))
    for person in people:
        onboard(demo, person)
    demo.people = people
    return people


def _cover_every_language(demo: Demo, people: list[Person]) -> None:
    """A handful of people per rare language, so every UI language shows up (some under 5 in a country)."""
    present = {p.language for p in people}
    for lang in SUPPORTED_LANGUAGES:
        if lang not in present:
            for person in demo.rng.sample(people, 3):
                person.language = lang


def onboard(demo: Demo, person: Person) -> None:
    """The onboarding replies: language picker, privacy notice, then country and sector (with consent)."""
    at = person.joined
    steps = ["onboarding_language", "onboarding_consent"]
    if person.consent == "given":
        steps += ["onboarding_country", "onboarding_sector", "menu"]
    elif person.consent == "declined":
        steps += ["menu"]
    for intent in steps:
        demo.log(person, at, "out", intent)
        at += timedelta(seconds=demo.rng.randrange(4, 40))


async def bulk(session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in one executemany on the session's connection (the ORM's bulk path is slower)."""
    if rows:
        connection = await session.connection()
        await connection.execute(insert(model), list(rows))
