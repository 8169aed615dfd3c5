"""Database tables. Outside the Telegram edge a person is known only by ``User.pseudonym``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

COUNTRIES = ("IT", "DE", "SI", "HR", "HU")
SECTORS = ("fashion", "design", "food", "other")
ROLES = ("user", "coach", "partner", "admin")
STAFF_ROLES = ("coach", "partner", "admin")
JOB_STATES = ("pending", "running", "done", "failed", "cancelled")
EVENT_STATES = ("draft", "published", "cancelled", "finished")
ENROLMENT_STATES = ("confirmed", "waitlisted", "cancelled", "attended")
MENTORING_STATES = ("requested", "approved", "declined", "active", "completed", "cancelled")
BROADCAST_STATES = ("draft", "sending", "paused", "cancelled", "done")
OUTBOX_STATES = ("queued", "sending", "departed", "sent", "failed", "unreachable", "skipped")

#: Constraint and index names the same on SQLite and PostgreSQL, so migrations can name what they change.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """The moment in UTC; SQLite hands back naive datetimes for columns stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def new_pseudonym() -> str:
    """Return a random identifier that reveals nothing about the person."""
    return "u_" + secrets.token_hex(8)


class Base(DeclarativeBase):
    """Declarative base with a JSON type for dict columns and the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class User(Base):
    """A person using the bot. Profile fields are filled only after consent."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True, default=new_pseudonym)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    sector: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)  # a staff ban: updates are ignored
    unreachable_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # blocked the bot
    invitations: Mapped[bool | None] = mapped_column(Boolean)  # None: follow consent (on only with it)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    @property
    def has_consent(self) -> bool:
        """Whether the person agreed to a stored profile."""
        return self.consent_at is not None


class MessageLog(Base):
    """One message in or out, for analytics; ``text`` only under consent."""

    __tablename__ = "message_log"
    __table_args__ = (
        Index("ix_message_log_pseudonym", "pseudonym"),
        Index("ix_message_log_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(48))
    text: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    topic: Mapped[str | None] = mapped_column(String(16))
    article_id: Mapped[str | None] = mapped_column(String(80))
    answered: Mapped[bool | None] = mapped_column(Boolean)
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessedUpdate(Base):
    """A Telegram ``update_id`` already handled, so a re-delivery is ignored."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class PersistedData(Base):
    """PTB user, chat, bot and callback data, one JSON document per key."""

    __tablename__ = "ptb_data"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # user, chat, bot, callback
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ConversationState(Base):
    """The state of one ConversationHandler for one (chat, user) key."""

    __tablename__ = "ptb_conversations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # JSON of the key tuple
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)


class Seeded(Base):
    """Marks demo data sets already loaded, so seeding is idempotent."""

    __tablename__ = "seeded"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Translation(Base):
    """A cached machine translation, keyed by a hash of the source text and the language pair."""

    __tablename__ = "translations"

    source_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Ticket(Base):
    """A question handed over to the coaches; the person appears only by pseudonym."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    question: Mapped[str | None] = mapped_column(Text)  # None once the retention period has passed
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    topic: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)  # open, answered, closed
    coach_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ArticleFeedback(Base):
    """A 👍 or 👎 on an article in one language (one vote per person and article)."""

    __tablename__ = "article_feedback"

    pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    article_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    vote: Mapped[int] = mapped_column(Integer)  # +1 or -1
    question: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserRole(Base):
    """A staff role held by a person; ``countries`` limits a coach's or partner's scope (empty: all)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    countries: Mapped[str] = mapped_column(String(32), default="")
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def country_set(self) -> frozenset[str]:
        """The countries of the scope; empty means every country."""
        return frozenset(filter(None, self.countries.split(",")))


class Job(Base):
    """Work to do later, claimed by one worker at a time; ``pseudonym`` names the person it concerns."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pseudonym: Mapped[str | None] = mapped_column(String(32), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Event(Base):
    """A workshop or meeting: written by a coach in one language, at a venue (or online) in its time zone."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))  # the language the coach wrote in
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {lang: {title, description}}
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64))  # the venue's IANA zone
    venue: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(80))
    sectors: Mapped[str] = mapped_column(String(64), default="")  # comma-separated; empty: every sector
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    enrol_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: the start
    status: Mapped[str] = mapped_column(String(12), default="draft")
    organiser: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Enrolment(Base):
    """One person's place at an event; ``waitlist_seq`` orders the waiting list first come, first served."""

    __tablename__ = "event_enrolments"
    __table_args__ = (UniqueConstraint("event_id", "pseudonym"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    first_name: Mapped[str | None] = mapped_column(String(64))  # shown to the event's coach only
    status: Mapped[str] = mapped_column(String(12))
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Mentor(Base):
    """A volunteer mentor, managed by coaches; ``telegram_id`` only when they use the bot."""

    __tablename__ = "mentors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    bio: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {lang: short text}
    sectors: Mapped[str] = mapped_column(String(64), default="")  # comma-separated
    languages: Mapped[str] = mapped_column(String(64), default="")  # comma-separated UI language codes
    countries: Mapped[str] = mapped_column(String(32), default="")  # comma-separated
    capacity: Mapped[int] = mapped_column(Integer, default=1)  # mentees at once
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MentoringRequest(Base):
    """A person's request for a mentor; ``need`` (free text) is kept only under consent."""

    __tablename__ = "mentoring_requests"
    __table_args__ = (Index("ix_mentoring_requests_mentor_state", "mentor_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    need: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str] = mapped_column(String(16))
    languages: Mapped[str] = mapped_column(String(64))  # comma-separated, in the person's order
    country: Mapped[str] = mapped_column(String(2))
    availability: Mapped[str] = mapped_column(String(16))
    proposals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"ids": [ranked mentor ids]}
    chosen_by_person: Mapped[bool] = mapped_column(Boolean, default=False)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("mentors.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(12), default="requested")
    decline_reason: Mapped[str | None] = mapped_column(String(16))
    coach_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyResponse(Base):
    """One person's answers to one questionnaire version (and event): in progress, paused or submitted.

    The position (``current``) and a multi-choice selection not yet confirmed (``pending``) live here, so a
    restart loses nothing. ``event_id`` is 0 when not about an event (NULLs would not be unique).
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("pseudonym", "survey", "version", "event_id"),
        Index("ix_survey_responses_survey", "survey", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    survey: Mapped[str] = mapped_column(String(48))
    version: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active, paused, submitted
    current: Mapped[str | None] = mapped_column(String(48))  # the question being asked
    pending: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"selected": [...]} for multi
    misses: Mapped[int] = mapped_column(Integer, default=0)
    free_text: Mapped[bool] = mapped_column(Boolean, default=False)  # consent when started
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    sector: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyAnswer(Base):
    """One answer of a response; ``value`` is ``{"value": …}`` (None when skipped)."""

    __tablename__ = "survey_answers"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyInvitation(Base):
    """When a person was last invited to a questionnaire, so invitations come at most once per 30 days."""

    __tablename__ = "survey_invitations"

    pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey: Mapped[str] = mapped_column(String(48), primary_key=True)
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Broadcast(Base):
    """A coach's message to a segment, written in one language; with ``event_id`` an invitation."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {lang: text}
    # True: text and translations are Telegram HTML, already escaped where people wrote them (the bot's
    # invitation card has a bold title); False: plain text, escaped when sent (the CLI's text files).
    is_html: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    segment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    paused_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # after a 429
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BroadcastOutbox(Base):
    """One recipient of a broadcast; claimed by a sender for a lease, then sent exactly once."""

    __tablename__ = "broadcast_outbox"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "pseudonym"),
        Index("ix_broadcast_outbox_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(64))  # why skipped or failed
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class RateLimit(Base):
    """A shared pacing clock: the earliest moment (epoch seconds) the next send of ``key`` may start."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(48), primary_key=True)  # "bot" or "chat:<pseudonym>"
    next_at: Mapped[float] = mapped_column(Float)


class WebUser(Base):
    """A dashboard account (partner, coach or admin), signed in with an e-mail address and a password."""

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its parameters and salt
    role: Mapped[str] = mapped_column(String(16))  # partner, coach or admin
    countries: Mapped[str] = mapped_column(String(32), default="")  # a partner's scope: "DE,IT"
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its random cookie token is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    web_user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginAttempt(Base):
    """One sign-in attempt, kept 15 minutes (the limit's window) to limit guessing per account and per
    client address; the daily retention job removes any left over."""

    __tablename__ = "web_login_attempts"
    __table_args__ = (Index("ix_web_login_attempts_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
