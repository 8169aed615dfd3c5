"""Broadcasts on SQLite and PostgreSQL: segments, opt-out, quiet hours, weekly cap, 429/403/5xx, crashes."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from actions.broadcast_delivery import MAX_ATTEMPTS, BroadcastSender, compose, quiet_until
from actions.broadcast_limiter import SharedLimiter
from actions.broadcasts import BroadcastError, Segment, parse_segment, visible_length
from actions.models import BroadcastOutbox, User
from actions.roles import NotAllowed
from core.notify import Button, Outcome, SendResult
from core.services import Services
from tests.test_events import draft

# 10:00 in Rome on a weekday; 22:30 is in the quiet hours.
MORNING = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)
NIGHT = datetime(2027, 3, 3, 21, 30, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Lane:
    """Records sends; ``script`` gives a pseudonym's outcomes in order (then SENT)."""

    sent: list[tuple[str, str, list[list[Button]]]] = field(default_factory=list)
    script: dict[str, list[SendResult]] = field(default_factory=dict)
    calls: int = 0

    async def prepare(self, pseudonyms: list[str]) -> None:
        pass  # nothing to look up: the script is by pseudonym

    async def send_broadcast(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None, *, not_before: float = 0.0
    ) -> SendResult:
        self.calls += 1
        planned = self.script.get(pseudonym)
        if planned:
            return planned.pop(0)
        self.sent.append((pseudonym, text, buttons or []))
        return SendResult(Outcome.SENT)

    def received(self) -> list[str]:
        return [p for p, _, _ in self.sent]


async def person(
    services: Services,
    telegram_id: int,
    *,
    lang: str = "it",
    country: str | None = "IT",
    sector: str | None = "food",
    consent: bool = True,
) -> str:
    profile = await services.users.set_language(telegram_id, lang)
    if consent:
        await services.users.give_consent(telegram_id)
        if country:
            await services.users.set_country(telegram_id, country)
        if sector:
            await services.users.set_sector(telegram_id, sector)
    else:
        await services.users.decline_consent(telegram_id)
    return profile.pseudonym


def sender(services: Services, lane: Lane, clock: Clock, name: str = "s1", **kw: Any) -> BroadcastSender:
    """A sender on the test clock; the limiter's wall clock follows it, plus the real time elapsed."""
    start = time.monotonic()
    limiter = SharedLimiter(services.db, 30, wall=lambda: clock.now.timestamp() + time.monotonic() - start)
    return BroadcastSender(services.db, lane, limiter, name=name, clock=clock, **kw)


async def broadcast(services: Services, clock: Clock, segment: str = "", **kw: Any) -> int:
    services.broadcasts.clock = clock
    view, _ = await services.broadcasts.create("Ciao <tutti> & benvenuti", "it", parse_segment(segment), **kw)
    await services.broadcasts.confirm(view.id)
    return view.id


def test_segment_parsing() -> None:
    assert parse_segment("country=it, language=it,active_days=30") == Segment(
        country="IT", language="it", active_days=30
    )
    for bad in ("country=FR", "colour=red", "enrolled=x", "language", "sector=cars"):
        with pytest.raises(BroadcastError):
            parse_segment(bad)


def test_quiet_hours_in_the_recipient_country() -> None:
    assert quiet_until(MORNING, "IT") is None
    assert quiet_until(NIGHT, "IT") == datetime(2027, 3, 4, 7, 0, tzinfo=UTC)  # 08:00 in Rome
    early = datetime(2027, 3, 4, 5, 0, tzinfo=UTC)  # 06:00 in Budapest
    assert quiet_until(early, "HU") == datetime(2027, 3, 4, 7, 0, tzinfo=UTC)


async def test_recipients_are_people_who_take_invitations_in_the_segment(services: Services) -> None:
    clock = Clock(MORNING)
    it_food = await person(services, 1)
    await person(services, 2, lang="de", country="DE")
    await person(services, 3, consent=False)  # declined profiling: invitations off by default
    await person(services, 4)
    await services.broadcasts.set_invitations(4, False)  # opted out
    await person(services, 5)
    await services.users.set_reachable(5, False)  # blocked the bot
    await person(services, 6, consent=False)
    await services.broadcasts.set_invitations(6, True)  # declined profiling, but wants invitations
    services.broadcasts.clock = clock

    _, everyone = await services.broadcasts.create("Hi", "en", Segment())
    _, italy = await services.broadcasts.create("Ciao", "it", parse_segment("country=IT,sector=food"))
    _, german = await services.broadcasts.create("Hallo", "de", parse_segment("language=de"))

    assert (everyone, italy, german) == (3, 1, 1)
    bid = await broadcast(services, clock, "country=IT")
    lane = Lane()
    await sender(services, lane, clock).run_until_idle(poll=0)
    assert lane.received() == [it_food]
    assert lane.sent[0][1] == "Ciao &lt;tutti&gt; &amp; benvenuti"  # escaped for HTML
    assert [[b.data for b in row] for row in lane.sent[0][2]] == [["bc:stop"]]
    status = await services.broadcasts.get(bid)
    assert status is not None
    assert (status.state, status.as_json()["sent"], status.as_json()["pending"]) == ("done", 1, 0)


async def test_event_segments_and_the_enrol_button(services: Services) -> None:
    clock = Clock(MORNING)
    enrolled, other = await person(services, 1), await person(services, 2)
    event = await services.events.add(draft(capacity=None))
    await services.events.enrol(event.id, enrolled)
    services.broadcasts.clock = clock

    _, count_in = await services.broadcasts.create("x", "en", parse_segment(f"enrolled={event.id}"))
    _, count_out = await services.broadcasts.create("x", "en", parse_segment(f"not_enrolled={event.id}"))
    assert (count_in, count_out) == (1, 1)

    await broadcast(services, clock, f"not_enrolled={event.id}", event_id=event.id)
    lane = Lane()
    await sender(services, lane, clock).run_until_idle(poll=0)
    assert lane.received() == [other]
    assert [[b.data for b in row] for row in lane.sent[0][2]] == [[f"ev:enrol:{event.id}"], ["bc:stop"]]
    with pytest.raises(BroadcastError):
        await services.broadcasts.create("x", "en", Segment(), event_id=event.id + 99)


async def test_translation_by_language(services: Services) -> None:
    clock = Clock(MORNING)
    await person(services, 1, lang="de", country="DE")
    await person(services, 2, lang="fr", country="DE")
    services.broadcasts.clock = clock
    view, _ = await services.broadcasts.create("Hello", "en", Segment(), translations={"de": "Hallo"})
    await services.broadcasts.confirm(view.id)
    lane = Lane()
    await sender(services, lane, clock).run_until_idle(poll=0)
    assert sorted(text for _, text, _ in lane.sent) == ["Hallo", "Hello"]


async def test_the_limit_counts_what_telegram_shows_of_an_html_text(services: Services) -> None:
    escaped = "&lt;&amp;&gt;" * 1000  # 3000 characters shown, 13000 stored

    view, _ = await services.broadcasts.create(escaped, "en", Segment(), is_html=True)

    assert (visible_length(view.text, True), compose(view, "en")[0]) == (3000, escaped)
    with pytest.raises(BroadcastError):
        await services.broadcasts.create("<b>" + "x" * 3501 + "</b>", "en", Segment(), is_html=True)
    with pytest.raises(BroadcastError):  # plain text counts every character, and is escaped when sent
        await services.broadcasts.create("&" * 3501, "en", Segment())


async def test_quiet_hours_hold_messages_until_morning(services: Services) -> None:
    clock = Clock(NIGHT)
    pseudonym = await person(services, 1)
    bid = await broadcast(services, clock)
    lane = Lane()
    worker = sender(services, lane, clock)
    await worker.run_until_idle(poll=0)
    assert lane.received() == []
    async with services.db.transaction() as session:
        row = await session.scalar(select(BroadcastOutbox).where(BroadcastOutbox.broadcast_id == bid))
        assert row is not None
        assert (row.state, row.due_at.replace(tzinfo=UTC)) == ("queued", datetime(2027, 3, 4, 7, tzinfo=UTC))

    clock.now = datetime(2027, 3, 4, 7, 1, tzinfo=UTC)
    await worker.run_until_idle(poll=0)
    assert lane.received() == [pseudonym]


async def test_weekly_cap_and_opt_out_at_send_time(services: Services) -> None:
    clock = Clock(MORNING)
    capped = await person(services, 1)
    leaving = await person(services, 2)
    lane = Lane()
    worker = sender(services, lane, clock, max_per_week=2)
    for hour in range(2):
        clock.now = MORNING + timedelta(hours=hour)
        await broadcast(services, clock)
        await worker.run_until_idle(poll=0)
    clock.now = MORNING + timedelta(hours=3)
    third = await broadcast(services, clock)
    await services.broadcasts.set_invitations(2, False)  # after the outbox was written
    await worker.run_until_idle(poll=0)

    assert lane.received().count(capped) == 2
    assert lane.received().count(leaving) == 2
    async with services.db.transaction() as session:
        rows = (
            await session.scalars(select(BroadcastOutbox).where(BroadcastOutbox.broadcast_id == third))
        ).all()
        assert sorted((r.state, r.reason) for r in rows) == [
            ("skipped", "no longer takes invitations"),
            ("skipped", "weekly cap"),
        ]
    clock.now = MORNING + timedelta(days=8)  # a week later the cap has room again
    await broadcast(services, clock)
    await worker.run_until_idle(poll=0)
    assert lane.received().count(capped) == 3


async def test_403_marks_unreachable_and_5xx_retries_then_fails(services: Services) -> None:
    clock = Clock(MORNING)
    blocked, flaky, broken = [await person(services, i) for i in (1, 2, 3)]
    lane = Lane(
        script={
            blocked: [SendResult(Outcome.UNREACHABLE, error="403")],
            flaky: [SendResult(Outcome.TRANSIENT, error="NetworkError")] * 2,
            broken: [SendResult(Outcome.TRANSIENT, error="NetworkError")] * MAX_ATTEMPTS,
        }
    )
    bid = await broadcast(services, clock)
    worker = sender(services, lane, clock)
    for _ in range(MAX_ATTEMPTS + 1):
        await worker.run_until_idle(poll=0)
        clock.now += timedelta(minutes=6)  # past any backoff

    assert lane.received() == [flaky]
    status = await services.broadcasts.get(bid)
    assert status is not None
    counts = status.as_json()
    assert (counts["sent"], counts["failed"], counts["unreachable"], counts["pending"]) == (1, 1, 1, 0)
    assert (await services.users.find(1)).reachable is False  # type: ignore[union-attr]
    _, count = await services.broadcasts.create("again", "it", Segment())
    assert count == 2  # the unreachable person is left out of the next one


async def test_429_pauses_the_broadcast_then_resumes_without_duplicates(services: Services) -> None:
    clock = Clock(MORNING)
    people = [await person(services, i) for i in (1, 2, 3)]
    lane = Lane(script={people[0]: [SendResult(Outcome.RETRY_AFTER, retry_after=0.2)]})
    bid = await broadcast(services, clock)
    worker = sender(services, lane, clock)
    assert await worker.run_once() == 3
    status = await services.broadcasts.get(bid)
    assert status is not None and status.paused_until is not None
    # The batch stopped at the 429; only the message the second pipeline had in hand may have gone out.
    assert len(lane.received()) <= worker.parallel - 1
    assert await worker.run_once() == 0  # paused: nothing to claim

    clock.now += timedelta(seconds=2)
    await worker.run_until_idle(poll=0)
    assert sorted(lane.received()) == sorted(people)
    status = await services.broadcasts.get(bid)
    assert status is not None and status.state == "done"


async def test_pause_resume_cancel(services: Services) -> None:
    clock = Clock(MORNING)
    for i in (1, 2):
        await person(services, i)
    lane = Lane()
    worker = sender(services, lane, clock)
    bid = await broadcast(services, clock)
    await services.broadcasts.pause(bid)
    await worker.run_until_idle(poll=0)
    assert lane.received() == []
    with pytest.raises(BroadcastError):
        await services.broadcasts.pause(bid)
    await services.broadcasts.resume(bid)
    await worker.run_until_idle(poll=0)
    assert len(lane.received()) == 2

    other = await broadcast(services, clock)
    await services.broadcasts.cancel(other)
    await worker.run_until_idle(poll=0)
    status = await services.broadcasts.get(other)
    assert status is not None
    assert (status.state, status.as_json()["skipped"], len(lane.received())) == ("cancelled", 2, 2)


async def test_permission_and_country_scope(services: Services) -> None:
    await services.roles.grant(900, "coach", frozenset({"IT"}))
    await services.roles.grant(901, "admin")
    await services.users.touch(902)
    assert (await services.broadcasts.create("x", "it", parse_segment("country=IT"), actor=900))[1] == 0
    for segment in ("country=DE", ""):
        with pytest.raises(NotAllowed):
            await services.broadcasts.create("x", "it", parse_segment(segment), actor=900)
    with pytest.raises(NotAllowed):
        await services.broadcasts.create("x", "it", Segment(), actor=902)
    view, _ = await services.broadcasts.create("x", "it", Segment(), actor=901)
    with pytest.raises(NotAllowed):
        await services.broadcasts.confirm(view.id, actor=900)
    with pytest.raises(BroadcastError):
        await services.broadcasts.create(" ", "it", Segment())
    with pytest.raises(BroadcastError):
        await services.broadcasts.create("x" * 4000, "it", Segment())


async def test_a_dead_senders_rows_are_settled_without_sending_any_twice(services: Services) -> None:
    clock = Clock(MORNING)
    people = [await person(services, i) for i in range(1, 6)]
    bid = await broadcast(services, clock)
    dead = sender(services, Lane(), clock, name="dead", batch=3)
    rows = await dead.claim()
    assert len(rows) == 3
    prepared, departed, _claimed = rows
    assert await dead._begin(prepared)  # permit taken, row marked; the request had not left
    assert await dead._begin(departed) and await dead._depart(departed)  # the request was on its way

    survivor = sender(services, Lane(), clock, name="alive")
    lane = survivor.lane
    await survivor.run_until_idle(poll=0)
    assert isinstance(lane, Lane)
    assert sorted(lane.received()) == sorted(set(people) - _pseudonyms(rows))  # leases still held

    clock.now += timedelta(minutes=2)  # the dead sender's lease ran out
    await survivor.run_until_idle(poll=0)
    # The prepared and the merely claimed rows are sent now; the departed one is recorded, not sent again.
    assert sorted(lane.received()) == sorted(set(people) - {departed.pseudonym})
    async with services.db.transaction() as session:
        settled = (
            await session.execute(
                select(BroadcastOutbox.state, BroadcastOutbox.reason).where(BroadcastOutbox.id == departed.id)
            )
        ).one()
    assert tuple(settled) == ("sent", "unconfirmed: sender lost")
    status = await services.broadcasts.get(bid)
    assert status is not None and status.state == "done" and status.as_json()["sent"] == 5


async def test_two_senders_in_one_process_share_the_outbox(services: Services) -> None:
    clock = Clock(MORNING)
    people = [await person(services, i, sector=None) for i in range(1, 21)]
    await broadcast(services, clock)
    lane = Lane()
    first = sender(services, lane, clock, name="a", batch=3)
    second = sender(services, lane, clock, name="b", batch=3)
    first_rows, second_rows = await first.claim(), await second.claim()
    assert not _pseudonyms(first_rows) & _pseudonyms(second_rows)
    await first._release([r.id for r in first_rows])
    await second._release([r.id for r in second_rows])
    await first.run_until_idle(poll=0)
    assert sorted(lane.received()) == sorted(people)


async def test_forget_erases_broadcast_rows(services: Services) -> None:
    clock = Clock(MORNING)
    pseudonym = await person(services, 1)
    await broadcast(services, clock)
    await sender(services, Lane(), clock).run_until_idle(poll=0)
    exported = await services.users.export(1)
    assert [row["state"] for row in exported["broadcasts_received"]] == ["sent"]
    assert exported["profile"]["invitations"] is None
    await services.users.forget(1)
    async with services.db.transaction() as session:
        left = await session.scalars(select(BroadcastOutbox).where(BroadcastOutbox.pseudonym == pseudonym))
        assert left.all() == []
        await session.execute(update(User).values(invitations=None))


def _pseudonyms(rows: Iterable[BroadcastOutbox]) -> set[str]:
    return {row.pseudonym for row in rows}
