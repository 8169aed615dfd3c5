"""Events in Telegram, as transcripts: enrolment by button and by a deep link for someone new, the coach's
/newevent conversation, forged buttons, and the refusal for people without the role."""

from __future__ import annotations

from datetime import timedelta

import icalendar

from actions.events import EventDraft
from actions.models import utcnow
from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services
from tests.dialog import Dialog, joined
from tests.test_events import draft

EXPIRED = "This button is no longer valid. Please use /menu."


async def _onboarded(app: InterHubApp, api: LocalBotApi, user_id: int) -> Dialog:
    person = Dialog(app, api, user_id=user_id)
    await person.say("/start")
    await person.tap("✅ English")
    await person.tap("✅ I agree")
    await person.tap("🔔 Yes, invite me")
    await person.tap("🇮🇹 Italy")
    await person.tap("Food")
    return person


async def test_enrol_by_button_then_calendar_share_and_cant_come(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft(capacity=1))
    await services.events.enrol(event.id, "u_00000000000000aa")  # the only seat is taken
    person = await _onboarded(app, api, 101)

    listing = joined(await person.say("/events"))
    card = joined(await person.tap(person.buttons() and next(iter(person.buttons()))))
    enrolled = joined(await person.tap("✅ Enrol"))

    assert "Upcoming events" in listing
    assert "Opening a partita IVA" in card and "Via Padova 21, Milano" in card and "(Europe/Rome)" in card
    assert "Full: you can join the waiting list" in card
    assert "You are number 1 on the waiting list" in enrolled
    calendar_calls = len([c for c in api.calls if c.method == "sendDocument"])
    await person.tap("🗓 Add to calendar")
    documents = [c for c in api.calls if c.method == "sendDocument"]
    assert len(documents) == calendar_calls + 1
    await person.press_data(f"ev:share:{event.id}")
    assert f"https://t.me/InterHubBot?start=event_{event.id}" in api.calls[-1].params["text"]
    mine = joined(await person.say("/myevents"))
    assert "Opening a partita IVA" in mine and "waiting list, number 1" in mine
    dropped = joined(await person.press_data(f"ev:drop:{event.id}"))
    assert "your place for <b>Opening a partita IVA</b> is cancelled" in dropped
    assert "not enrolled in any upcoming event" in joined(await person.say("/myevents"))


async def test_the_ics_sent_in_the_chat_parses(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft())
    person = await _onboarded(app, api, 102)
    await person.press_data(f"ev:ics:{event.id}")
    document = next(c for c in reversed(api.calls) if c.method == "sendDocument")
    name, raw = next(iter(document.files.values()))
    parsed = icalendar.Calendar.from_ical(raw)
    assert name == f"interhub-event-{event.id}.ics"
    assert str(parsed.walk("VEVENT")[0]["UID"]) == f"event-{event.id}@interhub"


async def test_a_deep_link_for_someone_new_onboards_first_then_opens_the_event(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft(capacity=None))
    person = Dialog(app, api, user_id=103)

    first = joined(await person.say(f"/start event_{event.id}"))
    await person.tap("✅ English")
    await person.tap("✅ I agree")
    await person.tap("🔔 Yes, invite me")
    await person.tap("🇮🇹 Italy")
    after = joined(await person.tap("Fashion"))
    enrolled = joined(await person.tap("✅ Enrol"))

    assert "Please choose your language" in first and "Opening a partita IVA" not in first
    assert "All set!" in after and "Opening a partita IVA" in after and "no seat limit" in after
    assert "You are enrolled in <b>Opening a partita IVA</b>" in enrolled
    profile = await services.users.find(103)
    assert profile is not None
    seat = await services.events.place_of(event.id, profile.pseudonym)
    assert seat is not None and seat.status == "confirmed" and seat.first_name == "Amira"
    assert "not valid any more" in joined(await person.say("/start event_999"))


async def test_forged_or_stale_event_buttons_get_the_polite_alert(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    hidden = await services.events.add(draft(publish=False))
    person = await _onboarded(app, api, 104)
    person.alerts = []

    for data in (
        "ev:enrol:abc",
        "ev:enrol:999999",
        f"ev:enrol:{hidden.id}",
        "ev:drop:1' or 1=1",
        "evc:pub:1",
    ):
        assert await person.press_data(data) == []
    await person.press_data(f"evc:mark:{hidden.id}:u_0000000000000001")

    assert person.alerts == [EXPIRED] * 4 + ["Sorry, this command is only for the InterHub team."] * 2
    assert (await services.events.get(hidden.id)).status == "draft"  # type: ignore[union-attr]


async def test_a_plain_user_s_newevent_is_refused_politely(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    person = await _onboarded(app, api, 105)

    refused = joined(await person.say("/newevent"))
    after = joined(await person.say("A title"))

    assert "only for the InterHub team" in refused
    assert "2/8" not in after
    assert await services.events.find_all() == []


async def test_a_coach_creates_and_publishes_an_event_step_by_step(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.roles.grant(106, "coach", frozenset({"IT"}))
    coach = await _onboarded(app, api, 106)
    start = (utcnow() + timedelta(days=9)).strftime("%Y-%m-%d")

    transcript = [
        ("/newevent", "1/8 The title"),
        ("ab", "needs 3 to 200 characters"),
        ("Pricing your designs", "2/8"),
        ("How to set prices for a small studio.", "3/8 In which country?"),
        ("Italy", "choose one of the buttons"),
    ]
    for said, expected in transcript:
        assert expected in joined(await coach.say(said)), said
    assert "4/8" in joined(await coach.tap("🇮🇹 Italy"))
    for said, expected in [
        ("Torino", "5/8"),
        ("Via Roma 10", "6/8 The start, in the venue's time (Europe/Rome)"),
        ("tomorrow evening", "future date and time"),
        (f"{start} 18:30", "7/8"),
        ("17:00", "must be after the start"),
        ("20:00", "8/8"),
        ("many", "whole number"),
        ("12", "Preview"),
    ]:
        assert expected in joined(await coach.say(said)), said
    done = joined(await coach.tap("✅ Publish"))

    events = await services.events.find_all()
    assert len(events) == 1
    event = events[0]
    assert f"Event {event.id} published" in done
    assert (event.title, event.city, event.capacity, event.status) == (
        "Pricing your designs",
        "Torino",
        12,
        "published",
    )
    assert f"{event.local_start:%Y-%m-%d %H:%M}" == f"{start} 18:30" and event.timezone == "Europe/Rome"
    assert "Nothing was saved" not in done


async def test_a_coach_can_cancel_the_conversation_and_manage_attendance(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.roles.grant(107, "coach")
    coach = await _onboarded(app, api, 107)
    await coach.say("/newevent")
    await coach.say("Something")
    stopped = joined(await coach.say("/cancel"))
    assert "nothing was saved" in stopped
    assert "2/8" not in joined(await coach.say("More text"))

    event = await services.events.add(EventDraft(**{**draft(capacity=None).__dict__}))
    guest = await services.users.touch(108)
    await services.events.enrol(event.id, guest.pseudonym, first_name="Amira")
    await coach.say("/coachevents")
    await coach.press_data(f"evc:list:{event.id}")
    assert f"{guest.pseudonym} Amira: seat confirmed" in api.calls[-1].params["text"]
    await coach.press_data(f"evc:att:{event.id}")
    await coach.tap(f"⬜ Amira ({guest.pseudonym})")
    assert (await services.events.get(event.id)).attended == 1  # type: ignore[union-attr]
    await coach.press_data(f"evc:cancel:{event.id}")
    await coach.tap("❌ Yes, cancel it")
    assert (await services.events.get(event.id)).status == "cancelled"  # type: ignore[union-attr]


async def test_a_coach_edits_time_place_and_seats_with_a_preview_and_people_are_told(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.roles.grant(110, "coach", frozenset({"IT"}))
    coach = await _onboarded(app, api, 110)
    event = await services.events.add(draft(capacity=1))
    seated, waiting = await services.users.touch(111), await services.users.touch(112)
    await services.events.enrol(event.id, seated.pseudonym, first_name="Amira")
    await services.events.enrol(event.id, waiting.pseudonym, first_name="Omar")
    day = f"{event.local_start + timedelta(days=1):%Y-%m-%d}"

    await coach.say("/coachevents")
    card = joined(await coach.tap(f"{event.id}. Opening a partita IVA"))
    menu = joined(await coach.tap("✏️ Edit"))
    steps = [
        ("Start", "The new start in the venue's time (Europe/Rome)"),
        ("yesterday", "future date and time"),
        (f"{day} 19:00", f"{day} 19:00–21:00 (Europe/Rome)"),
        ("Place", "The new address, or the online link"),
        ("ab", "Please send an address"),
        ("https://meet.example.org/pricing", "Online: https://meet.example.org/pricing"),
        ("Seats", "The new number of seats"),
        ("many", "whole number"),
        ("0", "no seat limit"),
        ("Seats", "The new number of seats"),
        ("3", "🪑 3 seats"),
        ("Sectors", "separated by commas (Fashion, Design, Food, Other)"),
        ("cars", "Please use these sectors"),
        ("Food, fashion", "🏷 For: Food, Fashion"),
    ]
    for said, expected in steps:
        answer = joined(await (coach.tap(said) if said in coach.buttons() else coach.say(said)))
        assert expected in answer, (said, answer)
    assert "2 people enrolled or waiting will be told" in answer
    saved = joined(await coach.tap("💾 Save changes"))

    assert "confirmed: 1 · waiting: 1" in card and "Editing event" in menu and "Preview" in menu
    assert f"Event {event.id} saved" in saved and "The reminders moved" in saved
    assert "1 person will be told" in saved and "1 person from the waiting list got a seat" in saved
    shown = await services.events.get(event.id)
    assert shown is not None
    assert (f"{shown.local_start:%Y-%m-%d %H:%M}", shown.online_url, shown.venue, shown.capacity) == (
        f"{day} 19:00",
        "https://meet.example.org/pricing",
        None,
        3,
    )
    assert (shown.confirmed, shown.waitlisted, shown.sectors) == (2, 0, ("food", "fashion"))
    told = [job for job in await services.jobs.list(limit=100) if job.kind == "events.changed"]
    assert [job.pseudonym for job in told] == [seated.pseudonym]
    reminders = [
        j for j in await services.jobs.list(limit=100) if j.kind == "events.reminder" and j.state == "pending"
    ]
    assert {j.due_at for j in reminders} == {
        shown.starts_at - timedelta(hours=24),
        shown.starts_at - timedelta(hours=1),
    }


async def test_editing_is_for_the_event_s_coaches_and_stray_input_is_answered(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft())
    await services.roles.grant(113, "coach", frozenset({"DE"}))
    await services.roles.grant(114, "coach", frozenset({"IT"}))
    plain, other, coach = [await _onboarded(app, api, n) for n in (115, 113, 114)]
    other.alerts, coach.alerts = [], []

    refused = joined(await plain.say(f"/editevent {event.id}"))
    await other.press_data(f"eve:open:{event.id}")
    usage = joined(await coach.say("/editevent twelve"))
    await coach.press_data("eve:open:999999")
    await coach.say(f"/editevent {event.id}")
    stray = joined(await coach.say("just text"))
    await coach.tap("Title")
    again = joined(await coach.say("ab"))
    stopped = joined(await coach.say("/cancel"))
    after = joined(await coach.say("A new title"))

    assert "only for the InterHub team" in refused
    assert other.alerts == ["Sorry, this command is only for the InterHub team."]
    assert "/editevent 12" in usage and [a for a in coach.alerts if a] == [EXPIRED]
    assert "choose one of the buttons" in stray and "3 to 200 characters" in again
    assert "nothing was changed" in stopped and "Editing event" not in after
    unchanged = await services.events.get(event.id)
    assert unchanged is not None and unchanged.title == "Opening a partita IVA"


async def test_the_coach_s_conversation_speaks_the_coach_s_language(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.roles.grant(116, "coach", frozenset({"DE"}))
    await services.users.set_language(116, "de")
    coach = Dialog(app, api, user_id=116, language_code="de")

    transcript = [
        ("/newevent", "1/8 Der Titel (3 bis 200 Zeichen)"),
        ("ab", "Bitte senden Sie ihn erneut"),
        ("Preise kalkulieren", "2/8 Eine kurze Beschreibung"),
        ("-", "3/8 In welchem Land?"),
    ]
    for said, expected in transcript:
        assert expected in joined(await coach.say(said)), said
    assert "nichts wurde gespeichert" in joined(await coach.say("/cancel"))
    await coach.say("/coachevents")
    assert "Keine anstehenden Veranstaltungen" in api.calls[-1].params["text"]


async def test_the_funnel_counts_who_saw_enrolled_and_attended_within_the_partner_s_countries(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft(capacity=None))
    seen, enrolled = await _onboarded(app, api, 120), await _onboarded(app, api, 121)
    await seen.press_data(f"ev:open:{event.id}")
    await seen.press_data(f"ev:open:{event.id}")  # twice: still one person
    await enrolled.say(f"/start event_{event.id}")
    await enrolled.tap("✅ Enrol")
    profile = await services.users.find(121)
    assert profile is not None
    await services.events.set_attendance(event.id, [profile.pseudonym])
    await services.roles.grant(122, "partner", frozenset({"DE"}))
    await services.roles.grant(123, "partner", frozenset({"IT"}))

    rows = await services.events.funnel()

    assert [(r.event_id, r.invited, r.enrolled, r.attended, r.evaluated) for r in rows] == [
        (event.id, 2, 1, 1, 0)
    ]
    assert await services.events.funnel(actor=122) == []
    assert [r.event_id for r in await services.events.funnel(actor=123)] == [event.id]


async def test_a_coach_adds_a_translation_that_people_then_read_in_their_language(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    await services.roles.grant(124, "coach", frozenset({"IT"}))
    coach = await _onboarded(app, api, 124)
    event = await services.events.add(draft(translations={"fr": {"title": "Ouvrir une partita IVA"}}))

    await coach.say(f"/editevent {event.id}")
    prompt = joined(await coach.tap("Translation"))
    steps = [
        ("xx: Nonsense", "Please write it as code: title | description"),
        ("de: ab", "Please write it as code"),
        (
            "de: Eine Partita IVA eröffnen | Pauschalregime, INPS, erste Schritte.",
            "🌐 Translations: Deutsch, Français",
        ),
    ]
    for said, expected in steps:
        assert expected in joined(await coach.say(said)), said
    await coach.tap("Translation")
    assert "🌐 Translations: Deutsch\n" in joined(await coach.say("fr:"))
    assert f"Event {event.id} saved" in joined(await coach.tap("💾 Save changes"))

    await services.users.set_language(125, "de")
    reader = Dialog(app, api, user_id=125, language_code="de")
    card = joined(await reader.press_data(f"ev:open:{event.id}"))
    assert "Codes: it, de, sl, hr, hu, ar, zh, uk, tr, es, fr." in prompt
    assert "📅 <b>Eine Partita IVA eröffnen</b>" in card and "Pauschalregime, INPS, erste Schritte." in card
    saved = await services.events.get(event.id)
    assert saved is not None and saved.translations == {
        "de": {"title": "Eine Partita IVA eröffnen", "description": "Pauschalregime, INPS, erste Schritte."}
    }
