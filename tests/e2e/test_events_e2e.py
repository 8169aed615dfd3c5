"""Events end to end over real HTTP: the real Application with its jobs worker polls the fake Bot API.

Enrolment by a deep link for someone new (the .ics arrives), a freed seat reaching the first person waiting
at once, and reminders that survive a restart and arrive exactly once, not to people who cancelled or blocked
the bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta

import icalendar
from sqlalchemy import update
from telegram import Update

from actions.models import Job, utcnow
from bot.app import build_application, prepare
from bot.context import InterHubApp
from core.services import Services
from core.settings import Settings
from tests.fake_bot_api import FakeBotApi
from tests.test_events import draft

Runner = Callable[[], AbstractAsyncContextManager[InterHubApp]]
ONBOARDING = (
    "button:lang:en",
    "button:consent:yes",
    "button:invite:yes",
    "button:country:IT",
    "button:sector:design",
)


def bot_with_worker(bot_settings: Settings) -> Runner:
    """A fresh bot process: its own services, the jobs worker inside (``WORKER=on``), long polling."""

    @asynccontextmanager
    async def run() -> AsyncIterator[InterHubApp]:
        services = Services.from_url(bot_settings.database_url)
        app = build_application(bot_settings, services, run_worker=True)
        assert app.background is not None
        app.background.worker.poll_interval = 0.1
        try:
            async with app:
                await prepare(app)
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
                await app.start()
                try:
                    yield app
                finally:
                    await app.updater.stop()
                    await app.stop()
                    await app.background.stop()
        finally:
            await services.db.dispose()

    return run


async def onboard(api: FakeBotApi, user: int, first: str = "/start") -> None:
    """Start (or follow a link) and answer the four onboarding questions; a link's event card follows."""
    await api.step(user, first)
    for action in ONBOARDING:
        await api.step(user, action)
    if first != "/start":
        await api.wait_for(lambda server: server.texts(user)[-1].startswith("📅 <b>"))


def documents(api: FakeBotApi, user: int) -> list[icalendar.Calendar]:
    """The calendars the bot sent to a person."""
    return [icalendar.Calendar.from_ical(c.files["document"]) for c in api.sent(user, "sendDocument")]


async def test_a_link_enrols_someone_new_and_the_ics_arrives_then_a_freed_seat_goes_to_the_first_waiting(
    fake_api: FakeBotApi, bot_settings: Settings, services: Services
) -> None:
    event = await services.events.add(draft(capacity=1))
    newcomer, second, third = 5101, 5102, 5103
    async with bot_with_worker(bot_settings)():
        await onboard(fake_api, newcomer, f"/start event_{event.id}")
        card = fake_api.texts(newcomer)[-1]
        before = len(fake_api.sent(newcomer, "sendDocument"))
        await fake_api.step(newcomer, f"button:ev:enrol:{event.id}")
        await fake_api.wait_for(lambda api: len(api.sent(newcomer, "sendDocument")) > before)
        for person in (second, third):
            await onboard(fake_api, person)
            await fake_api.step(person, "/events")
            await fake_api.step(person, f"button:ev:open:{event.id}")
            await fake_api.step(person, f"button:ev:enrol:{event.id}")

        await fake_api.step(newcomer, f"button:ev:drop:{event.id}")  # "Can't come"
        await fake_api.wait_for(lambda api: len(api.sent(second, "sendDocument")) == 1)
        await fake_api.wait_idle()

    assert "Opening a partita IVA" in card and "Seats left: 1" in card and "(Europe/Rome)" in card
    newcomer_texts = fake_api.texts(newcomer)
    assert any("You are enrolled in <b>Opening a partita IVA</b>" in t for t in newcomer_texts)
    calendar = documents(fake_api, newcomer)[0]
    entry = calendar.walk("VEVENT")[0]
    assert entry["DTSTART"].params["TZID"] == "Europe/Rome"
    assert entry.decoded("DTSTART") == event.local_start
    assert str(entry["LOCATION"]) == "Via Padova 21, Milano"
    assert entry.walk("VALARM")[0].decoded("TRIGGER").days == -1
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Rome"
    assert any("You are number 1 on the waiting list" in t for t in fake_api.texts(second))
    assert any("You are number 2 on the waiting list" in t for t in fake_api.texts(third))
    promoted = [t for t in fake_api.texts(second) if "A seat became free" in t]
    assert len(promoted) == 1 and "Opening a partita IVA" in promoted[0]
    assert fake_api.buttons(second) == {"🙅 Can't come": f"ev:drop:{event.id}"}
    assert not any("A seat became free" in t for t in fake_api.texts(third))
    seats = {p.first_name: p.status for p in await services.events.roster(event.id)}
    assert seats == {"User5102": "confirmed", "User5103": "waitlisted"}


async def test_the_card_has_enrol_calendar_and_share_buttons(
    fake_api: FakeBotApi, bot_settings: Settings, services: Services
) -> None:
    event = await services.events.add(draft(capacity=5))
    async with bot_with_worker(bot_settings)():
        await onboard(fake_api, 5110)
        await fake_api.step(5110, f"button:ev:open:{event.id}")
        buttons = fake_api.buttons(5110)
        await fake_api.step(5110, f"button:ev:share:{event.id}")

    assert buttons == {
        "✅ Enrol": f"ev:enrol:{event.id}",
        "🗓 Add to calendar": f"ev:ics:{event.id}",
        "🔗 Share": f"ev:share:{event.id}",
        "⬅️ Main menu": "menu:home",
    }
    assert f"https://t.me/interhub_test_bot?start=event_{event.id}" in fake_api.texts(5110)[-1]


async def test_reminders_survive_a_restart_and_arrive_once_not_to_who_cancelled_or_blocked_the_bot(
    fake_api: FakeBotApi, bot_settings: Settings, services: Services
) -> None:
    event = await services.events.add(draft(capacity=None))
    coming, cancelled, blocked = 5201, 5202, 5203
    async with bot_with_worker(bot_settings)():
        for person in (coming, cancelled, blocked):
            await onboard(fake_api, person, f"/start event_{event.id}")
            await fake_api.step(person, f"button:ev:enrol:{event.id}")
        await fake_api.step(cancelled, f"button:ev:drop:{event.id}")
        await fake_api.wait_idle()
    # The first process is gone. The reminders are rows in the database: make them due now.
    async with services.db.transaction() as session:
        await session.execute(
            update(Job).where(Job.kind == "events.reminder", Job.state == "pending").values(due_at=utcnow())
        )
    fake_api.blocked.add(blocked)
    sent_before = len(fake_api.calls)

    def reminders(user: int) -> list[str]:
        return [t for t in fake_api.texts(user) if "⏰" in t]

    async with bot_with_worker(bot_settings)():  # a new process
        await fake_api.wait_for(lambda api: len(reminders(coming)) == 2)
        await fake_api.wait_idle()
    async with bot_with_worker(bot_settings)():  # and another: nothing left to send
        await fake_api.wait_idle(quiet=0.5)

    assert [t.split("\n")[0] for t in reminders(coming)] == [
        "⏰ Reminder: <b>Opening a partita IVA</b> is tomorrow.",
        "⏰ <b>Opening a partita IVA</b> starts in one hour.",
    ]
    assert reminders(cancelled) == [] and reminders(blocked) == []
    attempts = [c for c in fake_api.calls[sent_before:] if c.params.get("chat_id") == blocked]
    assert [(c.method, c.status) for c in attempts] == [("sendMessage", 403)]  # then marked unreachable
    profile = await services.users.find(blocked)
    assert profile is not None and not profile.reachable
    states = sorted(job.state for job in await services.jobs.list(limit=100) if job.kind == "events.reminder")
    assert states == ["cancelled", "cancelled", "done", "done", "done", "done"]


async def test_a_coach_moves_the_event_and_the_person_enrolled_is_told_at_once_with_a_new_ics(
    fake_api: FakeBotApi, bot_settings: Settings, services: Services
) -> None:
    event = await services.events.add(draft(capacity=None))
    coach, guest = 5301, 5302
    await services.roles.grant(coach, "coach", frozenset({"IT"}))
    day = f"{event.local_start + timedelta(days=2):%Y-%m-%d}"
    async with bot_with_worker(bot_settings)():
        await onboard(fake_api, guest, f"/start event_{event.id}")
        await fake_api.step(guest, f"button:ev:enrol:{event.id}")
        await fake_api.wait_for(lambda api: len(api.sent(guest, "sendDocument")) == 1)
        await onboard(fake_api, coach)
        for action in (f"/editevent {event.id}", "button:eve:field:start", f"{day} 10:00", "button:eve:save"):
            await fake_api.step(coach, action)
        await fake_api.wait_for(lambda api: len(api.sent(guest, "sendDocument")) == 2)

    changed = [t for t in fake_api.texts(guest) if "has changed" in t]
    assert len(changed) == 1 and f"{day} 10:00–12:00 (Europe/Rome)" in changed[0]
    assert "saved" in fake_api.texts(coach)[-1] and "1 person will be told" in fake_api.texts(coach)[-1]
    entry = documents(fake_api, guest)[-1].walk("VEVENT")[0]
    assert f"{entry.decoded('DTSTART'):%Y-%m-%d %H:%M}" == f"{day} 10:00"
    assert str(entry["UID"]) == f"event-{event.id}@interhub"  # the same event, updated in the calendar
    moved = await services.events.get(event.id)
    assert moved is not None
    due = sorted(
        job.due_at
        for job in await services.jobs.list(limit=100)
        if job.kind == "events.reminder" and job.state == "pending"
    )
    assert due == [moved.starts_at - timedelta(hours=24), moved.starts_at - timedelta(hours=1)]
