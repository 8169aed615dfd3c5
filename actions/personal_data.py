"""The one declaration of the personal data each table holds; ``/mydata`` and ``/forget`` both follow it.

A test fails when a table with a person column (``PERSON_COLUMNS``) is missing here, so every table the
next features add is exported and erased the same way.

The dashboard's staff data (``STAFF_TABLES``: accounts' e-mail addresses, their sessions, and the sign-in
attempts with the e-mail address typed and the client address) is declared too, apart: it is about partners,
coaches and admins, not the entrepreneurs, so it is never in ``/mydata``; ``interhub web-users delete EMAIL``
erases an account with ``erase_staff``, and sign-in attempts are kept only as long as the sign-in limit
needs them (``ATTEMPTS_KEPT_FOR``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    ArticleFeedback,
    Base,
    BroadcastOutbox,
    ConversationState,
    Enrolment,
    Job,
    LoginAttempt,
    Mentor,
    MentoringRequest,
    MessageLog,
    PersistedData,
    RateLimit,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    User,
    UserRole,
    WebSession,
    WebUser,
)

#: Column names that identify a person: a table with one of them holds personal data.
PERSON_COLUMNS = frozenset({"pseudonym", "telegram_id", "user_id"})
#: Column names that identify a member of staff on the dashboard (or whoever tried to sign in).
STAFF_COLUMNS = frozenset({"email", "address", "web_user_id"})
#: The sign-in limit counts failures in 15 minutes; attempts (with their raw client address) go after that.
ATTEMPTS_KEPT_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class Person:
    """The keys a person is known by in the tables."""

    id: int
    telegram_id: int
    pseudonym: str


@dataclass(frozen=True)
class PersonalTable:
    """Where a table keeps a person, and what of it goes into the export."""

    model: type[Base]
    section: str
    person: Callable[[Person], ColumnElement[bool]]
    fields: tuple[str, ...]
    order_by: str | None = None
    keyed_by: Callable[[Any], str] | None = None  # export as {key: row} instead of a list

    def rows(self, person: Person) -> Any:
        """The select of this person's rows."""
        query = select(self.model).where(self.person(person))
        if self.order_by is not None:
            query = query.order_by(getattr(self.model, self.order_by))
        return query


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return json.loads(json.dumps(value)) if isinstance(value, dict | list) else value


PERSONAL_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable(
        User,
        "profile",
        lambda p: User.id == p.id,
        (
            "pseudonym",
            "telegram_id",
            "language",
            "country",
            "sector",
            "consent_at",
            "consent_declined_at",
            "blocked",
            "unreachable_at",
            "invitations",
            "created_at",
            "last_seen_at",
        ),
    ),
    PersonalTable(
        UserRole, "roles", lambda p: UserRole.user_id == p.id, ("role", "countries", "granted_at"), "role"
    ),
    PersonalTable(
        MessageLog,
        "messages",
        lambda p: MessageLog.pseudonym == p.pseudonym,
        ("direction", "language", "intent", "text", "created_at"),
        "id",
    ),
    PersonalTable(
        Ticket,
        "coach_questions",
        lambda p: Ticket.pseudonym == p.pseudonym,
        ("id", "question", "status", "answer", "created_at"),
        "id",
    ),
    PersonalTable(
        ArticleFeedback,
        "article_feedback",
        lambda p: ArticleFeedback.pseudonym == p.pseudonym,
        ("article_id", "language", "vote", "question", "created_at"),
        "article_id",
    ),
    PersonalTable(
        Enrolment,
        "event_enrolments",
        lambda p: Enrolment.pseudonym == p.pseudonym,
        ("event_id", "first_name", "status", "waitlist_seq", "created_at"),
        "id",
    ),
    PersonalTable(
        MentoringRequest,
        "mentoring_requests",
        lambda p: MentoringRequest.pseudonym == p.pseudonym,
        ("id", "need", "sector", "languages", "country", "availability", "state", "mentor_id", "created_at"),
        "id",
    ),
    PersonalTable(
        Mentor,
        "mentor_profile",
        lambda p: Mentor.telegram_id == p.telegram_id,
        ("name", "bio", "sectors", "languages", "countries", "capacity", "active", "created_at"),
        "id",
    ),
    PersonalTable(
        SurveyResponse,
        "questionnaire_responses",
        lambda p: SurveyResponse.pseudonym == p.pseudonym,
        ("id", "survey", "version", "event_id", "status", "language", "started_at", "submitted_at"),
        "id",
    ),
    PersonalTable(
        SurveyAnswer,
        "questionnaire_answers",
        lambda p: SurveyAnswer.response_id.in_(
            select(SurveyResponse.id).where(SurveyResponse.pseudonym == p.pseudonym)
        ),
        ("response_id", "question", "value", "skipped", "answered_at"),
        "answered_at",
    ),
    PersonalTable(
        SurveyInvitation,
        "questionnaire_invitations",
        lambda p: SurveyInvitation.pseudonym == p.pseudonym,
        ("survey", "invited_at"),
        "survey",
    ),
    PersonalTable(
        BroadcastOutbox,
        "broadcasts_received",
        lambda p: BroadcastOutbox.pseudonym == p.pseudonym,
        ("broadcast_id", "state", "reason", "sent_at"),
        "id",
    ),
    PersonalTable(
        RateLimit,
        "broadcast_pace",
        lambda p: RateLimit.key == f"chat:{p.pseudonym}",
        ("key", "next_at"),
        "key",
    ),
    PersonalTable(
        Job,
        "scheduled_messages",
        lambda p: Job.pseudonym == p.pseudonym,
        ("kind", "state", "due_at", "payload"),
        "id",
    ),
    PersonalTable(
        PersistedData,
        "conversation_data",
        lambda p: PersistedData.kind.in_(("user", "chat")) & (PersistedData.key == p.telegram_id),
        ("data",),
        keyed_by=lambda row: f"{row.kind}_data",
    ),
    PersonalTable(
        ConversationState,
        "conversation_states",
        lambda p: ConversationState.user_id == p.telegram_id,
        ("state",),
        keyed_by=lambda row: row.name,
    ),
)


@dataclass(frozen=True)
class StaffTable:
    """Where a table keeps a dashboard account (by its id or its e-mail address), and what it holds."""

    model: type[Base]
    holds: str
    account: Callable[[int, str], ColumnElement[bool]]


STAFF_TABLES: tuple[StaffTable, ...] = (
    StaffTable(
        WebSession,
        "signed-in browsers: hashed token, CSRF token, language; gone after 8 h idle or 24 h",
        lambda account_id, _email: WebSession.web_user_id == account_id,
    ),
    StaffTable(
        LoginAttempt,
        "sign-in attempts: the e-mail address typed, the client address, success; kept 15 minutes",
        lambda _account_id, email: LoginAttempt.email == email,
    ),
    StaffTable(
        WebUser,
        "the account: e-mail address, password hash, role, countries, last sign-in",
        lambda account_id, _email: WebUser.id == account_id,
    ),
)


async def erase_staff(session: AsyncSession, account_id: int, email: str) -> dict[str, int]:
    """Delete a dashboard account and everything declared about it (the account last); counts per table."""
    counts: dict[str, int] = {}
    for table in STAFF_TABLES:
        result = await session.execute(delete(table.model).where(table.account(account_id, email)))
        counts[table.model.__tablename__] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts


async def export_person(session: AsyncSession, person: Person) -> dict[str, Any]:
    """Every declared table's rows of this person, section by section."""
    document: dict[str, Any] = {}
    for table in PERSONAL_TABLES:
        rows = (await session.scalars(table.rows(person))).all()
        records = [{name: _jsonable(getattr(row, name)) for name in table.fields} for row in rows]
        if table.section == "profile":
            document["profile"] = records[0]
        elif table.keyed_by is not None:
            document[table.section] = {
                table.keyed_by(row): record[table.fields[0]]
                for row, record in zip(rows, records, strict=True)
            }
        else:
            document[table.section] = records
    return document


async def erase_person(session: AsyncSession, person: Person) -> dict[str, int]:
    """Delete the person's rows from every declared table (the profile last); counts per table."""
    counts: dict[str, int] = {}
    for table in reversed(PERSONAL_TABLES):
        result = await session.execute(delete(table.model).where(table.person(person)))
        counts[table.model.__tablename__] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts


async def erase_leftovers(session: AsyncSession, telegram_id: int) -> None:
    """PTB data kept under a Telegram id whose person record no longer exists."""
    ghost = Person(id=-1, telegram_id=telegram_id, pseudonym="")
    for table in PERSONAL_TABLES:
        if table.model in (PersistedData, ConversationState):
            await session.execute(delete(table.model).where(table.person(ghost)))
