"""Mentoring: mentors managed by coaches, requests from people, coach approval within each mentor's capacity.

A request goes ``requested`` → ``approved`` (a coach chose the mentor; introductions are jobs) → ``active``
(the person was introduced) → ``completed``; or ``declined`` by a coach, or ``cancelled`` by the person.
Capacity holds under concurrency: an approval locks the request row, then the mentor row
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the first write takes the single writer lock), and only
then counts the mentor's current mentees, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.mentor_ranking import Candidate, Match, Wish, proposals, rank
from actions.models import COUNTRIES, SECTORS, Job, Mentor, MentoringRequest, User, aware, utcnow
from actions.roles import NotAllowed, RoleService
from core.db import Database
from core.i18n import SUPPORTED_LANGUAGES

REMINDER_JOB, INTRODUCE_JOB, DECLINED_JOB = "mentoring.reminder", "mentoring.introduce", "mentoring.declined"
ENDED_JOB = "mentoring.ended"
REMIND_AFTER = timedelta(hours=72)
OPEN = ("requested", "approved", "active")
TAKING_A_PLACE = ("approved", "active")
AVAILABILITY = ("daytime", "evenings", "weekends", "flexible")
DECLINE_REASONS = ("no_match", "full", "scope", "details")
NEED_CHARS = 1000


class MentoringError(ValueError):
    """A mentor or a request cannot be changed that way (unknown, wrong state, bad input)."""


class MentorFull(MentoringError):
    """The mentor has no free place (or is paused)."""


def request_label(request_id: int) -> str:
    """How a request is shown to people and coaches: ``M-0007``."""
    return f"M-{request_id:04d}"


def _split(text: str) -> tuple[str, ...]:
    return tuple(filter(None, text.split(",")))


@dataclass(frozen=True)
class MentorDraft:
    """A mentor as a coach describes them in a YAML file."""

    name: str
    bio: dict[str, str]
    sectors: tuple[str, ...]
    languages: tuple[str, ...]
    countries: tuple[str, ...]
    capacity: int
    active: bool = True
    telegram_id: int | None = None


@dataclass(frozen=True)
class MentorView:
    """A mentor with the number of mentees they have now."""

    id: int
    name: str
    bio: dict[str, str]
    sectors: tuple[str, ...]
    languages: tuple[str, ...]
    countries: tuple[str, ...]
    capacity: int
    active: bool
    telegram_id: int | None
    taken: int = 0

    @property
    def candidate(self) -> Candidate:
        """The mentor as the ranking sees them."""
        return Candidate(
            self.id,
            self.name,
            self.sectors,
            self.languages,
            self.countries,
            self.capacity,
            self.taken,
            self.active,
        )

    def bio_in(self, lang: str) -> str:
        """The short bio in ``lang``, else English, else any."""
        return self.bio.get(lang) or self.bio.get("en") or next(iter(self.bio.values()), "")

    def as_json(self) -> dict[str, Any]:
        """The mentor for ``interhub mentors list --json``."""
        return {
            "id": self.id,
            "name": self.name,
            "bio": self.bio,
            "sectors": list(self.sectors),
            "languages": list(self.languages),
            "countries": list(self.countries),
            "capacity": self.capacity,
            "mentees": self.taken,
            "active": self.active,
            "uses_telegram": self.telegram_id is not None,
        }


@dataclass(frozen=True)
class RequestView:
    """A request as handlers and jobs need it."""

    id: int
    pseudonym: str
    need: str | None
    sector: str
    languages: tuple[str, ...]
    country: str
    availability: str
    proposals: tuple[int, ...]
    chosen_by_person: bool
    mentor_id: int | None
    state: str
    decline_reason: str | None
    coach_message_id: int | None
    created_at: datetime

    @property
    def label(self) -> str:
        """``M-0007``."""
        return request_label(self.id)

    @property
    def wish(self) -> Wish:
        """What the person asked for, for the ranking."""
        return Wish(self.sector, self.languages, self.country)

    @property
    def suggested(self) -> int | None:
        """The mentor the coach's Approve button means: the person's choice, else the best proposal."""
        return self.mentor_id or (self.proposals[0] if self.proposals else None)


def _mentor_view(mentor: Mentor, taken: int = 0) -> MentorView:
    return MentorView(
        id=mentor.id,
        name=mentor.name,
        bio=dict(mentor.bio or {}),
        sectors=_split(mentor.sectors),
        languages=_split(mentor.languages),
        countries=_split(mentor.countries),
        capacity=mentor.capacity,
        active=mentor.active,
        telegram_id=mentor.telegram_id,
        taken=taken,
    )


def _request_view(row: MentoringRequest) -> RequestView:
    return RequestView(
        id=row.id,
        pseudonym=row.pseudonym,
        need=row.need,
        sector=row.sector,
        languages=_split(row.languages),
        country=row.country,
        availability=row.availability,
        proposals=tuple(int(i) for i in (row.proposals or {}).get("ids", [])),
        chosen_by_person=row.chosen_by_person,
        mentor_id=row.mentor_id,
        state=row.state,
        decline_reason=row.decline_reason,
        coach_message_id=row.coach_message_id,
        created_at=aware(row.created_at),
    )


def validate_mentor(draft: MentorDraft) -> MentorDraft:
    """Check a mentor; raise MentoringError naming the first problem."""
    if not 2 <= len(draft.name.strip()) <= 80:
        raise MentoringError("name: between 2 and 80 characters")
    for what, values, allowed in (
        ("sectors", draft.sectors, SECTORS),
        ("languages", draft.languages, SUPPORTED_LANGUAGES),
        ("countries", draft.countries, COUNTRIES),
    ):
        if not values:
            raise MentoringError(f"{what}: at least one of {', '.join(allowed)}")
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise MentoringError(f"{what}: unknown {unknown[0]!r}; use {', '.join(allowed)}")
    if not 1 <= draft.capacity <= 50:
        raise MentoringError("capacity: a whole number from 1 to 50")
    if not draft.bio or any(lang not in SUPPORTED_LANGUAGES or len(t) > 500 for lang, t in draft.bio.items()):
        raise MentoringError("bio: a mapping of language to a short text (up to 500 characters)")
    return draft


def _codes(value: object, what: str, upper: bool = False) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise MentoringError(f"{what}: a list")
    return tuple(str(v).strip().upper() if upper else str(v).strip().lower() for v in value)


def _draft(data: object) -> MentorDraft:
    if not isinstance(data, dict):
        raise MentoringError("each mentor must be a mapping of fields")
    missing = [k for k in ("name", "bio", "sectors", "languages", "countries", "capacity") if k not in data]
    if missing:
        raise MentoringError(f"missing field: {missing[0]}")
    bio = data["bio"]
    if isinstance(bio, str):
        bio = {"en": bio}
    if not isinstance(bio, dict):
        raise MentoringError("bio: a mapping of language to text")
    capacity, telegram_id = data["capacity"], data.get("telegram_id")
    if not isinstance(capacity, int) or isinstance(capacity, bool):
        raise MentoringError("capacity: a whole number")
    if telegram_id is not None and (not isinstance(telegram_id, int) or telegram_id <= 0):
        raise MentoringError("telegram_id: a positive whole number, or leave it out")
    return validate_mentor(
        MentorDraft(
            name=str(data["name"]).strip(),
            bio={str(k): str(v).strip() for k, v in bio.items()},
            sectors=_codes(data["sectors"], "sectors"),
            languages=_codes(data["languages"], "languages"),
            countries=_codes(data["countries"], "countries", upper=True),
            capacity=capacity,
            active=bool(data.get("active", True)),
            telegram_id=telegram_id,
        )
    )


def parse_mentors_yaml(source: str) -> list[MentorDraft]:
    """Read a mentors file: one mapping, or a list of them; raise MentoringError naming the problem."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as problem:
        raise MentoringError(f"not valid YAML: {problem}") from None
    entries = data if isinstance(data, list) else [data]
    drafts = []
    for number, entry in enumerate(entries, start=1):
        try:
            drafts.append(_draft(entry))
        except MentoringError as problem:
            raise MentoringError(f"mentor {number}: {problem}") from None
    return drafts


def _schedule(
    session: AsyncSession, kind: str, key: str, due: datetime, pseudonym: str | None, payload: dict[str, Any]
) -> None:
    session.add(
        Job(
            kind=kind,
            payload=payload,
            due_at=due,
            pseudonym=pseudonym,
            dedupe_key=key,
            state="pending",
            attempts=0,
            max_attempts=5,
        )
    )


async def _disarm_reminder(session: AsyncSession, request_id: int) -> None:
    await session.execute(
        update(Job)
        .where(Job.dedupe_key == f"{REMINDER_JOB}:{request_id}", Job.state == "pending")
        .values(state="cancelled")
        .execution_options(synchronize_session=False)
    )


async def _pseudonym_of(session: AsyncSession, mentor: Mentor) -> str | None:
    """The mentor's pseudonym when they use the bot (jobs reach people only by pseudonym)."""
    if mentor.telegram_id is None:
        return None
    return await session.scalar(select(User.pseudonym).where(User.telegram_id == mentor.telegram_id))


class MentoringService:
    """Mentors (coaches), requests (people), approval and declining (coaches), cancelling (people)."""

    def __init__(self, db: Database, roles: RoleService) -> None:
        self.db = db
        self.roles = roles

    # --- mentors -------------------------------------------------------------------------------------------

    async def _require(self, actor: int | None, countries: Sequence[str]) -> None:
        """A coach may act when their scope covers one of the countries; admins always."""
        if actor is None:
            return
        for country in countries or (None,):
            if await self.roles.allows(actor, "mentoring.manage", country):
                return
        raise NotAllowed("mentoring.manage")

    async def add_mentor(self, draft: MentorDraft, *, actor: int | None = None) -> MentorView:
        """Store a mentor. ``actor`` None is the operator's CLI."""
        validate_mentor(draft)
        await self._require(actor, draft.countries)
        async with self.db.transaction() as session:
            if draft.telegram_id is not None:
                taken = await session.scalar(select(Mentor.id).where(Mentor.telegram_id == draft.telegram_id))
                if taken is not None:
                    raise MentoringError(f"telegram_id {draft.telegram_id} already belongs to mentor {taken}")
            mentor = Mentor(
                name=draft.name,
                bio=draft.bio,
                sectors=",".join(draft.sectors),
                languages=",".join(draft.languages),
                countries=",".join(draft.countries),
                capacity=draft.capacity,
                active=draft.active,
                telegram_id=draft.telegram_id,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            session.add(mentor)
            await session.flush()
            return _mentor_view(mentor)

    async def _taken(self, session: AsyncSession) -> dict[int, int]:
        rows = await session.execute(
            select(MentoringRequest.mentor_id, func.count())
            .where(MentoringRequest.state.in_(TAKING_A_PLACE), MentoringRequest.mentor_id.is_not(None))
            .group_by(MentoringRequest.mentor_id)
        )
        return {int(mentor_id or 0): int(count) for mentor_id, count in rows.all()}

    async def mentors(self, *, active_only: bool = False) -> list[MentorView]:
        """Every mentor (optionally only active ones) with their current mentees, by id."""
        query = select(Mentor).order_by(Mentor.id)
        if active_only:
            query = query.where(Mentor.active.is_(True))
        async with self.db.transaction() as session:
            taken = await self._taken(session)
            return [_mentor_view(m, taken.get(m.id, 0)) for m in await session.scalars(query)]

    async def mentor(self, mentor_id: int) -> MentorView | None:
        """One mentor."""
        return next((m for m in await self.mentors() if m.id == mentor_id), None)

    async def set_active(self, mentor_id: int, active: bool, *, actor: int | None = None) -> MentorView:
        """Pause (no new mentees; current ones continue) or resume a mentor."""
        async with self.db.transaction() as session:
            mentor = await session.get(Mentor, mentor_id)
            if mentor is None:
                raise MentoringError(f"no mentor {mentor_id}")
            await self._require(actor, _split(mentor.countries))
            mentor.active, mentor.updated_at = active, utcnow()
            return _mentor_view(mentor, (await self._taken(session)).get(mentor_id, 0))

    async def propose(self, wish: Wish) -> list[Match]:
        """The up to three mentors offered to the person."""
        return proposals([m.candidate for m in await self.mentors(active_only=True)], wish)

    async def ranked_for(self, request: RequestView) -> list[Match]:
        """Every active mentor with a free place for a request, best first (the coach's list)."""
        return rank(
            [m.candidate for m in await self.mentors(active_only=True)], request.wish, need_language=False
        )

    # --- requests ------------------------------------------------------------------------------------------

    async def request(
        self,
        pseudonym: str,
        wish: Wish,
        *,
        availability: str,
        need: str | None,
        mentor_id: int | None,
    ) -> RequestView:
        """Open a request (the 72 h reminder is scheduled with it); one open request per person.

        ``need`` must be None unless the person consented to a stored profile (the caller knows).
        """
        if wish.sector not in SECTORS or wish.country not in COUNTRIES or availability not in AVAILABILITY:
            raise MentoringError("sector, country or availability unknown")
        if not wish.languages or set(wish.languages) - set(SUPPORTED_LANGUAGES):
            raise MentoringError("languages: at least one supported language")
        ranked = await self.propose(wish)
        ids = [m.mentor.id for m in ranked]
        if mentor_id is not None and mentor_id not in ids:
            raise MentoringError(f"mentor {mentor_id} is not among the proposals")
        now = utcnow()
        async with self.db.transaction() as session:
            current = await session.scalar(
                select(MentoringRequest.id).where(
                    MentoringRequest.pseudonym == pseudonym, MentoringRequest.state.in_(OPEN)
                )
            )
            if current is not None:
                raise MentoringError(f"{request_label(current)} is still open")
            row = MentoringRequest(
                pseudonym=pseudonym,
                need=(need or "").strip()[:NEED_CHARS] or None,
                sector=wish.sector,
                languages=",".join(wish.languages),
                country=wish.country,
                availability=availability,
                proposals={"ids": ids},
                chosen_by_person=mentor_id is not None,
                mentor_id=mentor_id,
                state="requested",
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            key = f"{REMINDER_JOB}:{row.id}"
            _schedule(session, REMINDER_JOB, key, now + REMIND_AFTER, pseudonym, {"request_id": row.id})
            return _request_view(row)

    async def attach_coach_message(self, request_id: int, message_id: int) -> None:
        """Remember the card's message in the coaches' chat."""
        async with self.db.transaction() as session:
            row = await session.get(MentoringRequest, request_id)
            if row is not None:
                row.coach_message_id = message_id

    async def get(self, request_id: int) -> RequestView | None:
        """One request."""
        async with self.db.transaction() as session:
            row = await session.get(MentoringRequest, request_id)
            return None if row is None else _request_view(row)

    async def requests_of(self, pseudonym: str) -> list[RequestView]:
        """The person's requests, newest first."""
        async with self.db.transaction() as session:
            rows = await session.scalars(
                select(MentoringRequest)
                .where(MentoringRequest.pseudonym == pseudonym)
                .order_by(MentoringRequest.id.desc())
            )
            return [_request_view(row) for row in rows]

    async def _locked_request(self, session: AsyncSession, request_id: int) -> MentoringRequest:
        if session.get_bind().dialect.name != "postgresql":  # writing first takes SQLite's writer lock
            await session.execute(
                update(MentoringRequest)
                .where(MentoringRequest.id == request_id)
                .values(id=MentoringRequest.id)
                .execution_options(synchronize_session=False)
            )
        row = await session.scalar(
            select(MentoringRequest)
            .where(MentoringRequest.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise MentoringError(f"no request {request_id}")
        return row

    async def approve(self, request_id: int, mentor_id: int, *, actor: int | None = None) -> RequestView:
        """A coach gives the request this mentor, if they have a free place; introductions follow as jobs."""
        now = utcnow()
        async with self.db.transaction() as session:
            row = await self._locked_request(session, request_id)
            await self._require(actor, (row.country,))
            if row.state != "requested":
                raise MentoringError(f"{request_label(request_id)} is already {row.state}")
            mentor = await session.scalar(
                select(Mentor)
                .where(Mentor.id == mentor_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if mentor is None:
                raise MentoringError(f"no mentor {mentor_id}")
            taken = await session.scalar(
                select(func.count()).where(
                    MentoringRequest.mentor_id == mentor_id, MentoringRequest.state.in_(TAKING_A_PLACE)
                )
            )
            if not mentor.active or int(taken or 0) >= mentor.capacity:
                raise MentorFull(f"{mentor.name} has no free place")
            if row.mentor_id != mentor_id:
                row.chosen_by_person = False
            row.mentor_id, row.state, row.handled_at, row.updated_at = mentor_id, "approved", now, now
            await _disarm_reminder(session, request_id)
            payload = {"request_id": request_id}
            _schedule(
                session, INTRODUCE_JOB, f"{INTRODUCE_JOB}:{request_id}:mentee", now, row.pseudonym, payload
            )
            mentor_pseudonym = await _pseudonym_of(session, mentor)
            if mentor_pseudonym is not None:
                key = f"{INTRODUCE_JOB}:{request_id}:mentor"
                _schedule(session, INTRODUCE_JOB, key, now, mentor_pseudonym, {**payload, "to": "mentor"})
            return _request_view(row)

    async def decline(self, request_id: int, reason: str, *, actor: int | None = None) -> RequestView:
        """A coach declines; the person is told the reason in their language (a job)."""
        if reason not in DECLINE_REASONS:
            raise MentoringError(f"reason: one of {', '.join(DECLINE_REASONS)}")
        now = utcnow()
        async with self.db.transaction() as session:
            row = await self._locked_request(session, request_id)
            await self._require(actor, (row.country,))
            if row.state != "requested":
                raise MentoringError(f"{request_label(request_id)} is already {row.state}")
            row.state, row.decline_reason, row.handled_at, row.updated_at = "declined", reason, now, now
            await _disarm_reminder(session, request_id)
            key = f"{DECLINED_JOB}:{request_id}"
            _schedule(session, DECLINED_JOB, key, now, row.pseudonym, {"request_id": request_id})
            return _request_view(row)

    async def _by_person(
        self, request_id: int, pseudonym: str, allowed: tuple[str, ...], state: str
    ) -> RequestView:
        async with self.db.transaction() as session:
            row = await self._locked_request(session, request_id)
            if row.pseudonym != pseudonym or row.state not in allowed:
                raise MentoringError(f"{request_label(request_id)} cannot become {state}")
            had_a_place, row.state, row.updated_at = row.state in TAKING_A_PLACE, state, utcnow()
            await _disarm_reminder(session, request_id)
            mentor = await session.get(Mentor, row.mentor_id) if row.mentor_id is not None else None
            mentor_pseudonym = await _pseudonym_of(session, mentor) if had_a_place and mentor else None
            if mentor_pseudonym is not None:  # the mentor hears that their place is free again
                key = f"{ENDED_JOB}:{request_id}"
                _schedule(session, ENDED_JOB, key, utcnow(), mentor_pseudonym, {"request_id": request_id})
            return _request_view(row)

    async def cancel(self, request_id: int, pseudonym: str) -> RequestView:
        """The person withdraws (waiting, approved or active); a mentor's place becomes free."""
        return await self._by_person(request_id, pseudonym, OPEN, "cancelled")

    async def complete(self, request_id: int, pseudonym: str) -> RequestView:
        """The person ends an approved or active mentorship as completed."""
        return await self._by_person(request_id, pseudonym, TAKING_A_PLACE, "completed")

    async def mark_active(self, request_id: int) -> bool:
        """The person has been introduced: an approved request becomes active."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(MentoringRequest)
                .where(MentoringRequest.id == request_id, MentoringRequest.state == "approved")
                .values(state="active", updated_at=utcnow())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def require_for(self, request: RequestView, actor: int) -> None:
        """Raise NotAllowed unless ``actor`` may handle this request (its country in their scope)."""
        await self._require(actor, (request.country,))

    async def pending(self, *, actor: int) -> list[RequestView]:
        """Requests waiting for a coach that this coach may handle, oldest first."""
        await self._require(actor, ())
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(MentoringRequest)
                    .where(MentoringRequest.state == "requested")
                    .order_by(MentoringRequest.id)
                )
            ).all()
        return [
            _request_view(row)
            for row in rows
            if await self.roles.allows(actor, "mentoring.manage", row.country)
        ]

    async def language_of(self, pseudonym: str) -> str | None:
        """A person's chosen language, for messages sent by jobs."""
        async with self.db.transaction() as session:
            return await session.scalar(select(User.language).where(User.pseudonym == pseudonym))

    async def telegram_id_of(self, pseudonym: str) -> int | None:
        """A person's Telegram id, for the introduction link (known people only)."""
        async with self.db.transaction() as session:
            return await session.scalar(select(User.telegram_id).where(User.pseudonym == pseudonym))
