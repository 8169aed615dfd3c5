"""Events: workshops and meetings, enrolment with a first-come-first-served waiting list, reminders.

Capacity holds under concurrency: on PostgreSQL every change to an event's places first takes a
transaction-scoped advisory lock for that event (as pretix does for its quotas), then counts and books in
the same transaction; on SQLite the transaction starts by writing the event row, which takes the single
writer lock before anything is counted. Jobs (reminders, promotions, cancellations) are written in the
same transaction as the change that causes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    COUNTRIES,
    SECTORS,
    Enrolment,
    Event,
    Job,
    MessageLog,
    SurveyResponse,
    User,
    aware,
    utcnow,
)
from actions.roles import RoleService
from core.db import Database
from core.i18n import SUPPORTED_LANGUAGES

#: The questionnaire attendees get the day after (actions/surveys/definitions/event.v*.yml).
EVENT_FEEDBACK_FORM = "event"
#: The venue's zone when a coach does not name one.
COUNTRY_ZONES = {
    "IT": "Europe/Rome",
    "DE": "Europe/Berlin",
    "SI": "Europe/Ljubljana",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
}
REMINDERS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
REMINDER_JOB, PROMOTED_JOB, CANCELLED_JOB = "events.reminder", "events.promoted", "events.cancelled"
FEEDBACK_JOB, FINISH_JOB, CHANGED_JOB = "events.feedback_due", "events.finish", "events.changed"
#: What a coach may change after creating an event (``EventService.edit``).
EDITABLE = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "venue",
    "online_url",
    "sectors",
    "capacity",
    "enrol_deadline",
    "translations",
)
#: First key of ``pg_advisory_xact_lock(namespace, event id)``: "EVNT", so other locks never collide.
LOCK_NAMESPACE = 0x45564E54
ACTIVE = ("confirmed", "waitlisted")
TAKING_A_SEAT = ("confirmed", "attended")


class EventError(ValueError):
    """An event or an enrolment cannot be changed that way (unknown, closed, wrong state, bad input)."""


@dataclass(frozen=True)
class EventDraft:
    """A new event as a coach describes it (YAML file, or the /newevent conversation)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    country: str
    city: str
    organiser: str = "InterHub"
    language: str = "en"
    description: str = ""
    venue: str | None = None
    online_url: str | None = None
    sectors: tuple[str, ...] = ()
    capacity: int | None = None
    enrol_deadline: datetime | None = None
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    publish: bool = False


@dataclass(frozen=True)
class EventView:
    """An event with its counts."""

    id: int
    title: str
    description: str
    language: str
    translations: dict[str, dict[str, str]]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str | None
    online_url: str | None
    country: str
    city: str
    sectors: tuple[str, ...]
    capacity: int | None
    enrol_deadline: datetime
    status: str
    organiser: str
    updated_at: datetime
    confirmed: int = 0
    waitlisted: int = 0
    attended: int = 0

    @property
    def seats_left(self) -> int | None:
        """Free places (None: unlimited)."""
        return None if self.capacity is None else max(self.capacity - self.confirmed - self.attended, 0)

    @property
    def local_start(self) -> datetime:
        """The start in the venue's zone."""
        return self.starts_at.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        """The end in the venue's zone."""
        return self.ends_at.astimezone(ZoneInfo(self.timezone))

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether people can still enrol."""
        return self.status == "published" and (now or utcnow()) < self.enrol_deadline

    def as_json(self) -> dict[str, Any]:
        """The event for ``interhub events show --json``."""
        return {
            "id": self.id,
            "title": self.title,
            "language": self.language,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "timezone": self.timezone,
            "venue": self.venue,
            "online_url": self.online_url,
            "country": self.country,
            "city": self.city,
            "sectors": list(self.sectors),
            "capacity": self.capacity,
            "enrol_deadline": self.enrol_deadline.isoformat(),
            "status": self.status,
            "organiser": self.organiser,
            "confirmed": self.confirmed,
            "waitlisted": self.waitlisted,
            "attended": self.attended,
        }


@dataclass(frozen=True)
class Place:
    """One person's enrolment; ``position`` is their current place in the waiting list (1 is next)."""

    event_id: int
    pseudonym: str
    first_name: str | None
    status: str
    position: int | None = None


@dataclass(frozen=True)
class Edited:
    """The outcome of an edit: the event, and how many people were told or moved up from the waiting list."""

    event: EventView
    told: int = 0
    promoted: int = 0
    moved: bool = False


@dataclass(frozen=True)
class Funnel:
    """One event's partner funnel, in distinct pseudonyms.

    ``invited``: shown the event's card (from the list, a shared link or a reminder's button), as logged
    with ``subject`` ``event:<id>``; ``enrolled``: ever took a seat or a waiting place; ``attended``:
    marked present; ``evaluated``: submitted the event's feedback form (the day-after questionnaire).
    """

    event_id: int
    title: str
    country: str
    starts_at: datetime
    invited: int
    enrolled: int
    attended: int
    evaluated: int

    def as_json(self) -> dict[str, Any]:
        """For ``interhub events funnel --json``."""
        return {**self.__dict__, "starts_at": self.starts_at.isoformat()}


def card_subject(event_id: int) -> str:
    """What the message log records as the subject of an event card."""
    return f"event:{event_id}"


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise EventError(f"unknown time zone {name!r}") from None
    return name


def _moment(value: object, zone: str, what: str) -> datetime:
    """A YAML date-time: aware values keep their offset, naive ones are read in the venue's zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise EventError(f"{what}: not a date and time: {value!r}") from None
    if not isinstance(value, datetime):
        raise EventError(f"{what}: not a date and time: {value!r}")
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(zone))


def validate(draft: EventDraft) -> EventDraft:
    """Check a draft; raise EventError naming the first problem."""
    if not 3 <= len(draft.title.strip()) <= 200:
        raise EventError("title: between 3 and 200 characters")
    if len(draft.description) > 2000:
        raise EventError("description: at most 2000 characters")
    if draft.venue is not None and not 3 <= len(draft.venue) <= 300:
        raise EventError("venue: between 3 and 300 characters")
    if draft.online_url is not None and len(draft.online_url) > 500:
        raise EventError("online_url: at most 500 characters")
    if not 1 <= len(draft.city.strip()) <= 80:
        raise EventError("city: between 1 and 80 characters")
    if draft.country not in COUNTRIES:
        raise EventError(f"country: one of {', '.join(COUNTRIES)}")
    if draft.language not in SUPPORTED_LANGUAGES:
        raise EventError(f"language: one of {', '.join(SUPPORTED_LANGUAGES)}")
    _zone(draft.timezone)
    if draft.ends_at <= draft.starts_at:
        raise EventError("end: must be after the start")
    if not draft.venue and not draft.online_url:
        raise EventError("venue or online_url: one is required")
    if draft.online_url and not draft.online_url.startswith(("https://", "http://")):
        raise EventError("online_url: must start with https://")
    unknown = sorted(set(draft.sectors) - set(SECTORS))
    if unknown:
        raise EventError(f"sectors: unknown {unknown[0]!r}; use {', '.join(SECTORS)}")
    if draft.capacity is not None and draft.capacity < 1:
        raise EventError("capacity: a positive number, or leave it out for unlimited")
    if draft.enrol_deadline is not None and draft.enrol_deadline > draft.starts_at:
        raise EventError("enrol_deadline: must not be after the start")
    for lang, texts in draft.translations.items():
        if lang not in SUPPORTED_LANGUAGES or not isinstance(texts, dict) or "title" not in texts:
            raise EventError(f"translations: {lang!r} needs a supported language and a title")
        if not 3 <= len(str(texts["title"]).strip()) <= 200 or len(str(texts.get("description", ""))) > 2000:
            raise EventError(f"translations: {lang!r} needs a title of 3 to 200 characters")
    return draft


def parse_yaml(source: str) -> EventDraft:
    """Read an event file (see ``docs`` in the README); raise EventError naming the problem."""
    data = yaml.safe_load(source)
    if not isinstance(data, dict):
        raise EventError("the file must be a mapping of fields")
    missing = [key for key in ("title", "starts_at", "ends_at", "country", "city") if key not in data]
    if missing:
        raise EventError(f"missing field: {missing[0]}")
    country = str(data["country"]).upper()
    zone = _zone(str(data.get("timezone") or COUNTRY_ZONES.get(country, "UTC")))
    deadline = data.get("enrol_deadline")
    capacity = data.get("capacity")
    if capacity is not None and not isinstance(capacity, int):
        raise EventError("capacity: a whole number")
    translations = data.get("translations") or {}
    if not isinstance(translations, dict):
        raise EventError("translations: a mapping of language to title and description")
    draft = EventDraft(
        title=str(data["title"]).strip(),
        description=str(data.get("description") or "").strip(),
        language=str(data.get("language") or "en"),
        starts_at=_moment(data["starts_at"], zone, "starts_at"),
        ends_at=_moment(data["ends_at"], zone, "ends_at"),
        timezone=zone,
        country=country,
        city=str(data["city"]).strip(),
        organiser=str(data.get("organiser") or "InterHub").strip(),
        venue=str(data["venue"]).strip() if data.get("venue") else None,
        online_url=str(data["online_url"]).strip() if data.get("online_url") else None,
        sectors=tuple(str(s) for s in data.get("sectors") or ()),
        capacity=capacity,
        enrol_deadline=None if deadline is None else _moment(deadline, zone, "enrol_deadline"),
        translations={
            str(lang): {k: str(v) for k, v in dict(texts).items()} for lang, texts in translations.items()
        },
        publish=str(data.get("status") or "draft") == "published",
    )
    return validate(draft)


def _view(event: Event, counts: dict[str, int] | None = None) -> EventView:
    counts = counts or {}
    return EventView(
        id=event.id,
        title=event.title,
        description=event.description,
        language=event.language,
        translations=dict(event.translations or {}),
        starts_at=aware(event.starts_at),
        ends_at=aware(event.ends_at),
        timezone=event.timezone,
        venue=event.venue,
        online_url=event.online_url,
        country=event.country,
        city=event.city,
        sectors=tuple(filter(None, event.sectors.split(","))),
        capacity=event.capacity,
        enrol_deadline=aware(event.enrol_deadline or event.starts_at),
        status=event.status,
        organiser=event.organiser,
        updated_at=aware(event.updated_at),
        confirmed=counts.get("confirmed", 0),
        waitlisted=counts.get("waitlisted", 0),
        attended=counts.get("attended", 0),
    )


def _draft_of(event: Event) -> EventDraft:
    """The stored event as a draft, so an edit is checked by the same rules as a new event."""
    return EventDraft(
        title=event.title,
        description=event.description,
        language=event.language,
        starts_at=aware(event.starts_at),
        ends_at=aware(event.ends_at),
        timezone=event.timezone,
        country=event.country,
        city=event.city,
        organiser=event.organiser,
        venue=event.venue,
        online_url=event.online_url,
        sectors=tuple(filter(None, event.sectors.split(","))),
        capacity=event.capacity,
        enrol_deadline=None if event.enrol_deadline is None else aware(event.enrol_deadline),
        translations=dict(event.translations or {}),
    )


def _utc(moment: datetime) -> datetime:
    """Stored times are UTC: SQLite keeps the wall time of an aware value and drops its zone."""
    return moment.astimezone(UTC)


def reminder_key(event_id: int, pseudonym: str, which: str, starts_at: datetime) -> str:
    """The dedupe key of one reminder; the start is part of it, so a moved event gets fresh reminders."""
    return f"{REMINDER_JOB}:{event_id}:{pseudonym}:{which}:{aware(starts_at):%Y%m%dT%H%MZ}"


async def _arm(
    session: AsyncSession,
    kind: str,
    key: str,
    due_at: datetime,
    pseudonym: str | None,
    payload: dict[str, Any],
) -> None:
    """Schedule a job in this transaction; a cancelled one with the same key comes back, a sent one stays."""
    due_at = _utc(due_at)
    job = await session.scalar(select(Job).where(Job.dedupe_key == key))
    if job is None:
        session.add(
            Job(
                kind=kind,
                payload=payload,
                due_at=due_at,
                pseudonym=pseudonym,
                dedupe_key=key,
                state="pending",
                attempts=0,
                max_attempts=5,
            )
        )
    elif job.state in ("cancelled", "pending", "failed"):
        job.state, job.due_at, job.attempts, job.payload, job.last_error = "pending", due_at, 0, payload, None


async def _disarm(session: AsyncSession, prefix: str) -> None:
    """Cancel the pending jobs whose dedupe key starts with ``prefix``."""
    await session.execute(
        update(Job)
        .where(Job.dedupe_key.startswith(prefix, autoescape=True), Job.state == "pending")
        .values(state="cancelled")
        .execution_options(synchronize_session=False)
    )


async def _arm_reminders(session: AsyncSession, event: Event, pseudonym: str, now: datetime) -> None:
    start = aware(event.starts_at)
    for which, before in REMINDERS.items():
        due = start - before
        if due > now:
            payload = {"event_id": event.id, "which": which, "starts_at": start.isoformat()}
            key = reminder_key(event.id, pseudonym, which, start)
            await _arm(session, REMINDER_JOB, key, due, pseudonym, payload)


class EventService:
    """Add, publish, cancel and list events; enrol, cancel, promote, mark attendance."""

    def __init__(self, db: Database, roles: RoleService) -> None:
        self.db = db
        self.roles = roles

    # --- coaches -------------------------------------------------------------------------------------------

    async def add(self, draft: EventDraft, *, actor: int | None = None) -> EventView:
        """Store a new event (a draft unless ``draft.publish``). ``actor`` None is the operator's CLI."""
        validate(draft)
        if actor is not None:
            await self.roles.require(actor, "events.manage", draft.country)
        now = utcnow()
        async with self.db.transaction() as session:
            event = Event(
                title=draft.title,
                description=draft.description,
                language=draft.language,
                translations=draft.translations,
                starts_at=_utc(draft.starts_at),
                ends_at=_utc(draft.ends_at),
                timezone=draft.timezone,
                venue=draft.venue,
                online_url=draft.online_url,
                country=draft.country,
                city=draft.city,
                sectors=",".join(draft.sectors),
                capacity=draft.capacity,
                enrol_deadline=None if draft.enrol_deadline is None else _utc(draft.enrol_deadline),
                status="draft",
                organiser=draft.organiser,
                created_at=now,
                updated_at=now,
            )
            session.add(event)
            await session.flush()
            if draft.publish:
                await self._publish(session, event)
            return _view(event)

    async def _locked(self, session: AsyncSession, event_id: int) -> Event:
        """The event, with its lock held until the transaction ends."""
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SET LOCAL lock_timeout = '10s'"))
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, :event)"),
                {"namespace": LOCK_NAMESPACE, "event": event_id},
            )
        else:  # writing first takes SQLite's writer lock before anything is read
            await session.execute(
                update(Event)
                .where(Event.id == event_id)
                .values(id=Event.id)
                .execution_options(synchronize_session=False)
            )
        event = await session.get(Event, event_id, populate_existing=True)
        if event is None:
            raise EventError(f"no event {event_id}")
        return event

    async def _managed(self, session: AsyncSession, event_id: int, actor: int | None) -> Event:
        event = await self._locked(session, event_id)
        if actor is not None:
            await self.roles.require(actor, "events.manage", event.country)
        return event

    async def _publish(self, session: AsyncSession, event: Event) -> None:
        event.status, event.updated_at = "published", utcnow()
        end = aware(event.ends_at)
        await _arm(session, FINISH_JOB, f"{FINISH_JOB}:{event.id}", end, None, {"event_id": event.id})

    async def publish(self, event_id: int, *, actor: int | None = None) -> EventView:
        """Make a draft visible and open for enrolment."""
        async with self.db.transaction() as session:
            event = await self._managed(session, event_id, actor)
            if event.status != "draft":
                raise EventError(f"event {event_id} is {event.status}, not a draft")
            await self._publish(session, event)
            return _view(event, await self._counts(session, event_id))

    async def cancel(self, event_id: int, *, actor: int | None = None) -> EventView:
        """Cancel an event: its reminders stop and everyone enrolled or waiting is told (a job each)."""
        async with self.db.transaction() as session:
            event = await self._managed(session, event_id, actor)
            if event.status not in ("draft", "published"):
                raise EventError(f"event {event_id} is already {event.status}")
            counts = await self._counts(session, event_id)
            event.status, event.updated_at = "cancelled", utcnow()
            await _disarm(session, f"{REMINDER_JOB}:{event_id}:")
            await _disarm(session, f"{FINISH_JOB}:{event_id}")
            people = await session.scalars(
                select(Enrolment).where(Enrolment.event_id == event_id, Enrolment.status.in_(ACTIVE))
            )
            for place in people:
                key = f"{CANCELLED_JOB}:{event_id}:{place.pseudonym}"
                await _arm(session, CANCELLED_JOB, key, utcnow(), place.pseudonym, {"event_id": event_id})
            return _view(event, counts)

    async def reschedule(
        self, event_id: int, starts_at: datetime, ends_at: datetime, *, actor: int | None = None
    ) -> EventView:
        """Move an event; the reminders of everyone confirmed move with it, everyone enrolled is told."""
        return (await self.edit(event_id, {"starts_at": starts_at, "ends_at": ends_at}, actor=actor)).event

    async def edit(self, event_id: int, changes: Mapping[str, Any], *, actor: int | None = None) -> Edited:
        """Change some of ``EDITABLE``, checked like a new event, in one transaction.

        A new time moves the reminders and the finish job; a new time or place is told (a job each) to
        everyone confirmed or waiting; more seats go to the first people waiting; fewer seats than people
        already confirmed is refused. A deadline after a new start falls back to the start.
        """
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise EventError(f"{unknown[0]}: cannot be changed")
        now = utcnow()
        async with self.db.transaction() as session:
            event = await self._managed(session, event_id, actor)
            if event.status not in ("draft", "published"):
                raise EventError(f"event {event_id} is {event.status}")
            before = _draft_of(event)
            merged = replace(before, **dict(changes))
            if merged.starts_at != before.starts_at:
                if merged.starts_at <= now:
                    raise EventError("start: must be in the future")
                stale = merged.enrol_deadline is not None and merged.enrol_deadline > merged.starts_at
                if stale and "enrol_deadline" not in changes:
                    merged = replace(merged, enrol_deadline=None)
            validate(merged)
            counts = await self._counts(session, event_id)
            taken = counts.get("confirmed", 0) + counts.get("attended", 0)
            if merged.capacity is not None and merged.capacity < taken:
                raise EventError(f"capacity: {taken} people already have a seat")
            moved = (merged.starts_at, merged.ends_at) != (before.starts_at, before.ends_at)
            relocated = (merged.venue, merged.online_url) != (before.venue, before.online_url)
            event.title, event.description = merged.title.strip(), merged.description.strip()
            event.starts_at, event.ends_at = _utc(merged.starts_at), _utc(merged.ends_at)
            event.venue, event.online_url, event.capacity = merged.venue, merged.online_url, merged.capacity
            event.sectors = ",".join(merged.sectors)
            event.translations = dict(merged.translations)
            event.enrol_deadline = None if merged.enrol_deadline is None else _utc(merged.enrol_deadline)
            event.updated_at = now
            if moved:
                await self._move_jobs(session, event, now)
            promoted: set[str] = set()
            while event.status == "published" and (seat := await self._promote(session, event, now)):
                promoted.add(seat.pseudonym)
                await session.flush()
            told = 0
            if event.status == "published" and (moved or relocated):
                people = await session.scalars(
                    select(Enrolment.pseudonym).where(
                        Enrolment.event_id == event_id, Enrolment.status.in_(ACTIVE)
                    )
                )
                payload = {"event_id": event_id, "moved": moved, "relocated": relocated}
                for pseudonym in people.all():
                    if pseudonym not in promoted:  # their "a seat is free" message has the new details
                        key = f"{CHANGED_JOB}:{event_id}:{pseudonym}:{now:%Y%m%dT%H%M%S%f}"
                        await _arm(session, CHANGED_JOB, key, now, pseudonym, payload)
                        told += 1
            await session.flush()
            view = _view(event, await self._counts(session, event_id))
            return Edited(view, told=told, promoted=len(promoted), moved=moved)

    async def _move_jobs(self, session: AsyncSession, event: Event, now: datetime) -> None:
        """New reminders for everyone confirmed at the new start; the finish job at the new end."""
        await _disarm(session, f"{REMINDER_JOB}:{event.id}:")
        confirmed = await session.scalars(
            select(Enrolment.pseudonym).where(Enrolment.event_id == event.id, Enrolment.status == "confirmed")
        )
        for pseudonym in confirmed.all():
            await _arm_reminders(session, event, pseudonym, now)
        if event.status == "published":
            await session.execute(
                update(Job)
                .where(Job.dedupe_key == f"{FINISH_JOB}:{event.id}", Job.state == "pending")
                .values(due_at=_utc(aware(event.ends_at)))
            )

    async def editable(self, event_id: int, *, actor: int | None = None) -> EventView:
        """The event, when ``actor`` may edit it and it is still a draft or published."""
        event = await self.get(event_id)
        if event is None:
            raise EventError(f"no event {event_id}")
        if actor is not None:
            await self.roles.require(actor, "events.manage", event.country)
        if event.status not in ("draft", "published"):
            raise EventError(f"event {event_id} is {event.status}")
        return event

    async def roster(self, event_id: int, *, actor: int | None = None) -> list[Place]:
        """Everyone enrolled, waiting or present (pseudonym and first name only), in arrival order."""
        async with self.db.transaction() as session:
            event = await session.get(Event, event_id)
            if event is None:
                raise EventError(f"no event {event_id}")
            if actor is not None:
                await self.roles.require(actor, "events.manage", event.country)
            rows = (
                await session.scalars(
                    select(Enrolment)
                    .where(Enrolment.event_id == event_id, Enrolment.status != "cancelled")
                    .order_by(Enrolment.waitlist_seq.is_not(None), Enrolment.waitlist_seq, Enrolment.id)
                )
            ).all()
            waiting = [row for row in rows if row.status == "waitlisted"]
            positions = {row.id: number for number, row in enumerate(waiting, start=1)}
            return [
                Place(event_id, row.pseudonym, row.first_name, row.status, positions.get(row.id))
                for row in rows
            ]

    async def set_attendance(
        self, event_id: int, pseudonyms: Iterable[str], present: bool = True, *, actor: int | None = None
    ) -> int:
        """Mark people present (or not); attendees get the day-after feedback job; return how many changed."""
        changed = 0
        async with self.db.transaction() as session:
            event = await self._managed(session, event_id, actor)
            if event.status not in ("published", "finished"):
                raise EventError(f"event {event_id} is {event.status}")
            wanted = set(pseudonyms)
            rows = await session.scalars(
                select(Enrolment).where(Enrolment.event_id == event_id, Enrolment.pseudonym.in_(wanted))
            )
            due = max(aware(event.ends_at) + timedelta(days=1), utcnow())
            for row in rows:
                key = f"{FEEDBACK_JOB}:{event_id}:{row.pseudonym}"
                if present and row.status == "confirmed":
                    row.status, row.updated_at = "attended", utcnow()
                    await _arm(session, FEEDBACK_JOB, key, due, row.pseudonym, {"event_id": event_id})
                    changed += 1
                elif not present and row.status == "attended":
                    row.status, row.updated_at = "confirmed", utcnow()
                    await _disarm(session, key)
                    changed += 1
        return changed

    async def finish(self, event_id: int) -> bool:
        """Mark a published event whose end has passed as finished (the ``events.finish`` job)."""
        async with self.db.transaction() as session:
            event = await self._locked(session, event_id)
            if event.status != "published" or aware(event.ends_at) > utcnow():
                return False
            event.status, event.updated_at = "finished", utcnow()
            return True

    # --- everyone ------------------------------------------------------------------------------------------

    async def _counts(self, session: AsyncSession, event_id: int) -> dict[str, int]:
        rows = await session.execute(
            select(Enrolment.status, func.count())
            .where(Enrolment.event_id == event_id)
            .group_by(Enrolment.status)
        )
        return {status: int(count) for status, count in rows.all()}

    async def get(self, event_id: int) -> EventView | None:
        """One event with its counts."""
        async with self.db.transaction() as session:
            event = await session.get(Event, event_id)
            return None if event is None else _view(event, await self._counts(session, event_id))

    async def find_all(
        self, *, statuses: Sequence[str] | None = None, upcoming: bool = False
    ) -> list[EventView]:
        """Events by start, optionally only some statuses and only those not yet started."""
        query = select(Event).order_by(Event.starts_at, Event.id)
        if statuses is not None:
            query = query.where(Event.status.in_(tuple(statuses)))
        if upcoming:
            query = query.where(Event.starts_at > utcnow())
        async with self.db.transaction() as session:
            events = (await session.scalars(query)).all()
            return [_view(event, await self._counts(session, event.id)) for event in events]

    async def upcoming_for(self, country: str | None, sector: str | None, limit: int = 10) -> list[EventView]:
        """Published events not yet started: the person's country first, then their sector, then by date."""
        events = await self.find_all(statuses=("published",), upcoming=True)

        def rank(event: EventView) -> tuple[bool, bool, datetime]:
            in_sector = sector is not None and (not event.sectors or sector in event.sectors)
            return (event.country != country, not in_sector, event.starts_at)

        return sorted(events, key=rank)[:limit]

    async def enrol(self, event_id: int, pseudonym: str, *, first_name: str | None = None) -> Place:
        """Give the person a seat, or a place in the waiting list; enrolling twice changes nothing."""
        now = utcnow()
        async with self.db.transaction() as session:
            event = await self._locked(session, event_id)
            view = _view(event)
            if not view.is_open(now):
                raise EventError(f"event {event_id} is not open for enrolment")
            row = await session.scalar(
                select(Enrolment).where(Enrolment.event_id == event_id, Enrolment.pseudonym == pseudonym)
            )
            if row is not None and row.status in (*ACTIVE, "attended"):
                return await self._place(session, row)
            taken = await session.scalar(
                select(func.count()).where(
                    Enrolment.event_id == event_id, Enrolment.status.in_(TAKING_A_SEAT)
                )
            )
            last = await session.scalar(
                select(func.max(Enrolment.waitlist_seq)).where(Enrolment.event_id == event_id)
            )
            if row is None:
                row = Enrolment(event_id=event_id, pseudonym=pseudonym, created_at=now)
                session.add(row)
            row.first_name, row.updated_at = (first_name or "")[:64] or None, now
            if event.capacity is None or int(taken or 0) < event.capacity:
                row.status, row.waitlist_seq = "confirmed", None
                await _arm_reminders(session, event, pseudonym, now)
            else:
                row.status, row.waitlist_seq = "waitlisted", int(last or 0) + 1
            await session.flush()
            return await self._place(session, row)

    async def _place(self, session: AsyncSession, row: Enrolment) -> Place:
        position = None
        if row.status == "waitlisted":
            position = await session.scalar(
                select(func.count()).where(
                    Enrolment.event_id == row.event_id,
                    Enrolment.status == "waitlisted",
                    Enrolment.waitlist_seq <= row.waitlist_seq,
                )
            )
        return Place(row.event_id, row.pseudonym, row.first_name, row.status, position)

    async def cancel_enrolment(self, event_id: int, pseudonym: str) -> Place | None:
        """The person cannot come: their reminders stop; a freed seat goes to the first person waiting,
        who is told by an ``events.promoted`` job. Returns the promoted person's place, if any."""
        now = utcnow()
        async with self.db.transaction() as session:
            event = await self._locked(session, event_id)
            row = await session.scalar(
                select(Enrolment).where(Enrolment.event_id == event_id, Enrolment.pseudonym == pseudonym)
            )
            if row is None or row.status not in ACTIVE:
                raise EventError(f"{pseudonym} is not enrolled in event {event_id}")
            freed = row.status == "confirmed"
            row.status, row.waitlist_seq, row.updated_at = "cancelled", None, now
            await _disarm(session, f"{REMINDER_JOB}:{event_id}:{pseudonym}:")
            await session.flush()
            if not freed or event.status != "published" or aware(event.starts_at) <= now:
                return None
            return await self._promote(session, event, now)

    async def _promote(self, session: AsyncSession, event: Event, now: datetime) -> Place | None:
        taken = await session.scalar(
            select(func.count()).where(Enrolment.event_id == event.id, Enrolment.status.in_(TAKING_A_SEAT))
        )
        if event.capacity is not None and int(taken or 0) >= event.capacity:
            return None
        gone = (
            select(User.id)
            .where(User.pseudonym == Enrolment.pseudonym, User.unreachable_at.is_not(None))
            .exists()
        )
        first = await session.scalar(  # people who blocked the bot keep their place but cannot be told
            select(Enrolment)
            .where(Enrolment.event_id == event.id, Enrolment.status == "waitlisted", ~gone)
            .order_by(Enrolment.waitlist_seq)
            .limit(1)
        )
        if first is None:
            return None
        seq = first.waitlist_seq
        first.status, first.waitlist_seq, first.updated_at = "confirmed", None, now
        await _arm_reminders(session, event, first.pseudonym, now)
        key = f"{PROMOTED_JOB}:{event.id}:{first.pseudonym}:{seq}"
        await _arm(session, PROMOTED_JOB, key, now, first.pseudonym, {"event_id": event.id})
        return Place(event.id, first.pseudonym, first.first_name, "confirmed")

    async def places_of(self, pseudonym: str) -> list[tuple[EventView, Place]]:
        """The person's upcoming events where they have a seat or wait, by start."""
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(Event, Enrolment)
                    .join(Enrolment, Enrolment.event_id == Event.id)
                    .where(
                        Enrolment.pseudonym == pseudonym,
                        Enrolment.status.in_(ACTIVE),
                        Event.status == "published",
                        Event.ends_at > utcnow(),
                    )
                    .order_by(Event.starts_at)
                )
            ).all()
            return [(_view(event), await self._place(session, row)) for event, row in rows]

    async def place_of(self, event_id: int, pseudonym: str) -> Place | None:
        """The person's enrolment in one event."""
        async with self.db.transaction() as session:
            row = await session.scalar(
                select(Enrolment).where(Enrolment.event_id == event_id, Enrolment.pseudonym == pseudonym)
            )
            return None if row is None else await self._place(session, row)

    async def language_of(self, pseudonym: str) -> str | None:
        """The person's chosen language, for messages sent by jobs."""
        async with self.db.transaction() as session:
            return await session.scalar(select(User.language).where(User.pseudonym == pseudonym))

    async def funnel(self, *, actor: int | None = None) -> list[Funnel]:
        """Invited → enrolled → attended for every published or finished event the actor may see
        (``analytics.view`` for the event's country; ``actor`` None is the operator's CLI)."""
        async with self.db.transaction() as session:
            events = (
                await session.scalars(
                    select(Event).where(Event.status.in_(("published", "finished"))).order_by(Event.starts_at)
                )
            ).all()
            found = []
            for event in events:
                if actor is not None and not await self.roles.allows(actor, "analytics.view", event.country):
                    continue
                invited = await session.scalar(
                    select(func.count(func.distinct(MessageLog.pseudonym))).where(
                        MessageLog.article_id == card_subject(event.id), MessageLog.direction == "out"
                    )
                )
                evaluated = await session.scalar(
                    select(func.count(func.distinct(SurveyResponse.pseudonym))).where(
                        SurveyResponse.survey == EVENT_FEEDBACK_FORM,
                        SurveyResponse.event_id == event.id,
                        SurveyResponse.status == "submitted",
                    )
                )
                counts = dict(
                    (
                        await session.execute(
                            select(Enrolment.status, func.count())
                            .where(Enrolment.event_id == event.id)
                            .group_by(Enrolment.status)
                        )
                    ).all()
                )
                found.append(
                    Funnel(
                        event.id,
                        event.title,
                        event.country,
                        aware(event.starts_at),
                        invited=int(invited or 0),
                        enrolled=sum(int(n) for n in counts.values()),
                        attended=int(counts.get("attended", 0)),
                        evaluated=int(evaluated or 0),
                    )
                )
            return found

    async def pseudonyms_of(self, telegram_ids: Iterable[int]) -> dict[int, str]:
        """Telegram id → pseudonym of known people (the CLI's attendance list)."""
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(User.telegram_id, User.pseudonym).where(User.telegram_id.in_(list(telegram_ids)))
            )
            return {int(telegram_id): str(pseudonym) for telegram_id, pseudonym in rows.all()}
