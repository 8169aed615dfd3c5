"""Events: the service (places, waiting list, closing, attendance), capacity under concurrency, reminders
through a real worker, the .ics file and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import update

from actions.event_jobs import EVENT_JOB_HANDLERS, localise
from actions.events import EventDraft, EventError, parse_yaml
from actions.ics import event_ics
from actions.models import Job, utcnow
from actions.roles import NotAllowed
from actions.worker import JobContext, Worker
from bot.cli import main
from core.notify import Button, Delivery
from core.services import Services

ROME = ZoneInfo("Europe/Rome")


def draft(**changes: Any) -> EventDraft:
    start = (utcnow() + timedelta(days=3)).astimezone(ROME).replace(minute=0, second=0, microsecond=0)
    base = EventDraft(
        title="Opening a partita IVA",
        description="Forfettario, INPS, first steps.",
        language="en",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/Rome",
        country="IT",
        city="Milano",
        venue="Via Padova 21",
        capacity=2,
        publish=True,
    )
    return replace(base, **changes)


class RecordingNotifier:
    """Records what would reach people; some pseudonyms are unreachable."""

    def __init__(self, unreachable: frozenset[str] = frozenset()) -> None:
        self.sent: list[tuple[str, str]] = []
        self.unreachable = unreachable

    async def send_text(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None
    ) -> Delivery:
        if pseudonym in self.unreachable:
            return Delivery.UNREACHABLE
        self.sent.append((pseudonym, text))
        return Delivery.SENT

    async def send_document(
        self, pseudonym: str, filename: str, content: bytes, caption: str | None = None
    ) -> Delivery:
        return Delivery.SENT


def person(n: int) -> str:
    return f"u_{n:016x}"


async def _jobs(services: Services, kind: str, state: str | None = None) -> list[Any]:
    return [
        job
        for job in await services.jobs.list(state=state, limit=2000)
        if job.kind == kind and (state is None or job.state == state)
    ]


async def _make_due(services: Services) -> None:
    async with services.db.transaction() as session:
        await session.execute(update(Job).where(Job.state == "pending").values(due_at=utcnow()))


async def test_seats_then_a_fifo_waiting_list_then_promotion_with_a_job(services: Services) -> None:
    event = await services.events.add(draft())
    places = [await services.events.enrol(event.id, person(n), first_name=f"P{n}") for n in range(5)]
    again = await services.events.enrol(event.id, person(0))

    assert [(p.status, p.position) for p in places] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    assert again.status == "confirmed"
    promoted = await services.events.cancel_enrolment(event.id, person(1))
    assert promoted is not None and promoted.pseudonym == person(2)
    assert (await services.events.place_of(event.id, person(4))).position == 2  # type: ignore[union-attr]
    shown = await services.events.get(event.id)
    assert shown is not None and (shown.confirmed, shown.waitlisted, shown.seats_left) == (2, 2, 0)
    told = await _jobs(services, "events.promoted")
    assert [(job.pseudonym, job.state) for job in told] == [(person(2), "pending")]
    cancelled_reminders = await _jobs(services, "events.reminder", "cancelled")
    assert {job.pseudonym for job in cancelled_reminders} == {person(1)}
    assert await services.events.cancel_enrolment(event.id, person(3)) is None  # waiting: frees no seat


async def test_enrolment_closes_at_the_deadline_and_drafts_are_closed(services: Services) -> None:
    closed = await services.events.add(draft(enrol_deadline=utcnow() - timedelta(minutes=1)))
    hidden = await services.events.add(draft(publish=False))

    for event_id in (closed.id, hidden.id):
        with pytest.raises(EventError):
            await services.events.enrol(event_id, person(1))
    assert [e.id for e in await services.events.upcoming_for("IT", None)] == [closed.id]
    assert (await services.events.publish(hidden.id)).status == "published"
    assert (await services.events.enrol(hidden.id, person(1))).status == "confirmed"


async def test_the_person_s_country_and_sector_come_first(services: Services) -> None:
    later = utcnow() + timedelta(days=10)
    de = await services.events.add(draft(country="DE", city="Berlin", timezone="Europe/Berlin"))
    food = await services.events.add(
        draft(starts_at=later, ends_at=later + timedelta(hours=1), sectors=("food",))
    )
    fashion = await services.events.add(draft(sectors=("fashion",)))

    ordered = [e.id for e in await services.events.upcoming_for("IT", "food")]

    assert ordered == [food.id, fashion.id, de.id]


async def test_only_coaches_of_the_country_manage_events(services: Services) -> None:
    await services.roles.grant(70, "coach", frozenset({"DE"}))
    await services.roles.grant(71, "coach", frozenset({"IT"}))
    with pytest.raises(NotAllowed):
        await services.events.add(draft(), actor=70)
    with pytest.raises(NotAllowed):
        await services.events.add(draft(), actor=72)  # not staff at all
    event = await services.events.add(draft(publish=False), actor=71)
    with pytest.raises(NotAllowed):
        await services.events.publish(event.id, actor=70)
    with pytest.raises(NotAllowed):
        await services.events.roster(event.id, actor=72)
    assert (await services.events.publish(event.id, actor=71)).status == "published"


async def test_attendance_schedules_the_day_after_feedback_hook(services: Services) -> None:
    event = await services.events.add(draft(capacity=None))
    for n in range(3):
        await services.events.enrol(event.id, person(n), first_name="Amira")

    assert await services.events.set_attendance(event.id, [person(0), person(1)]) == 2
    assert await services.events.set_attendance(event.id, [person(1)], present=False) == 1

    roster = {p.pseudonym: (p.first_name, p.status) for p in await services.events.roster(event.id)}
    assert roster == {
        person(0): ("Amira", "attended"),
        person(1): ("Amira", "confirmed"),
        person(2): ("Amira", "confirmed"),
    }
    feedback = await _jobs(services, "events.feedback_due")
    states = {job.pseudonym: job.state for job in feedback}
    assert states == {person(0): "pending", person(1): "cancelled"}
    assert min(job.due_at for job in feedback) >= event.ends_at + timedelta(days=1)
    await _make_due(services)
    worker = Worker(services.jobs, EVENT_JOB_HANDLERS, JobContext(services, RecordingNotifier()), name="w")
    await worker.run_once()
    assert [
        job.state for job in await _jobs(services, "events.feedback_due") if job.pseudonym == person(0)
    ] == ["done"]


@pytest.mark.postgres
async def test_200_people_for_20_seats_at_once_on_postgresql(postgres_url: str) -> None:
    first, second = Services.from_url(postgres_url), Services.from_url(postgres_url)
    try:
        async with first.db.transaction() as session:
            from sqlalchemy import text

            await session.execute(text("truncate events, event_enrolments, jobs restart identity cascade"))
        event = await first.events.add(draft(capacity=20))
        began = time.perf_counter()
        places = await asyncio.gather(
            *((first if n % 2 else second).events.enrol(event.id, person(n)) for n in range(200))
        )
        elapsed = time.perf_counter() - began

        statuses = [p.status for p in places]
        positions = sorted(p.position for p in places if p.status == "waitlisted")  # type: ignore[type-var]
        shown = await first.events.get(event.id)
        assert (statuses.count("confirmed"), statuses.count("waitlisted")) == (20, 180)
        assert positions == list(range(1, 181))
        assert shown is not None and (shown.confirmed, shown.waitlisted) == (20, 180)
        roster = await first.events.roster(event.id)
        assert [p.position for p in roster if p.status == "waitlisted"] == list(range(1, 181))
        print(f"\n200 enrolments for 20 seats: 20 confirmed, 180 waitlisted in {elapsed:.2f} s")
    finally:
        await first.db.dispose()
        await second.db.dispose()


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
async def test_200_people_for_20_seats_from_two_bot_processes_on_one_database(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two OS processes enrol 100 people each at once. Arrival order is the order in which PostgreSQL
    accepted the rows: each enrolment takes the event's lock before it inserts, so the id drawn from the
    table's sequence at the insert is the order the lock was granted (and the commits happened)."""
    services = Services.from_url(postgres_url)
    try:
        async with services.db.transaction() as session:
            from sqlalchemy import text

            await session.execute(text("truncate events, event_enrolments, jobs restart identity cascade"))
        event = await services.events.add(draft(capacity=20))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "tests.events_enrol_worker", postgres_url, str(event.id)]
        processes = [
            subprocess.Popen([*command, str(first), "100", str(tmp_path)], cwd=ROOT, env=env)
            for first in (0, 100)
        ]
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"ready-{first}").exists() for first in (0, 100)):
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
            await asyncio.sleep(0.02)
        began = time.perf_counter()
        (tmp_path / "go").touch()
        for process in processes:
            assert process.wait(timeout=120) == 0
        elapsed = time.perf_counter() - began
        told = [
            json.loads(line)
            for first in (0, 100)
            for line in (tmp_path / f"out-{first}.jsonl").read_text().splitlines()
        ]
        async with services.db.transaction() as session:
            rows = (
                await session.execute(
                    text("select pseudonym, status from event_enrolments where event_id = :e order by id"),
                    {"e": event.id},
                )
            ).all()
        roster = {p.pseudonym: p for p in await services.events.roster(event.id)}
        shown = await services.events.get(event.id)
    finally:
        await services.db.dispose()

    arrival = [pseudonym for pseudonym, _ in rows]
    statuses = [status for _, status in rows]
    told_by = {entry["pseudonym"]: entry for entry in told}
    assert len(told) == len(told_by) == len(arrival) == 200
    assert shown is not None and (shown.confirmed, shown.waitlisted) == (20, 180)
    assert statuses == ["confirmed"] * 20 + ["waitlisted"] * 180  # the first 20 accepted have the seats
    assert [roster[p].position for p in arrival[20:]] == list(range(1, 181))  # then in arrival order
    assert [told_by[p]["position"] for p in arrival[20:]] == list(range(1, 181))  # what each was told
    assert [told_by[p]["status"] for p in arrival] == statuses
    # Arrival order agrees with real time: a call that returned before another began arrived first.
    rank = {p: n for n, p in enumerate(arrival)}
    by_start = sorted(told, key=lambda entry: entry["began"])
    ordered_pairs = 0
    for later in by_start:
        earlier = [e for e in by_start if e["returned"] < later["began"]]
        assert all(rank[e["pseudonym"]] < rank[later["pseudonym"]] for e in earlier)
        ordered_pairs += len(earlier)
    assert ordered_pairs > 0  # the waves make some calls strictly ordered in real time
    span = max(e["returned"] for e in told) - min(e["began"] for e in told)
    seated = [int(p[2:], 16) for p in arrival[:20]]
    print(
        f"\n200 enrolments for 20 seats from two processes: 20 confirmed, 180 waiting (positions 1-180) "
        f"in {elapsed:.2f} s (first call to last answer {span:.2f} s); seats won by process 1: "
        f"{sum(n < 100 for n in seated)}, process 2: {sum(n >= 100 for n in seated)}; "
        f"{ordered_pairs} pairs ordered in real time agree"
    )


async def test_many_at_once_on_either_database(services: Services) -> None:
    other = Services.from_url(services.db.url)
    try:
        event = await services.events.add(draft(capacity=5))
        places = await asyncio.gather(
            *((services if n % 2 else other).events.enrol(event.id, person(n)) for n in range(30))
        )
    finally:
        await other.db.dispose()

    assert sorted(p.status for p in places).count("confirmed") == 5
    assert sorted(p.position or 0 for p in places if p.status == "waitlisted") == list(range(1, 26))


async def test_reminders_run_exactly_once_with_two_workers_and_survive_a_restart(services: Services) -> None:
    it_person, en_person, gone = [
        (await services.users.set_language(n, lang)).pseudonym
        for n, lang in ((80, "it"), (81, "en"), (82, "en"))
    ]
    event = await services.events.add(
        draft(capacity=None, translations={"it": {"title": "Aprire la partita IVA"}})
    )
    for pseudonym in (it_person, en_person, gone, person(9)):
        await services.events.enrol(event.id, pseudonym)
    await services.events.cancel_enrolment(event.id, person(9))
    reminders = await _jobs(services, "events.reminder", "pending")
    assert len(reminders) == 6  # 24 h and 1 h for the three still enrolled
    assert {job.payload["which"] for job in reminders} == {"24h", "1h"}
    await _make_due(services)

    notifier = RecordingNotifier(unreachable=frozenset({gone}))
    context = JobContext(services, notifier)
    one = Worker(services.jobs, EVENT_JOB_HANDLERS, context, name="one", batch=2)
    two = Worker(services.jobs, EVENT_JOB_HANDLERS, context, name="two", batch=2)
    await asyncio.gather(one.run_once(), two.run_once())
    del one, two  # the "processes" stop; a new worker on the same database carries on
    restarted = Worker(services.jobs, EVENT_JOB_HANDLERS, context, name="after-restart")
    while await restarted.run_once():
        pass

    assert sorted(p for p, _ in notifier.sent) == sorted([it_person, it_person, en_person, en_person])
    italian = [text for p, text in notifier.sent if p == it_person]
    assert all("Aprire la partita IVA" in text for text in italian)
    assert any("Promemoria" in text or "domani" in text for text in italian)
    assert {job.state for job in await _jobs(services, "events.reminder")} == {"done", "cancelled"}
    again = Worker(services.jobs, EVENT_JOB_HANDLERS, context, name="again")
    assert await again.run_once() == 0


async def test_moving_the_start_moves_the_reminders_and_cancelling_tells_everyone(services: Services) -> None:
    event = await services.events.add(draft(capacity=1))
    await services.events.enrol(event.id, person(1))
    await services.events.enrol(event.id, person(2))  # waiting
    later = event.starts_at + timedelta(days=2)

    await services.events.reschedule(event.id, later, later + timedelta(hours=2))

    pending = await _jobs(services, "events.reminder", "pending")
    assert sorted(job.due_at for job in pending) == [later - timedelta(hours=24), later - timedelta(hours=1)]
    assert len(await _jobs(services, "events.reminder", "cancelled")) == 2
    await services.events.cancel(event.id)
    assert await _jobs(services, "events.reminder", "pending") == []
    told = await _jobs(services, "events.cancelled", "pending")
    assert sorted(job.pseudonym for job in told) == [person(1), person(2)]  # type: ignore[type-var]
    notifier = RecordingNotifier()
    worker = Worker(services.jobs, EVENT_JOB_HANDLERS, JobContext(services, notifier), name="w")
    await worker.run_once()
    assert sorted(p for p, _ in notifier.sent) == [person(1), person(2)]
    assert all("cancelled" in text for _, text in notifier.sent)
    with pytest.raises(EventError):
        await services.events.enrol(event.id, person(3))


async def test_the_ics_parses_back_with_the_venue_zone_an_alarm_and_a_stable_uid(services: Services) -> None:
    event = await services.events.add(draft())
    online = await services.events.add(draft(venue=None, online_url="https://meet.example/x"))

    parsed = icalendar.Calendar.from_ical(event_ics(event, event.title, event.description))
    again = icalendar.Calendar.from_ical(event_ics(event, "Other title", ""))
    vevent = parsed.walk("VEVENT")[0]
    other = icalendar.Calendar.from_ical(event_ics(online, online.title, "")).walk("VEVENT")[0]

    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert vevent["DTSTART"].params["TZID"] == "Europe/Rome"
    assert vevent.decoded("DTSTART") == event.local_start
    assert vevent.decoded("DTEND") == event.local_end
    assert str(vevent["LOCATION"]) == "Via Padova 21, Milano"
    assert str(vevent["UID"]) == str(again.walk("VEVENT")[0]["UID"]) == f"event-{event.id}@interhub"
    alarm = vevent.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)
    assert str(other["URL"]) == "https://meet.example/x" and str(other["UID"]) != str(vevent["UID"])


async def test_texts_are_curated_machine_translated_or_noted(services: Services) -> None:
    event = await services.events.add(
        draft(translations={"de": {"title": "Steuernummer", "description": "d"}})
    )

    curated = await localise(event, "de", services.translations)
    noted = await localise(event, "fr", services.translations)

    assert (curated.title, curated.note) == ("Steuernummer", None)
    assert noted.title == event.title and noted.note is not None and "English" in noted.note

    services.translations.provider = _Upper()
    machine = await localise(event, "fr", services.translations)
    assert machine.title == event.title.upper() and machine.note is not None


class _Upper:
    name = "upper"

    def __call__(self, text: str, source: str, target: str) -> str:
        return text.upper()


def test_an_event_file_is_read_in_the_venue_zone_and_checked() -> None:
    source = """
title: Marketing on Instagram
language: it
starts_at: 2027-03-04 18:00
ends_at: 2027-03-04T20:00:00
country: it
city: Milano
online_url: https://meet.example/abc
capacity: 30
sectors: [fashion, design]
translations:
  en: {title: Instagram marketing, description: For small shops}
"""
    parsed = parse_yaml(source)

    assert parsed.starts_at == datetime(2027, 3, 4, 18, 0, tzinfo=ROME)
    assert parsed.timezone == "Europe/Rome" and parsed.country == "IT"
    assert parsed.translations["en"]["title"] == "Instagram marketing"
    for broken in (
        source.replace("capacity: 30", "capacity: -1"),
        source.replace("2027-03-04T20", "2027-03-03T20"),
    ):
        with pytest.raises(EventError):
            parse_yaml(broken)


def test_the_cli_adds_lists_shows_marks_attendance_and_cancels(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    start = (utcnow() + timedelta(days=5)).astimezone(ROME)
    file = tmp_path / "event.yml"
    file.write_text(
        f"title: CLI workshop\nstarts_at: {start:%Y-%m-%d %H:%M}\n"
        f"ends_at: {start + timedelta(hours=1):%Y-%m-%d %H:%M}\n"
        "country: IT\ncity: Roma\nvenue: Via Nazionale 1\ncapacity: 10\nstatus: published\n"
    )
    assert main(["events", "add", str(file)]) == 0
    event_id = int(capsys.readouterr().out.strip())

    async def enrol() -> None:
        services = Services.from_url(database_url)
        try:
            profile = await services.users.touch(90)
            await services.events.enrol(event_id, profile.pseudonym, first_name="Amira")
        finally:
            await services.db.dispose()

    asyncio.run(enrol())
    assert main(["events", "attendance", str(event_id), "--present", "90,91"]) == 0
    assert "1 marked present" in capsys.readouterr().out
    assert main(["events", "show", str(event_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {
        k: shown[k] for k in ("id", "title", "capacity", "status", "confirmed", "waitlisted", "attended")
    } == {
        "id": event_id,
        "title": "CLI workshop",
        "capacity": 10,
        "status": "published",
        "confirmed": 0,
        "waitlisted": 0,
        "attended": 1,
    }
    assert shown["starts_at"].startswith(f"{start.astimezone(ZoneInfo('UTC')):%Y-%m-%dT%H:%M}")
    assert main(["events", "list", "--json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)] == [event_id]
    assert main(["events", "funnel", "--json"]) == 0
    funnel = json.loads(capsys.readouterr().out)
    assert [(f["event_id"], f["invited"], f["enrolled"], f["attended"], f["evaluated"]) for f in funnel] == [
        (event_id, 0, 1, 1, 0)
    ]
    assert main(["events", "cancel", str(event_id)]) == 0
    assert "cancelled" in capsys.readouterr().out
    assert main(["events", "show", "999", "--json"]) == 2


async def test_seeding_adds_published_events_per_country_once(services: Services) -> None:
    from actions.seed import seed_demo

    assert await seed_demo(services.db) is True
    assert await seed_demo(services.db) is False
    events = await services.events.find_all(statuses=("published",), upcoming=True)
    assert sorted({e.country for e in events}) == ["DE", "HR", "HU", "IT", "SI"]
    assert len(events) == 10
    assert sorted({e.language for e in events}) == ["de", "hr", "hu", "it", "sl"]
    milano = next(e for e in events if e.city == "Milano" and e.venue)
    texts = {lang: await localise(milano, lang, services.translations) for lang in ("it", "en", "de", "ar")}
    assert [texts[lang].title for lang in ("it", "en", "de")] == [
        "Aprire la partita IVA",
        "Opening a VAT number",
        "Eine Umsatzsteuernummer beantragen",
    ]
    assert texts["ar"].title == "Aprire la partita IVA" and texts["ar"].note is not None


async def test_an_edit_moves_the_reminders_tells_everyone_enrolled_and_fills_new_seats(
    services: Services,
) -> None:
    event = await services.events.add(draft(capacity=1))
    for n in (1, 2, 3):
        await services.events.enrol(event.id, person(n))  # 1 confirmed, 2 and 3 waiting
    later = event.starts_at + timedelta(days=1)

    edited = await services.events.edit(
        event.id, {"starts_at": later, "ends_at": later + timedelta(hours=3), "venue": "Corso Como 5"}
    )
    grown = await services.events.edit(event.id, {"capacity": 2, "title": "Partita IVA, step by step"})

    assert (edited.moved, edited.told, edited.promoted) == (True, 3, 0)
    assert (grown.moved, grown.told, grown.promoted) == (False, 0, 1)
    shown = grown.event
    assert (shown.title, shown.venue, shown.starts_at, shown.confirmed, shown.waitlisted) == (
        "Partita IVA, step by step",
        "Corso Como 5",
        later,
        2,
        1,
    )
    pending = await _jobs(services, "events.reminder", "pending")
    assert sorted((job.pseudonym, job.due_at) for job in pending) == sorted(
        (p, later - before)
        for p in (person(1), person(2))
        for before in (timedelta(hours=24), timedelta(hours=1))
    )
    assert {job.pseudonym for job in await _jobs(services, "events.changed")} == {
        person(1),
        person(2),
        person(3),
    }
    finish = await _jobs(services, "events.finish", "pending")
    assert [job.due_at for job in finish] == [later + timedelta(hours=3)]

    notifier = RecordingNotifier()
    documents: list[str] = []

    async def send_document(
        pseudonym: str, filename: str, content: bytes, caption: str | None = None
    ) -> Delivery:
        documents.append(pseudonym)
        assert icalendar.Calendar.from_ical(content).walk("VEVENT")[0]["LOCATION"] == "Corso Como 5, Milano"
        return Delivery.SENT

    notifier.send_document = send_document  # type: ignore[method-assign]
    await Worker(services.jobs, EVENT_JOB_HANDLERS, JobContext(services, notifier), name="w").run_once()
    changed = {p: text for p, text in notifier.sent if "has changed" in text}
    assert sorted(changed) == [person(1), person(2), person(3)]
    assert all(
        "Corso Como 5, Milano" in text and f"{later.astimezone(ROME):%H:%M}" in text
        for text in changed.values()
    )
    # A new .ics for people with a seat (person 2 also with their "a seat became free"), none for waiting.
    assert sorted(documents) == [person(1), person(2), person(2)]
    assert [p for p, text in notifier.sent if "A seat became free" in text] == [person(2)]


async def test_an_edit_is_checked_like_a_new_event(services: Services) -> None:
    await services.roles.grant(73, "coach", frozenset({"DE"}))
    event = await services.events.add(draft(capacity=3))
    for n in (1, 2):
        await services.events.enrol(event.id, person(n))
    past = utcnow() - timedelta(hours=1)

    for changes in (
        {"capacity": 1},  # two people already have a seat
        {"starts_at": past, "ends_at": past + timedelta(hours=1)},
        {"ends_at": event.starts_at - timedelta(minutes=1)},
        {"title": "x"},
        {"description": "d" * 2001},
        {"online_url": "ftp://example.org", "venue": None},
        {"enrol_deadline": event.starts_at + timedelta(minutes=1)},
        {"sectors": ("cars",)},
        {"country": "DE"},  # not editable
    ):
        with pytest.raises(EventError):
            await services.events.edit(event.id, changes)
    with pytest.raises(NotAllowed):
        await services.events.edit(event.id, {"title": "A German coach's title"}, actor=73)
    await services.events.cancel(event.id)
    with pytest.raises(EventError):
        await services.events.edit(event.id, {"title": "Too late now"})
    unchanged = await services.events.get(event.id)
    assert unchanged is not None and (unchanged.title, unchanged.capacity) == ("Opening a partita IVA", 3)
    assert await _jobs(services, "events.changed") == []


async def test_a_freed_seat_skips_people_who_blocked_the_bot_and_passes_on_if_nobody_can_be_told(
    services: Services,
) -> None:
    blocked, silent, told = [(await services.users.set_language(n, "en")).pseudonym for n in (130, 131, 132)]
    await services.users.set_reachable(130, False)
    event = await services.events.add(draft(capacity=1))
    for pseudonym in (person(1), blocked, silent, told):
        await services.events.enrol(event.id, pseudonym)

    promoted = await services.events.cancel_enrolment(event.id, person(1))
    notifier = RecordingNotifier(unreachable=frozenset({silent}))  # blocked the bot after enrolling
    worker = Worker(services.jobs, EVENT_JOB_HANDLERS, JobContext(services, notifier), name="w")
    while await worker.run_once():
        pass

    assert promoted is not None and promoted.pseudonym == silent  # the blocked person is passed over
    roster = {p.pseudonym: (p.status, p.position) for p in await services.events.roster(event.id)}
    assert roster == {blocked: ("waitlisted", 1), told: ("confirmed", None)}
    assert [(p, "A seat became free" in text) for p, text in notifier.sent] == [(told, True)]


async def test_the_funnel_counts_who_sent_the_event_form(services: Services) -> None:
    from actions.models import SurveyResponse

    event = await services.events.add(draft(capacity=3))
    people = [f"u_{n:016x}" for n in range(3)]
    for pseudonym in people:
        await services.events.enrol(event.id, pseudonym)
    await services.events.set_attendance(event.id, people[:2])
    async with services.db.transaction() as session:
        for pseudonym, status in ((people[0], "submitted"), (people[1], "active")):
            session.add(
                SurveyResponse(
                    pseudonym=pseudonym,
                    survey="event",
                    version=1,
                    event_id=event.id,
                    status=status,
                    language="en",
                )
            )

    [funnel] = await services.events.funnel()

    assert (funnel.enrolled, funnel.attended, funnel.evaluated) == (3, 2, 1)
