"""Demo events: finished workshops (and one cancelled) with enrolments, waiting lists, attendance and the
event cards people saw, and one upcoming workshop that is already full.

Places follow ``EventService.enrol`` and ``cancel_enrolment``: seats first come, first served up to the
capacity, then the waiting list by ``waitlist_seq``; a freed seat goes to the first person waiting. Demo
people get no reminder or feedback jobs: they are unreachable, so nothing is ever sent to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from actions.events import COUNTRY_ZONES, FINISH_JOB, card_subject
from actions.models import Enrolment, Event, Job, aware
from actions.seed_activity_base import Demo, Person, bulk

CITIES = {"IT": "Milano", "DE": "Berlin", "SI": "Ljubljana", "HR": "Zagreb", "HU": "Budapest"}
VENUES = {
    "IT": "Via Padova 21",
    "DE": "Oranienstraße 34",
    "SI": "Trubarjeva 12",
    "HR": "Ilica 45",
    "HU": "Király utca 8",
}
#: country: (days ago (below 0: upcoming), coach's language, title, English title, capacity (None: online),
#: sectors)
PAST: dict[str, tuple[tuple[int, str, str, str, int | None, str], ...]] = {
    "IT": (
        (96, "it", "Assumere il primo dipendente", "Hiring your first employee", 20, ""),
        (61, "it", "Vendere sui social", "Selling on social media", None, "fashion,design"),
        (
            33,
            "it",
            "Aprire un ristorante: permessi e HACCP",
            "Opening a restaurant: permits and HACCP",
            18,
            "food",
        ),
        (6, "it", "Microcredito e finanziamenti", "Microcredit and funding", 25, ""),
    ),
    "DE": (
        (89, "de", "Buchhaltung für Kleinunternehmen", "Bookkeeping for small businesses", 20, ""),
        (47, "de", "Minijob, Teilzeit, Vollzeit", "Minijob, part-time, full-time", 15, ""),
        (12, "de", "Online-Marketing ohne Budget", "Online marketing without a budget", None, ""),
        (-5, "de", "Förderprogramme für Gründer", "Funding programmes for founders", 15, ""),
    ),
    "SI": (
        (80, "sl", "Davki za s.p.", "Taxes for sole proprietors", 15, ""),
        (26, "sl", "Spletna trgovina", "Your online shop", None, "fashion,design"),
    ),
    "HR": (
        (75, "hr", "Fiskalizacija u praksi", "Fiscalisation in practice", 15, ""),
        (38, "hr", "EU potpore za poduzetnike", "EU grants for entrepreneurs", 20, ""),
        (17, "hr", "Marketing za male obrte", "Marketing for small crafts", 12, "food,fashion"),
    ),
    "HU": (
        (68, "hu", "Számlázás és NAV", "Invoicing and the tax office", 15, ""),
        (20, "hu", "Első alkalmazott felvétele", "Hiring your first employee", None, ""),
    ),
}
#: (country, days ago) of the event a coach cancelled three days before it.
CANCELLED = ("HR", 38)
ATTEND = 0.72  # share of confirmed people marked present


@dataclass
class EventRun:
    """One event as the generator built it: who enrolled when, who was there."""

    id: int
    country: str
    starts_at: datetime
    ends_at: datetime
    status: str
    enrolled_at: dict[str, datetime] = field(default_factory=dict)
    attendees: list[Person] = field(default_factory=list)


def _start(demo: Demo, country: str, days_ago: int) -> datetime:
    day = (demo.now - timedelta(days=days_ago)).date()
    while day.weekday() >= 5:  # workshops are on weekdays
        day -= timedelta(days=1)
    return datetime.combine(day, time(18, 0), ZoneInfo(COUNTRY_ZONES[country])).astimezone(demo.now.tzinfo)


def _past_event(demo: Demo, country: str, spec: tuple[int, str, str, str, int | None, str]) -> Event:
    days_ago, lang, title, english, capacity, sectors = spec
    starts = _start(demo, country, days_ago)
    status = "cancelled" if (country, days_ago) == CANCELLED else "finished" if days_ago > 0 else "published"
    changed = {  # published (when created), cancelled three days before, finished at the end
        "published": starts - timedelta(days=25),
        "cancelled": starts - timedelta(days=3),
        "finished": starts + timedelta(hours=2),
    }
    slug = f"interhub-demo-{country.lower()}-{days_ago}"
    return Event(
        title=title,
        description="",
        language=lang,
        translations={"en": {"title": english, "description": ""}},
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        timezone=COUNTRY_ZONES[country],
        venue=VENUES[country] if capacity else None,
        online_url=None if capacity else f"https://meet.jit.si/{slug}",
        country=country,
        city=CITIES[country],
        sectors=sectors,
        capacity=capacity,
        enrol_deadline=None,
        status=status,
        organiser="InterHub",
        created_at=starts - timedelta(days=25),
        updated_at=changed[status],
    )


async def add_events(session: AsyncSession, demo: Demo) -> list[EventRun]:
    """The demo events with their places; return every event's run."""
    events = [_past_event(demo, country, spec) for country, specs in sorted(PAST.items()) for spec in specs]
    session.add_all(events)
    await session.flush()
    runs, rows = [], []
    for event in events:
        run = EventRun(event.id, event.country, aware(event.starts_at), aware(event.ends_at), event.status)
        rows += _places(demo, event, run)
        runs.append(run)
        if event.status == "published":  # as EventService.publish arms it (no person: nothing is sent)
            session.add(
                Job(
                    kind=FINISH_JOB,
                    payload={"event_id": event.id},
                    pseudonym=None,
                    dedupe_key=f"{FINISH_JOB}:{event.id}",
                    due_at=event.ends_at,
                    state="pending",
                    attempts=0,
                    max_attempts=5,
                )
            )
    await bulk(session, Enrolment, rows)
    return runs


def _pool(demo: Demo, event: Event, closes: datetime) -> list[Person]:
    """People likely to see the event: in its country (and in its sectors), known before it closes."""
    sectors = set(filter(None, event.sectors.split(",")))
    found = []
    for person in demo.people:
        if person.consent == "none" or person.joined >= closes - timedelta(hours=2):
            continue
        if person.home != event.country or (person.country is None and not demo.chance(0.3)):
            continue
        if sectors and person.trade not in sectors and not demo.chance(0.25):
            continue
        found.append(person)
    return found


def _places(demo: Demo, event: Event, run: EventRun) -> list[dict[str, Any]]:
    """Enrolments, cancellations, promotions and attendance, replayed in time order."""
    starts, opens = aware(event.starts_at), aware(event.created_at)
    closes = min(starts, demo.now) - timedelta(hours=1)
    if event.status == "cancelled":
        closes = aware(event.updated_at) - timedelta(hours=1)
    busy = 1.3 if event.country in ("IT", "DE") else 1.0
    wanted = int((event.capacity or demo.rng.randrange(14, 30)) * demo.rng.uniform(0.85, 1.6) * busy)
    pool = _pool(demo, event, closes)
    ranked = sorted(pool, key=lambda p: demo.rng.random() ** (1 / (0.5 + p.mood)), reverse=True)
    coming, onlookers = ranked[:wanted], ranked[wanted : wanted + int(wanted * 1.3)]
    actions: list[tuple[datetime, int, str, Person]] = []
    for person in coming:
        first = max(opens, person.joined + timedelta(minutes=5))
        at = first + demo.rng.random() * (closes - first)
        actions.append((at, person.number, "enrol", person))
        if demo.chance(0.12):
            actions.append((at + demo.rng.random() * (closes - at), person.number, "cancel", person))
    for person in onlookers:  # saw the card, did not enrol
        first = max(opens, person.joined + timedelta(minutes=5))
        at = first + demo.rng.random() * (closes - first)
        demo.log(person, at, "out", "event_card", subject=card_subject(event.id))
    places: dict[str, dict[str, Any]] = {}
    seq = 0
    for at, _number, kind, person in sorted(actions, key=lambda a: (a[0], a[1], a[2])):
        row = places.get(person.pseudonym)
        if kind == "enrol":
            if demo.chance(0.5):
                demo.log(person, at - timedelta(seconds=40), "out", "list_events")
            demo.log(person, at - timedelta(seconds=20), "out", "event_card", subject=card_subject(event.id))
            taken = sum(1 for r in places.values() if r["status"] == "confirmed")
            full = event.capacity is not None and taken >= event.capacity
            seq += full
            places[person.pseudonym] = {
                "event_id": event.id,
                "pseudonym": person.pseudonym,
                "first_name": None,
                "status": "waitlisted" if full else "confirmed",
                "waitlist_seq": seq if full else None,
                "created_at": at,
                "updated_at": at,
            }
            run.enrolled_at[person.pseudonym] = at
            demo.log(person, at, "out", "enrol_event")
        elif row is not None and row["status"] in ("confirmed", "waitlisted"):
            freed = row["status"] == "confirmed"
            row.update(status="cancelled", waitlist_seq=None, updated_at=at)
            demo.log(person, at, "out", "cancel_enrolment")
            waiting = sorted(
                (r for r in places.values() if r["status"] == "waitlisted"), key=lambda r: r["waitlist_seq"]
            )
            if freed and waiting:  # the first person waiting gets the seat (an events.promoted job)
                waiting[0].update(status="confirmed", waitlist_seq=None, updated_at=at)
    if event.status == "finished":
        for row in places.values():
            person = next(p for p in coming if p.pseudonym == row["pseudonym"])
            if row["status"] == "confirmed" and demo.chance(ATTEND * (0.8 + 0.3 * person.mood)):
                marked = aware(event.ends_at) + timedelta(minutes=demo.rng.randrange(10, 20 * 60))
                row.update(status="attended", updated_at=min(marked, demo.now))
                run.attendees.append(person)
    return list(places.values())
