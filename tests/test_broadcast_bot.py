"""Coach broadcasts in Telegram, as transcripts: the /broadcast conversation (segment buttons, preview per
language with counts, translations supplied or machine-made, an event invitation), confirm writing the
outbox, the progress message edited by its jobs and the final report, Pause / Resume / Cancel, forged and
stale buttons, the refusal for people without the role, and a restart in the middle of the conversation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from actions.broadcast_delivery import BroadcastSender
from actions.broadcast_limiter import SharedLimiter
from actions.broadcast_progress import PROGRESS_JOB
from actions.job_handlers import job_handlers
from actions.models import BroadcastOutbox, Job, utcnow
from actions.worker import JobContext, Worker
from bot.app import build_application, prepare
from bot.broadcast_lane import TelegramLane
from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from bot.notifier import TelegramNotifier
from core.services import Services
from core.settings import Settings
from tests.dialog import Dialog, joined
from tests.test_broadcasts import person
from tests.test_events import draft

COACH, DE_COACH, PLAIN = 700, 701, 702
EXPIRED = "This button is no longer valid. Please use /menu."
REFUSED = "Sorry, this command is only for the InterHub team."
PHOTO = {"photo": [{"file_id": "p", "file_unique_id": "p1", "width": 9, "height": 9}]}


def daytime() -> Callable[[], datetime]:
    """A clock at the next 10:00 in Rome, so quiet hours never hold the messages."""
    now = utcnow()
    rome = now.astimezone(ZoneInfo("Europe/Rome"))
    target = datetime.combine(rome.date(), datetime.min.time().replace(hour=10), ZoneInfo("Europe/Rome"))
    if target < now:
        target += timedelta(days=1)
    offset = target - now
    return lambda: utcnow() + offset


async def coach(
    app: InterHubApp, api: LocalBotApi, services: Services, user_id: int, *countries: str
) -> Dialog:
    """A coach who kept no profile (so is no recipient), speaking English."""
    await services.roles.grant(user_id, "coach", frozenset(countries))
    await services.users.set_language(user_id, "en")
    await services.users.decline_consent(user_id)
    return Dialog(app, api, user_id=user_id)


async def audience(services: Services) -> dict[str, int]:
    """Italian people in three languages and sectors, one who turned invitations off, one in Germany."""
    people = {
        "it_food": await person(services, 801, lang="it"),
        "en_food": await person(services, 802, lang="en"),
        "de_food": await person(services, 803, lang="de"),
        "it_fashion": await person(services, 804, lang="it", sector="fashion"),
        "off": await person(services, 805, lang="it"),
        "germany": await person(services, 806, lang="de", country="DE"),
    }
    await services.broadcasts.set_invitations(805, False)
    return {key: index for index, key in enumerate(people)}


async def outbox(services: Services, broadcast_id: int) -> dict[str, int]:
    async with services.db.transaction() as session:
        rows = await session.execute(
            select(BroadcastOutbox.state, func.count())
            .where(BroadcastOutbox.broadcast_id == broadcast_id)
            .group_by(BroadcastOutbox.state)
        )
        return {state: int(n) for state, n in rows.all()}


async def deliver(app: InterHubApp, services: Services) -> None:
    """One sender over the bot's transport, on a daytime clock, until nothing is left."""
    lane = TelegramLane(app.bot, services.users)
    sender = BroadcastSender(services.db, lane, SharedLimiter(services.db, 30), name="t", clock=daytime())
    await sender.run_until_idle(idle_rounds=2, poll=0.05)


async def progress_jobs(app: InterHubApp, services: Services) -> int:
    """Run the due progress jobs now (as if their 5 s had passed); return how many ran."""
    async with services.db.transaction() as session:
        await session.execute(
            update(Job).where(Job.kind == PROGRESS_JOB, Job.state == "pending").values(due_at=utcnow())
        )
    context = JobContext(services, TelegramNotifier(app.bot, services))
    return await Worker(services.jobs, job_handlers(), context, name="w").run_once()


def edits(api: LocalBotApi, chat: int) -> list[str]:
    return [
        c.params["text"] for c in api.calls if c.method == "editMessageText" and c.params["chat_id"] == chat
    ]


async def test_a_coach_broadcasts_to_a_segment_with_a_preview_per_language_and_follows_it(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await audience(services)
    bob = await coach(app, api, services, COACH, "IT")
    long_text = "x" * 3501

    steps = [
        ("/broadcast", "What do you want to send?"),
        ("✉️ A message", "Write the message in English, up to 3500 characters"),
        (PHOTO, "as text only"),
        (long_text, "That is 3501 characters; the limit is 3500"),
        ("Pricing workshop on Friday <b>bring</b> your prices & questions", "Translations (optional)"),
        ("xx: nonsense", "Please write it as code: text"),
        ("en: the coach's own language", "Please write it as code: text"),
        ("it: Laboratorio prezzi venerdì", "Translations so far: Italiano"),
        ("just words", "Please write it as code: text"),
        ("➡️ Next: who gets it", "🇮🇹 Italy"),
    ]
    for said, expected in steps:
        if isinstance(said, dict):
            answer = joined(await bob.send_update(bob.message_update(said)))
        elif said in bob.buttons():
            answer = joined(await bob.tap(said))
        else:
            answer = joined(await bob.say(said))
        assert expected in answer, (said, answer)
    assert "👥 4 people now." in answer  # Italy: three in food, one in fashion; the one who said no is out
    assert "choose one of the buttons" in joined(await bob.say("only the Italians please"))
    await bob.tap("🏷 Sector")
    narrowed = joined(await bob.tap("Food"))
    await bob.tap("🌍 Country")
    assert list(bob.buttons()) == ["🇮🇹 Italy"]  # a coach for Italy writes to Italy only
    await bob.tap("🇮🇹 Italy")
    preview = await bob.tap("👀 Preview")

    assert "🏷 Food" in narrowed and "👥 3 people now." in narrowed
    by_language = {text.split("</b>")[0]: text for text in preview[:-1]}
    assert list(by_language) == [
        "<b>🌐 Deutsch · 1 person\n(no translation: they read your text as written)",
        "<b>🌐 English · 1 person",
        "<b>🌐 Italiano · 1 person",
    ]
    italian = by_language["<b>🌐 Italiano · 1 person"]
    assert "Laboratorio prezzi venerdì" in italian and "[🔕 Basta inviti]" in italian
    english = by_language["<b>🌐 English · 1 person"]
    assert "Pricing workshop on Friday &lt;b&gt;bring&lt;/b&gt; your prices &amp; questions" in english
    assert "👀 Preview: 3 people will get it, in 3 languages." in preview[-1]
    assert await outbox(services, 1) == {}  # nothing is written before the coach confirms

    started = joined(await bob.tap("✅ Confirm and send"))
    assert "📣 Broadcast 1: sending" in started and "⏳ waiting 3" in started
    assert await outbox(services, 1) == {"queued": 3}
    assert list(bob.buttons()) == ["⏸ Pause", "✖️ Cancel"]
    progress_id = bob.last_keyboard_message()

    await deliver(app, services)
    assert await progress_jobs(app, services) == 1
    received = {c.params["chat_id"]: c.params["text"] for c in api.calls if "bc:stop" in str(c.params)}
    assert set(received) == {801, 802, 803}
    assert received[801] == "Laboratorio prezzi venerdì" and received[803].startswith("Pricing workshop")
    final = [c for c in api.calls if c.method == "editMessageText" and c.params["message_id"] == progress_id]
    assert "📣 Broadcast 1: done" in final[-1].params["text"] and "✅ sent 3" in final[-1].params["text"]
    report = api.calls[-1].params["text"]
    assert report.startswith("🏁 Broadcast 1 finished in") and "delivered: 3 of 3" in report
    assert await progress_jobs(app, services) == 0  # the chain ended with the report


async def test_pause_resume_and_cancel_from_the_progress_message_with_stale_and_forged_buttons(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await audience(services)
    bob = await coach(app, api, services, COACH, "IT")
    other = await coach(app, api, services, DE_COACH, "DE")
    for said in ("/broadcast", "✉️ A message", "Hello all", "➡️ Next: who gets it", "👀 Preview"):
        await (bob.tap(said) if said in bob.buttons() else bob.say(said))
    await bob.tap("✅ Confirm and send")
    pause = bob.buttons()["⏸ Pause"]
    bob.alerts, other.alerts = [], []

    paused = joined(await bob.tap("⏸ Pause"))
    assert "📣 Broadcast 1: paused" in paused and "press Resume" in paused
    assert list(bob.buttons()) == ["▶️ Resume", "✖️ Cancel"]
    await bob.press_data(pause)  # the old Pause button, pressed again
    await deliver(app, services)
    assert await outbox(services, 1) == {"queued": 4}  # a paused broadcast sends nothing
    await progress_jobs(app, services)
    assert "paused" in edits(api, COACH)[-1]

    resumed = joined(await bob.tap("▶️ Resume"))
    await bob.press_data("bcc:pause:999999")
    await bob.press_data("bcc:pause:1' or 1=1")
    await other.press_data("bcc:pause:1")
    await bob.tap("✖️ Cancel")
    await bob.tap("❌ Yes, cancel it")
    await bob.press_data("bcc:resume:1")
    await progress_jobs(app, services)

    assert "📣 Broadcast 1: sending" in resumed
    assert bob.alerts == [
        "paused",
        "Not possible now: this broadcast is paused.",
        "sending",
        EXPIRED,
        EXPIRED,
        "",
        "cancelled",
        "Not possible now: this broadcast is cancelled.",
    ]
    assert other.alerts == [REFUSED]
    assert await outbox(services, 1) == {"skipped": 4}
    assert "cancelled: delivered: 0 of 4" in api.calls[-1].params["text"]
    assert not [c for c in api.calls if "bc:stop" in str(c.params)]  # nobody got it


async def test_an_event_invitation_carries_the_card_and_enrol_in_each_language(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await audience(services)
    event = await services.events.add(
        draft(capacity=None, translations={"it": {"title": "Aprire la partita IVA"}})
    )
    enrolled = await services.users.find(802)
    assert enrolled is not None
    await services.events.enrol(event.id, enrolled.pseudonym)
    bob = await coach(app, api, services, COACH, "IT")

    await bob.say("/broadcast")
    listing = joined(await bob.tap("📅 An event invitation (with Enrol)"))
    labels = list(bob.buttons())
    asked = joined(await bob.tap(labels[0]))
    await bob.say("Join us & bring <friends>!")
    segment = joined(await bob.tap("➡️ Next: who gets it"))
    preview = joined(await bob.tap("👀 Preview"))
    await bob.tap("✅ Confirm and send")
    await deliver(app, services)

    assert "Which event?" in listing and labels[0].startswith(f"{event.id}. ") and "Milano" in labels[0]
    assert "up to 2700 characters" in asked
    assert f"🆕 not enrolled in event {event.id} yet" in segment and "👥 3 people now." in segment
    assert "📅 <b>Aprire la partita IVA</b>" in preview and "[✅ Iscriviti]" in preview
    assert "Join us &amp; bring &lt;friends&gt;!" in preview
    received = {c.params["chat_id"]: c.params for c in api.calls if "bc:stop" in str(c.params)}
    assert set(received) == {801, 803, 804}  # 802 is already enrolled
    # The coach's words are escaped once; the card's title is bold (parse mode HTML).
    assert received[801]["text"].startswith(
        "Join us &amp; bring &lt;friends&gt;!\n\n📅 <b>Aprire la partita IVA</b>\n🕒 "
    )
    assert received[801]["parse_mode"] == "HTML"
    assert "📍 Via Padova 21, Milano" in received[803]["text"]
    keys = [[b["callback_data"] for b in row] for row in received[803]["reply_markup"]["inline_keyboard"]]
    assert keys == [[f"ev:enrol:{event.id}"], ["bc:stop"]]
    enrol = Dialog(app, api, user_id=803, language_code="de")
    assert "Opening a partita IVA" in joined(await enrol.press_data(f"ev:enrol:{event.id}"))
    seat = await services.events.place_of(event.id, (await services.users.find(803)).pseudonym)  # type: ignore[union-attr]
    assert seat is not None and seat.status == "confirmed"


class Tagging:
    """A translation provider at the edge: tags the text with the target language."""

    name = "tagging"

    def __call__(self, text: str, source: str, target: str) -> str:
        return f"({target}) {text}"


async def test_machine_translation_is_used_and_marked_when_a_translator_is_set(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await audience(services)
    services.translations.provider = Tagging()
    bob = await coach(app, api, services, COACH, "IT")
    for said in ("/broadcast", "✉️ A message", "Hello all", "it: Ciao a tutti"):
        await (bob.tap(said) if said in bob.buttons() else bob.say(said))
    offer = joined(await bob.say("it: Ciao a tutti!"))
    await bob.tap("➡️ Next: who gets it")
    preview = {text.split("</b>")[0]: text for text in await bob.tap("👀 Preview")}

    assert "machine-translated, and marked as such" in offer
    german = preview["<b>🌐 Deutsch · 1 person"]
    assert "(de) Hello all\n\n🌐 Die Nachricht des Coaches wurde maschinell übersetzt." in german
    assert "Ciao a tutti!" in preview["<b>🌐 Italiano · 2 people"]  # the coach's own translation wins


async def test_people_without_the_role_are_refused_and_cancel_stops_the_conversation(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.users.set_language(PLAIN, "de")
    plain = Dialog(app, api, user_id=PLAIN, language_code="de")
    refused = joined(await plain.say("/broadcast"))
    after = joined(await plain.say("Hello everybody"))
    await plain.press_data("bcn:kind:text")
    await plain.press_data("bcc:cancelyes:1")

    assert "nur für das InterHub-Team" in refused
    assert "Write the message" not in after and "Schreiben" not in after
    bob = await coach(app, api, services, COACH, "IT")
    await bob.say("/broadcast")
    await bob.tap("✉️ A message")
    stopped = joined(await bob.say("/cancel"))
    assert "Broadcast stopped; nothing was sent." in stopped
    assert "Translations" not in joined(await bob.say("Some text"))
    async with services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(BroadcastOutbox)) == 0


async def test_a_coach_of_two_countries_picks_one_and_a_forged_country_is_refused(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await audience(services)
    ann = await coach(app, api, services, COACH, "IT", "DE")
    for said in ("/broadcast", "✉️ A message", "Hallo zusammen"):
        await (ann.tap(said) if said in ann.buttons() else ann.say(said))
    unset = joined(await ann.tap("➡️ Next: who gets it"))
    refused = joined(await ann.tap("👀 Preview"))
    await ann.tap("🌍 Country")
    countries = list(ann.buttons())
    ann.alerts = []
    await ann.press_data("bcn:set:country:HU")
    anywhere = joined(await ann.press_data("bcn:set:country:any"))  # forged: she must name a country
    germany = joined(await ann.press_data("bcn:set:country:DE"))
    await ann.tap("📅 Event")
    none_yet = joined(await ann.press_data("bcn:seg:event"))

    assert "Please choose a country you coach first." in unset and "people now" not in unset
    assert "Please choose a country you coach first." in refused and "Confirm" not in str(ann.buttons())
    assert countries == ["🇮🇹 Italy", "🇩🇪 Germany"]  # no "Anyone": a country coach names a country
    assert [alert for alert in ann.alerts if alert] == [REFUSED]  # Hungary is not hers
    assert "Please choose a country you coach first." in anywhere
    assert "🇩🇪 Germany" in germany and "👥 1 person now." in germany
    assert "No event in your countries yet." in none_yet


async def test_a_restart_in_the_middle_resumes_the_conversation(
    settings: Settings, services: Services, api: LocalBotApi
) -> None:
    await audience(services)
    first = build_application(settings, services, request=api, rate_limit=False)
    async with first:
        await prepare(first)
        bob = await coach(first, api, services, COACH, "IT")
        await bob.say("/broadcast")
        await bob.tap("✉️ A message")
        await bob.say("Written before the restart")
    second = build_application(settings, services, request=api, rate_limit=False)
    async with second:
        await prepare(second)
        again = Dialog(second, api, user_id=COACH)
        segment = joined(await again.tap("➡️ Next: who gets it"))
        preview = joined(await again.tap("👀 Preview"))

    assert "👥 4 people now." in segment
    assert "Written before the restart" in preview and "4 people will get it" in preview
