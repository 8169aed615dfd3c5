"""Coach broadcasts: a message (or an event invitation) to a segment, delivered through an outbox.

A broadcast is a draft until the coach confirms it; confirming writes one outbox row per recipient (people
who agreed to invitations and are reachable), which ``actions.broadcast_delivery`` sends. The segment,
the recipients and every state change are decided here, with ``broadcasts.manage`` checked for staff.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from actions.models import (
    COUNTRIES,
    SECTORS,
    Broadcast,
    BroadcastOutbox,
    Enrolment,
    Event,
    User,
    utcnow,
)
from actions.roles import NotAllowed, RoleService
from core.db import Database
from core.i18n import SUPPORTED_LANGUAGES

MAX_TEXT = 3500  # leaves room for the buttons' note within Telegram's 4096
_TAG = re.compile(r"<[^>]*>")


def visible_length(text: str, is_html: bool) -> int:
    """The characters Telegram counts against its limit: for HTML, those left once tags and entities
    are parsed (an escaped ``&`` is one character, not five)."""
    return len(html.unescape(_TAG.sub("", text))) if is_html else len(text)


PENDING = ("queued", "sending", "departed")
SEGMENT_KEYS = ("country", "language", "sector", "enrolled", "attended", "not_enrolled", "active_days")


class BroadcastError(ValueError):
    """A broadcast that cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class Segment:
    """Who a broadcast is for; every field narrows it, none means everyone who takes invitations."""

    country: str | None = None
    language: str | None = None
    sector: str | None = None
    enrolled: int | None = None  # enrolled in (or attended) this event
    attended: int | None = None  # attended this event
    not_enrolled: int | None = None  # not enrolled in this event yet
    active_days: int | None = None  # seen in the last N days

    def as_json(self) -> dict[str, Any]:
        """The fields that are set."""
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        """Read back what ``as_json`` stored."""
        return cls(**{k: data[k] for k in SEGMENT_KEYS if k in data})


def parse_segment(text: str | None) -> Segment:
    """Read ``country=IT,language=it,not_enrolled=3,active_days=30``; raise BroadcastError on a bad part."""
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        key, sep, raw = part.partition("=")
        key, value = key.strip(), raw.strip()
        if not sep or key not in SEGMENT_KEYS or not value:
            raise BroadcastError(f"bad segment part {part!r}; use {', '.join(SEGMENT_KEYS)} as key=value")
        if key == "country":
            value = value.upper()
            if value not in COUNTRIES:
                raise BroadcastError(f"unknown country {value!r}; use {', '.join(COUNTRIES)}")
        elif key == "language" and value not in SUPPORTED_LANGUAGES:
            raise BroadcastError(f"unknown language {value!r}")
        elif key == "sector" and value not in SECTORS:
            raise BroadcastError(f"unknown sector {value!r}; use {', '.join(SECTORS)}")
        elif key in ("enrolled", "attended", "not_enrolled", "active_days"):
            if not value.isdigit() or not 0 < int(value) < 10**9:
                raise BroadcastError(f"{key} takes a positive number, not {value!r}")
            values[key] = int(value)
            continue
        values[key] = value
    return Segment(**values)


def takes_invitations() -> ColumnElement[bool]:
    """People who agreed to invitations: an explicit yes, or no choice made and consent given."""
    return or_(
        User.invitations.is_(True),
        and_(User.invitations.is_(None), User.consent_at.is_not(None)),
    )


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as the CLI and the bot show it."""

    id: int
    text: str
    language: str
    translations: dict[str, str]
    event_id: int | None
    segment: Segment
    state: str
    paused_until: datetime | None
    counts: dict[str, int] = field(default_factory=dict)
    is_html: bool = False  # the texts are Telegram HTML (else plain, escaped when sent)

    def text_for(self, lang: str | None) -> str:
        """The coach's translation for a language, else the original."""
        return self.translations.get(lang or "", self.text) if lang != self.language else self.text

    def as_json(self) -> dict[str, Any]:
        """What ``interhub broadcast status --json`` prints."""
        c = self.counts
        return {
            "id": self.id,
            "state": self.state,
            "event_id": self.event_id,
            "segment": self.segment.as_json(),
            "total": sum(c.values()),
            "sent": c.get("sent", 0),
            "failed": c.get("failed", 0),
            "unreachable": c.get("unreachable", 0),
            "skipped": c.get("skipped", 0),
            "pending": sum(c.get(state, 0) for state in PENDING),
        }


def view_of(row: Broadcast, counts: dict[str, int] | None = None) -> BroadcastView:
    return BroadcastView(
        id=row.id,
        text=row.text,
        language=row.language,
        translations=dict(row.translations or {}),
        event_id=row.event_id,
        segment=Segment.from_json(dict(row.segment or {})),
        state=row.state,
        paused_until=row.paused_until,
        counts=counts or {},
        is_html=row.is_html,
    )


class BroadcastService:
    """Creates broadcasts, resolves their recipients, and moves them between states."""

    def __init__(self, db: Database, roles: RoleService, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.roles = roles
        self.clock = clock

    async def _check(self, actor: int | None, segment: Segment) -> None:
        if actor is None:
            return  # the operator at the command line
        grant = await self.roles.require(actor, "broadcasts.manage", segment.country)
        if grant.role != "admin" and grant.countries and segment.country is None:
            raise NotAllowed("broadcasts.manage")  # a country coach cannot write to every country

    def _recipients(self, segment: Segment) -> Any:
        query = select(User.pseudonym).where(
            takes_invitations(), User.unreachable_at.is_(None), User.blocked.is_(False)
        )
        if segment.country:
            query = query.where(User.country == segment.country)
        if segment.language:
            query = query.where(User.language == segment.language)
        if segment.sector:
            query = query.where(User.sector == segment.sector)
        if segment.active_days:
            query = query.where(User.last_seen_at >= self.clock() - timedelta(days=segment.active_days))
        if segment.enrolled:
            query = query.where(User.pseudonym.in_(_enrolled(segment.enrolled, "confirmed", "attended")))
        if segment.attended:
            query = query.where(User.pseudonym.in_(_enrolled(segment.attended, "attended")))
        if segment.not_enrolled:
            taken = _enrolled(segment.not_enrolled, "confirmed", "waitlisted", "attended")
            query = query.where(User.pseudonym.not_in(taken))
        return query.order_by(User.id)

    async def create(
        self,
        text: str,
        language: str,
        segment: Segment,
        *,
        event_id: int | None = None,
        translations: dict[str, str] | None = None,
        actor: int | None = None,
        is_html: bool = False,
    ) -> tuple[BroadcastView, int]:
        """Save a draft; return it and how many people it would reach now (``is_html``: the texts are
        Telegram HTML with people's words already escaped)."""
        await self._check(actor, segment)
        text = text.strip()
        if not text or visible_length(text, is_html) > MAX_TEXT:
            raise BroadcastError(f"the text must have 1 to {MAX_TEXT} characters")
        if language not in SUPPORTED_LANGUAGES:
            raise BroadcastError(f"unknown language {language!r}")
        for lang, translated in (translations or {}).items():
            too_long = visible_length(translated, is_html) > MAX_TEXT
            if lang not in SUPPORTED_LANGUAGES or not translated.strip() or too_long:
                raise BroadcastError(f"bad translation for {lang!r}")
        async with self.db.transaction() as session:
            if event_id is not None:
                event = await session.get(Event, event_id)
                if event is None or event.status != "published":
                    raise BroadcastError(f"event {event_id} is not a published event")
            row = Broadcast(
                text=text,
                language=language,
                translations=dict(translations or {}),
                is_html=is_html,
                event_id=event_id,
                segment=segment.as_json(),
                state="draft",
            )
            session.add(row)
            await session.flush()
            count = await session.scalar(
                select(func.count()).select_from(self._recipients(segment).subquery())
            )
            return view_of(row), int(count or 0)

    async def audience(self, segment: Segment, *, actor: int | None = None) -> dict[str | None, int]:
        """How many people the segment reaches now, per UI language (None: no language stored)."""
        await self._check(actor, segment)
        people = self._recipients(segment).subquery()
        query = (
            select(User.language, func.count())
            .join(people, people.c.pseudonym == User.pseudonym)
            .group_by(User.language)
        )
        async with self.db.transaction() as session:
            return {lang: int(n) for lang, n in (await session.execute(query)).all()}

    async def confirm(self, broadcast_id: int, *, actor: int | None = None) -> int:
        """Write the outbox (one row per recipient now) and start sending; return the recipient count."""
        async with self.db.transaction() as session:
            row = await session.get(Broadcast, broadcast_id, with_for_update=True)
            if row is None:
                raise BroadcastError(f"no broadcast {broadcast_id}")
            await self._check(actor, Segment.from_json(row.segment))
            if row.state != "draft":
                raise BroadcastError(f"broadcast {broadcast_id} is {row.state}, not a draft")
            now = self.clock()
            pseudonyms = (await session.scalars(self._recipients(Segment.from_json(row.segment)))).all()
            session.add_all(
                BroadcastOutbox(broadcast_id=row.id, pseudonym=p, state="queued", due_at=now, attempts=0)
                for p in pseudonyms
            )
            row.state, row.confirmed_at = "sending", now
            return len(pseudonyms)

    async def _move(self, broadcast_id: int, actor: int | None, to: str, allowed: tuple[str, ...]) -> None:
        async with self.db.transaction() as session:
            row = await session.get(Broadcast, broadcast_id, with_for_update=True)
            if row is None:
                raise BroadcastError(f"no broadcast {broadcast_id}")
            await self._check(actor, Segment.from_json(row.segment))
            if row.state not in allowed:
                raise BroadcastError(f"broadcast {broadcast_id} is {row.state}; cannot make it {to}")
            row.state = to
            if to == "cancelled":
                row.finished_at = self.clock()
                await session.execute(
                    update(BroadcastOutbox)
                    .where(BroadcastOutbox.broadcast_id == row.id, BroadcastOutbox.state == "queued")
                    .values(state="skipped", reason="cancelled", locked_by=None, locked_until=None)
                )

    async def pause(self, broadcast_id: int, *, actor: int | None = None) -> None:
        """Stop sending; messages in flight finish, the rest wait for ``resume``."""
        await self._move(broadcast_id, actor, "paused", ("sending",))

    async def resume(self, broadcast_id: int, *, actor: int | None = None) -> None:
        """Carry on sending a paused broadcast."""
        await self._move(broadcast_id, actor, "sending", ("paused",))

    async def cancel(self, broadcast_id: int, *, actor: int | None = None) -> None:
        """Stop for good: the messages not yet sent are skipped."""
        await self._move(broadcast_id, actor, "cancelled", ("draft", "sending", "paused"))

    async def get(self, broadcast_id: int) -> BroadcastView | None:
        """A broadcast with its outbox counts per state."""
        async with self.db.transaction() as session:
            row = await session.get(Broadcast, broadcast_id)
            if row is None:
                return None
            counts = await session.execute(
                select(BroadcastOutbox.state, func.count())
                .where(BroadcastOutbox.broadcast_id == broadcast_id)
                .group_by(BroadcastOutbox.state)
            )
            return view_of(row, {state: int(n) for state, n in counts.all()})

    async def set_invitations(self, telegram_id: int, wanted: bool) -> bool:
        """Record a person's choice about invitations; return whether they are known."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(User).where(User.telegram_id == telegram_id).values(invitations=wanted)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]


def _enrolled(event_id: int, *states: str) -> Any:
    return select(Enrolment.pseudonym).where(Enrolment.event_id == event_id, Enrolment.status.in_(states))
