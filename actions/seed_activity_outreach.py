"""Demo mentoring requests (every state, within each mentor's capacity) and two finished broadcasts.

Mentors are the ones ``seed_mentors`` added; proposals come from the real ranking. A mentor never has more
approved or active mentees than places, at any moment. Broadcast recipients are chosen as
``BroadcastService.confirm`` chooses them at the moment of confirming; outcomes are the sender's states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.mentor_ranking import Candidate, Wish, proposals, rank
from actions.mentoring import AVAILABILITY, DECLINE_REASONS
from actions.models import Broadcast, BroadcastOutbox, Mentor, MentoringRequest
from actions.seed_activity_base import Demo, Person, bulk
from actions.seed_activity_events import EventRun

#: Reasons the sender records (``bot.broadcast_lane``): 403 unreachable, a network error five times.
UNREACHABLE, FAILED, SKIPPED = "403", "TimedOut", "no longer takes invitations"
BACKLOG = 3  # the newest requests still wait for a coach
UNDELIVERED = 12  # one approval in this many never reached the person (stays "approved")
#: Outcomes per 1000 recipients (at least one of each).
OUTCOMES = {"sent": 940, "unreachable": 38, "failed": 12, "skipped": 10}
NEWS = {
    "en": "New in InterHub: ask about permits, taxes, marketing and staff in your own language.",
    "it": "Novità su InterHub: chiedi di permessi, tasse, marketing e personale nella tua lingua.",
    "de": "Neu bei InterHub: Fragen zu Genehmigungen, Steuern, Marketing und Personal in Ihrer Sprache.",
    "sl": "Novo v InterHubu: vprašajte o dovoljenjih, davkih, trženju in zaposlenih v svojem jeziku.",
    "hr": "Novo u InterHubu: pitajte o dozvolama, porezima, marketingu i zaposlenicima na svom jeziku.",
    "hu": "Újdonság az InterHubon: kérdezzen engedélyekről, adókról, marketingről és személyzetről "
    "a saját nyelvén.",
}
INVITATION = {
    "it": "Workshop a Milano: microcredito e finanziamenti per la tua impresa. Posti limitati!",
    "en": "Workshop in Milano: microcredit and funding for your business. Limited places!",
}


@dataclass
class Pairing:
    """When a mentor held a place for a mentee: from approval until completion or cancellation."""

    start: datetime
    end: datetime | None = None


@dataclass
class Mentors:
    """The mentors and the places they held over time."""

    rows: list[Mentor]
    held: dict[int, list[Pairing]] = field(default_factory=dict)
    approved: int = 0

    def taken(self, mentor_id: int, start: datetime, end: datetime | None) -> int:
        """Places of the mentor in use at some moment of [start, end)."""
        return sum(
            1
            for p in self.held.get(mentor_id, [])
            if (end is None or p.start < end) and (p.end is None or p.end > start)
        )

    def candidates(self, at: datetime) -> list[Candidate]:
        """The mentors as the ranking sees them at a moment."""
        return [
            Candidate(
                m.id,
                m.name,
                tuple(filter(None, m.sectors.split(","))),
                tuple(filter(None, m.languages.split(","))),
                tuple(filter(None, m.countries.split(","))),
                m.capacity,
                self.taken(m.id, at, at + timedelta(seconds=1)),
                m.active,
            )
            for m in self.rows
        ]


async def add_mentoring(session: AsyncSession, demo: Demo) -> list[dict[str, Any]]:
    """Requests from consenting people, handled by coaches in hours or days; return the rows."""
    mentors = Mentors(list((await session.scalars(select(Mentor).order_by(Mentor.id))).all()))
    if not mentors.rows:
        return []
    asking = []
    for person in demo.people:
        if person.has_consent and demo.chance(0.14):
            at = person.joined + timedelta(days=demo.rng.expovariate(1 / 12))
            moment = demo.daytime(demo.weekday_biased(at, timedelta(days=2)), after=person.joined)
            if moment < demo.now - timedelta(hours=1):
                asking.append((moment, person))
    asking.sort(key=lambda a: (a[0], a[1].number))
    rows = [
        _request(demo, mentors, person, at, waiting=number >= len(asking) - BACKLOG)
        for number, (at, person) in enumerate(asking)
    ]
    if rows:
        await bulk(session, MentoringRequest, rows)
    return rows


def _request(demo: Demo, mentors: Mentors, person: Person, at: datetime, *, waiting: bool) -> dict[str, Any]:
    languages = (person.language,) if person.language == "en" or demo.chance(0.5) else (person.language, "en")
    wish = Wish(person.trade, languages, person.home)
    ids = [m.mentor.id for m in proposals(mentors.candidates(at), wish)]
    chosen = ids[0 if demo.chance(0.7) else -1] if ids and demo.chance(0.55) else None
    for step, intent in enumerate(("request_mentoring", "mentoring_proposals", "request_mentoring")):
        demo.log(person, at + timedelta(seconds=20 * step), "out", intent)
    row: dict[str, Any] = {
        "pseudonym": person.pseudonym,
        "need": None,
        "sector": person.trade,
        "languages": ",".join(languages),
        "country": person.home,
        "availability": demo.choice(AVAILABILITY),
        "proposals": {"ids": ids},
        "chosen_by_person": chosen is not None,
        "mentor_id": chosen,
        "state": "requested",
        "decline_reason": None,
        "coach_message_id": None,
        "created_at": at,
        "updated_at": at,
        "handled_at": None,
    }
    handled = at + timedelta(hours=min(max(math.exp(demo.rng.gauss(math.log(20), 0.9)), 0.5), 6 * 24))
    if demo.chance(0.06):  # withdrawn while waiting
        withdrawn = at + (min(handled, demo.now) - at) * demo.rng.random()
        row.update(state="cancelled", updated_at=withdrawn)
        return row
    if waiting or handled >= demo.now:
        return row  # still waiting for a coach
    row.update(handled_at=handled, updated_at=handled)
    if demo.chance(0.16):
        reasons = dict(zip(DECLINE_REASONS, (4, 2, 1, 2), strict=True))
        row.update(state="declined", decline_reason=demo.pick(reasons))
        return row
    mentors.approved += 1
    ended = _ending(demo, row, handled, delivered=mentors.approved % UNDELIVERED != 0)
    fitting = [chosen] if chosen is not None else []
    fitting += [m.mentor.id for m in rank(mentors.candidates(handled), wish, need_language=False)]
    by_id = {m.id: m for m in mentors.rows}
    mentor = next((i for i in fitting if mentors.taken(i, handled, ended) < by_id[i].capacity), None)
    if mentor is None:
        row.update(state="declined", decline_reason="full")
        return row
    mentors.held.setdefault(mentor, []).append(Pairing(handled, ended))
    row["mentor_id"] = mentor
    return row


def _ending(demo: Demo, row: dict[str, Any], handled: datetime, *, delivered: bool) -> datetime | None:
    """Approved, then active once the introduction reached the person (``mentoring.introduce``);
    completed or cancelled weeks later, or still going."""
    if not delivered:  # the person had blocked the bot: the request stays approved
        row["state"] = "approved"
        return None
    row.update(state="active", updated_at=handled + timedelta(minutes=demo.rng.randrange(1, 30)))
    finish = handled + timedelta(days=demo.rng.uniform(20, 60))
    if finish < demo.now and demo.chance(0.65):
        row.update(state="completed", updated_at=finish)
        return finish
    stop = handled + timedelta(days=demo.rng.uniform(4, 30))
    if stop < demo.now and demo.chance(0.12):
        row.update(state="cancelled", updated_at=stop)
        return stop
    return None


def _takes_invitations(person: Person) -> bool:
    """``broadcasts.takes_invitations``: an explicit yes, or no choice made and consent given."""
    return person.invitations is True or (person.invitations is None and person.has_consent)


async def add_broadcasts(
    session: AsyncSession, demo: Demo, runs: list[EventRun], unreachable: dict[str, datetime]
) -> list[int]:
    """A general news broadcast seven weeks ago and an invitation to the Milano workshop; return the
    outbox row count of each. ``unreachable`` collects who was found unreachable, and when."""
    counts = []
    news_at = _office_hours(demo.now - timedelta(days=52))
    counts.append(await _broadcast(session, demo, news_at, "en", NEWS, {}, None, unreachable))
    event = next(
        (
            r
            for r in runs
            if r.country == "IT" and r.status == "finished" and r.starts_at > demo.now - timedelta(days=10)
        ),
        None,
    )
    if event is not None:
        sent_at = _office_hours(event.starts_at - timedelta(days=9))
        segment = {"country": "IT", "not_enrolled": event.id}
        counts.append(await _broadcast(session, demo, sent_at, "it", INVITATION, segment, event, unreachable))
    return counts


def _outcomes(demo: Demo, count: int) -> list[str]:
    """The sender's result for each of ``count`` recipients, in random order: mostly sent, a few of each
    other state (once there are enough recipients for that)."""
    states = (
        []
        if count < 20
        else [s for s, share in OUTCOMES.items() for _ in range(max(1, count * share // 1000))]
    )
    states = [s for s in states if s != "sent"]
    states += ["sent"] * (count - len(states))
    demo.rng.shuffle(states)
    return states


def _office_hours(day: datetime) -> datetime:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime.combine(day.date(), time(9, 0), day.tzinfo)


async def _broadcast(
    session: AsyncSession,
    demo: Demo,
    confirmed: datetime,
    language: str,
    texts: dict[str, str],
    segment: dict[str, Any],
    event: EventRun | None,
    unreachable: dict[str, datetime],
) -> int:
    enrolled = {p for p, at in event.enrolled_at.items() if at < confirmed} if event else set()
    recipients = [
        p
        for p in demo.people
        if p.joined < confirmed
        and _takes_invitations(p)
        and p.pseudonym not in unreachable
        and (not segment.get("country") or p.country == segment["country"])
        and p.pseudonym not in enrolled
    ]
    row = Broadcast(
        text=texts[language],
        language=language,
        translations={lang: text for lang, text in texts.items() if lang != language},
        event_id=event.id if event else None,
        segment=segment,
        state="done",
        paused_until=None,
        created_at=confirmed - timedelta(minutes=12),
        confirmed_at=confirmed,
    )
    session.add(row)
    await session.flush()
    states = _outcomes(demo, len(recipients))
    outbox, at = [], confirmed
    for person, state in zip(recipients, states, strict=True):
        at += timedelta(seconds=demo.rng.uniform(0.034, 0.2))
        attempts = {"sent": 1, "unreachable": 1, "failed": 5, "skipped": 0}[state]
        reason = {"sent": None, "unreachable": UNREACHABLE, "failed": FAILED, "skipped": SKIPPED}[state]
        outbox.append(
            {
                "broadcast_id": row.id,
                "pseudonym": person.pseudonym,
                "state": state,
                "due_at": confirmed,
                "attempts": attempts,
                "reason": reason,
                "locked_by": None,
                "locked_until": None,
                "sent_at": at if state == "sent" else None,
            }
        )
        if state == "unreachable":
            unreachable[person.pseudonym] = at
        elif state == "skipped":  # sent /stop_invitations between the coach's confirmation and the send
            person.invitations = False
            demo.log(person, confirmed + (at - confirmed) * demo.rng.random(), "out", "invitations_off")
        elif state == "sent" and demo.chance(0.035):  # tapped "Stop invitations"
            person.invitations = False
            demo.log(person, at + timedelta(minutes=demo.rng.randrange(1, 180)), "out", "invitations_off")
    row.finished_at = at + timedelta(seconds=2)
    if outbox:
        await bulk(session, BroadcastOutbox, outbox)
    return len(outbox)
