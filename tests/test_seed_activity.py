"""The dashboard's demo activity (``interhub db seed --demo``): once only, everywhere, nobody reachable, and
consistent with the services that read it (funnel, mentors, questionnaire report, broadcasts, tickets, gaps),
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from actions.broadcasts import Segment
from actions.gaps import knowledge_gaps
from actions.models import (
    COUNTRIES,
    MENTORING_STATES,
    SECTORS,
    ArticleFeedback,
    Base,
    Broadcast,
    BroadcastOutbox,
    Enrolment,
    Event,
    Job,
    MentoringRequest,
    MessageLog,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    User,
    aware,
)
from actions.seed import DEMO_COACH_ID, seed_demo
from actions.seed_activity import DEMO_TELEGRAM_BASE, seed_activity
from actions.surveys.answers import check_value
from actions.surveys.definitions import shipped
from bot.cli import main
from core.db import Database
from core.i18n import SUPPORTED_LANGUAGES
from core.services import Services
from knowledge.base import Thresholds
from knowledge.loader import load_articles
from knowledge.models import CURATED_LANGUAGES

QUESTIONS = ("ask_question", "nlu_fallback")


async def seeded(services: Services) -> None:
    """The plain demo data, then the activity (what ``interhub db seed --demo`` does)."""
    await seed_demo(services.db)
    assert await seed_activity(services.db) is not None


async def row_counts(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def test_a_second_run_adds_nothing_and_every_country_language_and_sector_is_there(
    services: Services,
) -> None:
    await seed_demo(services.db)
    summary = await seed_activity(services.db)
    before = await row_counts(services.db)

    again = await seed_activity(services.db)
    await seed_demo(services.db)

    assert summary is not None and again is None
    assert await row_counts(services.db) == before
    assert 600 <= summary.people <= 1000 and summary.messages == before["message_log"]
    assert before["users"] == summary.people + 2  # and the demo coach and partner
    async with services.db.transaction() as session:
        people = (await session.execute(select(User.country, User.language, User.sector))).all()
        asked = (
            await session.execute(
                select(MessageLog.language, MessageLog.country, MessageLog.created_at).where(
                    MessageLog.direction == "in", MessageLog.intent.in_(QUESTIONS)
                )
            )
        ).all()
        spans = (
            await session.execute(
                select(User.created_at, func.min(MessageLog.created_at), func.max(MessageLog.created_at))
                .add_columns(User.last_seen_at)
                .join(MessageLog, MessageLog.pseudonym == User.pseudonym)
                .group_by(User.id)
            )
        ).all()
    assert all(joined <= first and last <= seen for joined, first, last, seen in spans)
    assert {c for c, _, _ in people if c} == set(COUNTRIES)
    assert {lang for _, lang, _ in people} == set(SUPPORTED_LANGUAGES)
    assert {s for _, _, s in people if s} == set(SECTORS)
    assert {lang for lang, _, _ in asked} == set(SUPPORTED_LANGUAGES)
    cells = Counter((c, lang) for c, lang, _ in people if c)
    assert min(cells.values()) < 5 <= max(cells.values())  # some cells fall under the dashboard's "< 5"
    by_country = Counter(c for _, c, _ in asked)
    assert min(by_country["IT"], by_country["DE"]) > max(by_country[c] for c in ("SI", "HR", "HU"))
    now = max(aware(at) for _, _, at in asked)
    first = sum(1 for *_, at in asked if aware(at) < now - timedelta(days=92))
    last = sum(1 for *_, at in asked if aware(at) >= now - timedelta(days=28))
    assert last > 2 * first  # weekly growth
    per_day: dict[bool, Counter[str]] = defaultdict(Counter)
    for *_, at in asked:
        per_day[aware(at).weekday() >= 5][aware(at).date().isoformat()] += 1
    weekday, weekend = (sum(c.values()) / len(c) for c in (per_day[False], per_day[True]))
    assert weekend < 0.8 * weekday  # weekends are quieter


async def test_no_demo_person_can_be_reached(services: Services) -> None:
    await seeded(services)

    draft, reach = await services.broadcasts.create("Hello", "en", Segment())
    sent = await services.broadcasts.confirm(draft.id)

    assert reach == 0 and sent == 0
    async with services.db.transaction() as session:
        demo = (await session.scalars(select(User).where(User.telegram_id >= DEMO_TELEGRAM_BASE))).all()
        jobs = (await session.scalars(select(Job).where(Job.pseudonym.is_not(None)))).all()
        outbox = await session.scalar(select(func.count()).where(BroadcastOutbox.broadcast_id == draft.id))
    assert len(demo) >= 600 and outbox == 0
    assert all(user.unreachable_at is not None for user in demo)
    assert jobs == []  # no reminder, introduction or feedback job for anyone
    assert [await services.users.telegram_id_of(u.pseudonym) for u in demo[:50]] == [None] * 50
    assert all(u.consent_at is None for u in demo if u.country is None and u.sector is None)


async def test_questions_votes_tickets_and_gaps_follow_the_answering_rules(services: Services) -> None:
    await seeded(services)
    articles = {a.id: a for a in load_articles()}
    thresholds = Thresholds.load()

    async with services.db.transaction() as session:
        asked = (
            await session.scalars(
                select(MessageLog).where(MessageLog.direction == "in", MessageLog.intent.in_(QUESTIONS))
            )
        ).all()
        consenting = set(await session.scalars(select(User.pseudonym).where(User.consent_at.is_not(None))))
        votes = (await session.scalars(select(ArticleFeedback))).all()
        tickets = (await session.scalars(select(Ticket))).all()
    gaps = await knowledge_gaps(services.db)
    open_tickets = await services.tickets.open_tickets(by=DEMO_COACH_ID)

    answered = [m for m in asked if m.answered]
    assert 0.6 < len(answered) / len(asked) < 0.9
    for message in asked:
        method = "curated" if message.language in CURATED_LANGUAGES else "other"
        assert message.confidence is not None
        assert (message.confidence >= thresholds.for_method(method)) == bool(message.answered)
        assert (message.article_id is not None) == bool(message.answered)
        if message.article_id is not None:
            assert (
                articles[message.article_id].country in {message.country or "", "EU"} or not message.country
            )
        assert message.text is None or message.pseudonym in consenting
    assert {articles[m.article_id].country for m in answered if m.article_id} >= {*COUNTRIES, "EU"}
    assert {v.vote for v in votes} == {1, -1} and all(v.article_id in articles for v in votes)
    assert 0.6 < sum(v.vote > 0 for v in votes) / len(votes) < 0.9
    assert gaps["unanswered"] and gaps["down_voted"]
    states = Counter(t.status for t in tickets)
    assert set(states) == {"open", "answered", "closed"}
    for ticket in tickets:
        done = ticket.status != "open"
        assert (ticket.answered_at is not None) == done == (ticket.answer is not None)
        if ticket.answered_at is not None:
            assert timedelta(minutes=10) < aware(ticket.answered_at) - aware(ticket.created_at) < timedelta(7)
    assert len(open_tickets) == states["open"]


async def test_events_mentoring_questionnaires_and_broadcasts_read_through_the_real_services(
    services: Services,
) -> None:
    await seeded(services)

    funnel = [f for f in await services.events.funnel() if f.attended]
    mentors = await services.mentoring.mentors()
    evaluation = await services.surveys.report("evaluation")
    feedback = await services.surveys.report("event")
    async with services.db.transaction() as session:
        events = {e.id: e for e in await session.scalars(select(Event))}
        places = (await session.scalars(select(Enrolment))).all()
        requests = (await session.scalars(select(MentoringRequest))).all()
        responses = {r.id: r for r in await session.scalars(select(SurveyResponse))}
        answers = (await session.scalars(select(SurveyAnswer))).all()
        broadcasts = (await session.scalars(select(Broadcast).order_by(Broadcast.id))).all()
        opted_out = set(await session.scalars(select(User.pseudonym).where(User.invitations.is_(False))))

    assert len(funnel) >= 10 and {f.country for f in funnel} == set(COUNTRIES)
    assert all(f.invited >= f.enrolled >= f.attended >= f.evaluated for f in funnel)
    assert sum(f.evaluated for f in funnel) > 0
    by_event: dict[int, list[Enrolment]] = defaultdict(list)
    for place in places:
        by_event[place.event_id].append(place)
    statuses = {p.status for p in places}
    assert statuses == {"confirmed", "waitlisted", "cancelled", "attended"}
    assert {e.status for e in events.values()} >= {"published", "finished", "cancelled"}
    for event_id, rows in by_event.items():
        event = events[event_id]
        seated = sum(r.status in ("confirmed", "attended") for r in rows)
        waiting = [r.waitlist_seq for r in rows if r.status == "waitlisted"]
        assert event.capacity is None or seated <= event.capacity
        assert not waiting or seated == event.capacity  # a waiting list only when full
        assert None not in waiting and len(set(waiting)) == len(waiting)
        assert all(r.waitlist_seq is None for r in rows if r.status != "waitlisted")
        assert event.status == "finished" or all(r.status != "attended" for r in rows)
        assert len(await services.events.roster(event_id)) == len(rows) - sum(
            r.status == "cancelled" for r in rows
        )

    assert all(m.taken <= m.capacity for m in mentors) and sum(m.taken for m in mentors) > 0
    assert {r.state for r in requests} == set(MENTORING_STATES)
    for request in requests:
        handled = request.state in ("approved", "active", "completed", "declined")
        assert request.handled_at is not None or not handled
        assert request.handled_at is None or aware(request.handled_at) > aware(request.created_at)
        assert request.need is None and (request.mentor_id is not None or request.state != "active")

    assert evaluation["responses"]["started"] > evaluation["responses"]["completed"] >= 50
    assert evaluation["nps"]["score"] is not None and -100 <= evaluation["nps"]["score"] <= 100
    assert 20 < evaluation["cuq"]["mean"] < 100 and evaluation["cuq"]["responses"] >= 50
    assert sum(q["drop_off"] for q in evaluation["questions"]) > 0
    assert feedback["responses"]["completed"] > 0
    definitions = shipped()
    for answer in answers:
        response = responses[answer.response_id]
        question = definitions.get(response.survey, response.version).question(answer.question)  # type: ignore[union-attr]
        assert question is not None
        value = answer.value["value"]
        assert answer.skipped == (value is None) and (value is None or check_value(question, value) == value)
    assert all((r.status == "submitted") == (r.current is None) for r in responses.values())
    assert all(aware(r.updated_at) >= aware(r.started_at) for r in responses.values())
    assert all(aware(a.answered_at) <= aware(responses[a.response_id].updated_at) for a in answers)

    assert len(broadcasts) == 2 and {b.state for b in broadcasts} == {"done"}
    views = [await services.broadcasts.get(b.id) for b in broadcasts]
    counts = Counter[str]()
    for view in views:
        assert view is not None
        counts.update(view.counts)
    assert set(counts) == {"sent", "failed", "unreachable", "skipped"} and counts["sent"] > 300
    async with services.db.transaction() as session:
        stopped = dict(
            (
                await session.execute(
                    select(MessageLog.pseudonym, func.min(MessageLog.created_at))
                    .where(MessageLog.intent == "invitations_off")
                    .group_by(MessageLog.pseudonym)
                )
            ).all()
        )
        received = (
            await session.execute(
                select(BroadcastOutbox.pseudonym, Broadcast.confirmed_at).join(
                    Broadcast, Broadcast.id == BroadcastOutbox.broadcast_id
                )
            )
        ).all()
    assert opted_out and set(stopped) == opted_out
    assert all(p not in stopped or aware(at) < aware(stopped[p]) for p, at in received if at is not None)


def test_the_same_moment_gives_the_same_data(sqlite_template: Path, tmp_path: Path) -> None:
    now = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)

    async def dump(name: str) -> list[tuple[Any, ...]]:
        path = tmp_path / name
        shutil.copy(sqlite_template, path)
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await seed_demo(db)
            await seed_activity(db, now=now, people=150)
            async with db.transaction() as session:
                rows = await session.execute(
                    select(
                        MessageLog.pseudonym,
                        MessageLog.direction,
                        MessageLog.intent,
                        MessageLog.article_id,
                        MessageLog.confidence,
                        MessageLog.created_at,
                    ).order_by(MessageLog.id)
                )
                return [tuple(row) for row in rows.all()]
        finally:
            await db.dispose()

    first, second = asyncio.run(dump("a.db")), asyncio.run(dump("b.db"))

    assert len(first) > 1000 and first == second
    assert max(aware(row[-1]) for row in first) <= now


def test_db_seed_demo_prints_one_line_and_then_that_it_is_there(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.db"
    shutil.copy(sqlite_template, path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")

    assert main(["db", "seed", "--demo"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert main(["db", "seed", "--demo"]) == 0
    second = capsys.readouterr().out.splitlines()

    assert len(first) == 1 and first[0].startswith("demo activity added in ")
    assert " people, " in first[0] and " questions (" in first[0] and " broadcasts to " in first[0]
    assert second == ["demo activity already present"]
