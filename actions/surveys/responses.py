"""Responses as a service over the database: start, answer, skip, back, pause, resume, submit.

The position lives in ``survey_responses.current``, every answer is committed when given, so a restart (even
``kill -9``) loses nothing and asks no answered question again. One submission per person and questionnaire
version (and event, for the event form): the unique row is reused when someone continues or starts over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    ConversationState,
    MessageLog,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    User,
    aware,
    utcnow,
)
from actions.surveys.answers import InvalidAnswer, check_value, visible
from actions.surveys.definitions import Definition, Definitions, Question
from actions.surveys.report import ResponseRecord, build_report, export_rows
from core.db import Database

if TYPE_CHECKING:  # actions.roles imports actions.users, which imports this module
    from actions.roles import Grant, RoleService

#: Typed text goes to a questionnaire only while the person is in it: idle longer, it is a normal message.
ACTIVE_WINDOW = timedelta(hours=2)
INVITE_EVERY = timedelta(days=30)
INVITE_AFTER_ANSWERS = 3


class SurveyError(ValueError):
    """The response cannot change that way (unknown, someone else's, submitted, or a stale button)."""


@dataclass(frozen=True)
class Progress:
    """Where a response stands: the question being asked (None once submitted) and its position."""

    response_id: int
    definition: Definition
    status: str
    event_id: int
    question: Question | None
    position: int
    total: int
    answers: dict[str, Any]
    pending: tuple[str, ...]
    misses: int
    updated_at: datetime

    @property
    def submitted(self) -> bool:
        """Whether the response is complete."""
        return self.status == "submitted"


class SurveyService:
    """Everything the chat, the jobs, the CLI and the dashboard do with responses."""

    def __init__(self, db: Database, definitions: Definitions, roles: RoleService | None = None) -> None:
        self.db = db
        self.definitions = definitions
        self.roles = roles

    async def report(
        self, name: str, version: int | None = None, *, actor: int | None = None
    ) -> dict[str, Any]:
        """Aggregates of one version (newest by default); a partner or coach sees their countries only.

        ``actor`` is the Telegram id of a staff member (the dashboard); None is the operator's CLI.
        """
        definition = self._named(name, version)
        records = await self.records(definition.name, definition.version)
        if actor is not None:
            grant = await self._require(actor, "analytics.view")
            if grant.role != "admin" and grant.countries:
                records = [r for r in records if r.country in grant.countries]
        return build_report(definition, records)

    async def export(
        self, name: str, version: int | None = None, *, actor: int | None = None
    ) -> list[dict[str, Any]]:
        """One row per response (no pseudonym); for admins only when asked by a staff member."""
        definition = self._named(name, version)
        if actor is not None:
            await self._require(actor, "surveys.export")
        return export_rows(definition, await self.records(definition.name, definition.version))

    async def _require(self, actor: int, permission: str) -> Grant:
        if self.roles is None:
            raise RuntimeError("SurveyService needs the RoleService to check staff")
        return await self.roles.require(actor, permission)

    def _named(self, name: str, version: int | None) -> Definition:
        definition = self.definitions.get(name, version)
        if definition is None:
            raise SurveyError(f"no questionnaire {name!r}" + (f" version {version}" if version else ""))
        return definition

    # -- reading -------------------------------------------------------------------------------------------

    async def find(self, pseudonym: str, name: str, event_id: int = 0) -> Progress | None:
        """An unfinished response (any version), else the submitted one at the newest version, else None."""
        newest = self.definitions.get(name)
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(SurveyResponse).where(
                        SurveyResponse.pseudonym == pseudonym,
                        SurveyResponse.survey == name,
                        SurveyResponse.event_id == event_id,
                    )
                )
            ).all()
            open_rows = [r for r in rows if r.status != "submitted" and self._definition(r) is not None]
            if open_rows:
                return await self._progress(session, max(open_rows, key=lambda r: r.version))
            done = [r for r in rows if newest is not None and r.version == newest.version]
            return await self._progress(session, done[0]) if done else None

    async def progress(self, response_id: int, pseudonym: str) -> Progress:
        """A response of this person, or SurveyError (a forged or foreign id)."""
        async with self.db.transaction() as session:
            return await self._progress(session, await self._row(session, response_id, pseudonym))

    async def active_for(self, pseudonym: str, now: datetime | None = None) -> Progress | None:
        """The response this person is answering right now (active and touched recently), if any."""
        since = (now or utcnow()) - ACTIVE_WINDOW
        async with self.db.transaction() as session:
            row = await session.scalar(
                select(SurveyResponse)
                .where(
                    SurveyResponse.pseudonym == pseudonym,
                    SurveyResponse.status == "active",
                    SurveyResponse.updated_at >= since,
                )
                .order_by(SurveyResponse.updated_at.desc())
                .limit(1)
            )
            return await self._progress(session, row) if row is not None else None

    async def records(self, name: str, version: int) -> list[ResponseRecord]:
        """Every response to one questionnaire version, oldest first."""
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(SurveyResponse)
                    .where(SurveyResponse.survey == name, SurveyResponse.version == version)
                    .order_by(SurveyResponse.id)
                )
            ).all()
            answers = (
                await session.scalars(
                    select(SurveyAnswer).where(SurveyAnswer.response_id.in_([r.id for r in rows]))
                )
            ).all()
        by_response: dict[int, list[SurveyAnswer]] = {}
        for answer in answers:
            by_response.setdefault(answer.response_id, []).append(answer)
        return [
            ResponseRecord(
                id=row.id,
                status=row.status,
                language=row.language,
                country=row.country,
                sector=row.sector,
                event_id=row.event_id,
                started_at=aware(row.started_at),
                submitted_at=aware(row.submitted_at) if row.submitted_at else None,
                current=row.current,
                answers={a.question: a.value.get("value") for a in by_response.get(row.id, [])},
                skipped=frozenset(a.question for a in by_response.get(row.id, []) if a.skipped),
            )
            for row in rows
        ]

    # -- changing ------------------------------------------------------------------------------------------

    async def begin(
        self,
        pseudonym: str,
        name: str,
        *,
        language: str,
        event_id: int = 0,
        country: str | None = None,
        sector: str | None = None,
        free_text: bool = False,
    ) -> Progress:
        """Start the newest version of a questionnaire (the caller checked ``find`` first)."""
        definition = self.definitions.get(name)
        if definition is None:
            raise SurveyError(f"no questionnaire {name!r}")
        async with self.db.transaction() as session:
            row = SurveyResponse(
                pseudonym=pseudonym,
                survey=name,
                version=definition.version,
                event_id=event_id,
                status="active",
                pending={},
                misses=0,
                free_text=free_text,
                language=language,
                country=country,
                sector=sector,
            )
            row.current = first_open(definition, {}, free_text)
            session.add(row)
            await session.flush()
            return await self._progress(session, row)

    async def restart(self, response_id: int, pseudonym: str) -> Progress:
        """Start an unfinished response over: its answers are deleted."""
        async with self.db.transaction() as session:
            row = await self._row(session, response_id, pseudonym, open_only=True)
            await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == row.id))
            definition = self._require_definition(row)
            row.current, row.pending, row.misses = first_open(definition, {}, row.free_text), {}, 0
            _touch(row, "active")
            return await self._progress(session, row)

    async def resume(self, response_id: int, pseudonym: str) -> Progress:
        """Continue a paused response where it stopped."""
        async with self.db.transaction() as session:
            row = await self._row(session, response_id, pseudonym, open_only=True)
            _touch(row, "active")
            return await self._progress(session, row)

    async def pause(self, response_id: int, pseudonym: str) -> Progress:
        """Stop for now: everything answered is kept."""
        async with self.db.transaction() as session:
            row = await self._row(session, response_id, pseudonym, open_only=True)
            _touch(row, "paused")
            return await self._progress(session, row)

    async def answer(self, response_id: int, pseudonym: str, question_id: str, value: Any) -> Progress:
        """Store the answer to the current question and move on (InvalidAnswer when it does not fit)."""
        async with self.db.transaction() as session:
            row, question = await self._current(session, response_id, pseudonym, question_id)
            await self._store(session, row, question, check_value(question, value), skipped=False)
            return await self._advance(session, row)

    async def skip(self, response_id: int, pseudonym: str, question_id: str) -> Progress:
        """Skip an optional question."""
        async with self.db.transaction() as session:
            row, question = await self._current(session, response_id, pseudonym, question_id)
            if question.required:
                raise SurveyError("a required question cannot be skipped")
            await self._store(session, row, question, None, skipped=True)
            return await self._advance(session, row)

    async def back(self, response_id: int, pseudonym: str, question_id: str) -> Progress:
        """Go back to the previous question shown (its answer is kept until answered again)."""
        async with self.db.transaction() as session:
            row, question = await self._current(session, response_id, pseudonym, question_id)
            shown = visible(self._require_definition(row), await answers_of(session, row.id), row.free_text)
            ids = [q.id for q in shown]
            at = ids.index(question.id) if question.id in ids else len(ids)
            if at > 0:
                row.current, row.pending, row.misses = ids[at - 1], {}, 0
            _touch(row, "active")
            return await self._progress(session, row)

    async def toggle(self, response_id: int, pseudonym: str, question_id: str, choice_id: str) -> Progress:
        """Select or unselect one option of the current multi question (kept until Done)."""
        async with self.db.transaction() as session:
            row, question = await self._current(session, response_id, pseudonym, question_id)
            if question.type != "multi" or question.choice(choice_id) is None:
                raise InvalidAnswer("buttons")
            selected = list(row.pending.get("selected", []))
            selected.remove(choice_id) if choice_id in selected else selected.append(choice_id)
            row.pending = {"selected": selected}
            _touch(row, "active")
            return await self._progress(session, row)

    async def done(self, response_id: int, pseudonym: str, question_id: str) -> Progress:
        """Confirm the selection of the current multi question."""
        async with self.db.transaction() as session:
            row, question = await self._current(session, response_id, pseudonym, question_id)
            selected = list(row.pending.get("selected", []))
            if not selected and not question.required:
                await self._store(session, row, question, None, skipped=True)
            else:
                await self._store(session, row, question, check_value(question, selected), skipped=False)
            return await self._advance(session, row)

    async def miss(self, response_id: int, pseudonym: str, question_id: str) -> int:
        """Count one unusable reply to the current question; return how many in a row."""
        async with self.db.transaction() as session:
            row, _question = await self._current(session, response_id, pseudonym, question_id)
            row.misses += 1
            _touch(row, "active")
            return row.misses

    # -- invitations ---------------------------------------------------------------------------------------

    async def should_invite(self, pseudonym: str, name: str, now: datetime | None = None) -> bool:
        """Whether to invite now: several answers had, nothing started, not invited for 30 days, no flow."""
        now = now or utcnow()
        if self.definitions.get(name) is None or await self.find(pseudonym, name) is not None:
            return False
        async with self.db.transaction() as session:
            invited = await session.get(SurveyInvitation, (pseudonym, name))
            if invited is not None and aware(invited.invited_at) > now - INVITE_EVERY:
                return False
            answered = await session.scalar(
                select(func.count())
                .select_from(MessageLog)
                .where(
                    MessageLog.pseudonym == pseudonym,
                    MessageLog.direction == "in",
                    MessageLog.answered.is_(True),
                )
            )
            if int(answered or 0) < INVITE_AFTER_ANSWERS:
                return False
            states = (
                await session.scalars(
                    select(ConversationState.state)
                    .join(User, User.telegram_id == ConversationState.user_id)
                    .where(User.pseudonym == pseudonym)
                )
            ).all()
            return not any(state.get("value") is not None for state in states)

    async def mark_invited(self, pseudonym: str, name: str) -> None:
        """Remember the invitation."""
        async with self.db.transaction() as session:
            invited = await session.get(SurveyInvitation, (pseudonym, name))
            if invited is None:
                session.add(SurveyInvitation(pseudonym=pseudonym, survey=name, invited_at=utcnow()))
            else:
                invited.invited_at = utcnow()

    # -- inside --------------------------------------------------------------------------------------------

    def _definition(self, row: SurveyResponse) -> Definition | None:
        return self.definitions.get(row.survey, row.version)

    def _require_definition(self, row: SurveyResponse) -> Definition:
        definition = self._definition(row)
        if definition is None:
            raise SurveyError("this questionnaire version is no longer available")
        return definition

    async def _row(
        self, session: AsyncSession, response_id: int, pseudonym: str, *, open_only: bool = False
    ) -> SurveyResponse:
        row = await session.get(SurveyResponse, response_id, with_for_update=True)
        if row is None or row.pseudonym != pseudonym:
            raise SurveyError("no such response")
        if open_only and row.status == "submitted":
            raise SurveyError("already submitted")
        return row

    async def _current(
        self, session: AsyncSession, response_id: int, pseudonym: str, question_id: str
    ) -> tuple[SurveyResponse, Question]:
        row = await self._row(session, response_id, pseudonym, open_only=True)
        question = self._require_definition(row).question(question_id)
        if question is None or row.current != question_id:
            raise SurveyError("not the current question")
        return row, question

    async def _store(
        self, session: AsyncSession, row: SurveyResponse, question: Question, value: Any, *, skipped: bool
    ) -> None:
        answer = await session.get(SurveyAnswer, (row.id, question.id))
        if answer is None:
            answer = SurveyAnswer(response_id=row.id, question=question.id)
            session.add(answer)
        answer.value, answer.skipped, answer.answered_at = {"value": value}, skipped, utcnow()

    async def _advance(self, session: AsyncSession, row: SurveyResponse) -> Progress:
        definition = self._require_definition(row)
        await session.flush()
        answers = await answers_of(session, row.id)
        row.current = first_open(definition, answers, row.free_text, after=row.current)
        row.pending, row.misses = {}, 0
        if row.current is None:
            shown = {q.id for q in visible(definition, answers, row.free_text)}
            hidden = [qid for qid in answers if qid not in shown]  # answers a later change made moot
            if hidden:
                await session.execute(
                    delete(SurveyAnswer).where(
                        SurveyAnswer.response_id == row.id, SurveyAnswer.question.in_(hidden)
                    )
                )
            row.submitted_at = utcnow()
            _touch(row, "submitted")
        else:
            _touch(row, "active")
        return await self._progress(session, row)

    async def _progress(self, session: AsyncSession, row: SurveyResponse) -> Progress:
        definition = self._require_definition(row)
        answers = await answers_of(session, row.id)
        shown = visible(definition, answers, row.free_text)
        ids = [q.id for q in shown]
        question = definition.question(row.current) if row.current and row.status != "submitted" else None
        position = ids.index(question.id) + 1 if question is not None and question.id in ids else len(ids)
        return Progress(
            response_id=row.id,
            definition=definition,
            status=row.status,
            event_id=row.event_id,
            question=question,
            position=position,
            total=len(ids),
            answers=answers,
            pending=tuple(row.pending.get("selected", [])),
            misses=row.misses,
            updated_at=aware(row.updated_at),
        )


def _touch(row: SurveyResponse, status: str) -> None:
    row.status, row.updated_at = status, utcnow()


async def answers_of(session: AsyncSession, response_id: int) -> dict[str, Any]:
    rows = (await session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response_id))).all()
    return {row.question: row.value.get("value") for row in rows} | {
        row.question: None for row in rows if row.skipped
    }


def first_open(
    definition: Definition, answers: dict[str, Any], free_text: bool, after: str | None = None
) -> str | None:
    """The first question shown and not answered yet after ``after``, else before it, else None."""
    shown = visible(definition, answers, free_text)
    open_ids = [q.id for q in shown if q.id not in answers]
    if after is not None and definition.question(after) is not None:
        at = definition.index(after)
        later = [qid for qid in open_ids if definition.index(qid) > at]
        if later:
            return later[0]
    return open_ids[0] if open_ids else None
