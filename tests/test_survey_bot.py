"""Questionnaires in the chat, as transcripts: every type, wrong input, skip and back, show_if, /cancel,
resume, the repeat start, forged buttons, and the entry points (/feedback, menu, deep link)."""

from __future__ import annotations

from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services
from tests.dialog import Dialog, joined
from tests.survey_helpers import with_demo
from tests.test_events import draft

EXPIRED = "This button is no longer valid. Please use /menu."


async def _person(app: InterHubApp, api: LocalBotApi, user_id: int, *, consent: bool = True) -> Dialog:
    person = Dialog(app, api, user_id=user_id)
    await person.say("/start")
    await person.tap("✅ English")
    if consent:
        await person.tap("✅ I agree")
        await person.tap("🔔 Yes, invite me")
        await person.tap("🇮🇹 Italy")
        await person.tap("Food")
    else:
        await person.tap("Continue without a profile")
    return person


async def _records(services: Services) -> list[dict[str, object]]:
    return [r.answers for r in await services.surveys.records("demo", 1)]


async def test_every_type_with_wrong_input_show_if_multi_and_skip(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 301)

    first = joined(await person.say("/start survey_demo"))
    assert "Demo survey" in first and "A demo." in first and "1/6" in first and "1 = Bad · 5 = Good" in first
    assert "Rate it" in joined(await person.say("great"))  # text on a button question: hint, asked again
    second = joined(await person.tap("4"))
    assert "2/6" in second and "Recommend it?" in second and "0 = Bad · 10 = Good" in second
    assert "outside the allowed range" in joined(await person.say("11"))
    assert "Please send a number" in joined(await person.say("lots"))
    third = joined(await person.say("9"))
    assert "3/6" in third and "Which kind?" in third
    why = joined(await person.tap("Beta"))
    assert "Why beta?" in why and "4/7" in why  # show_if: shown for beta
    assert "too long" in joined(await person.say("x" * 51))
    tools = joined(await person.say("Because it is faster"))
    assert "Which tools?" in tools and "5/7" in tools
    await person.tap("▫️ Tool X")
    await person.tap("▫️ Tool Z")
    await person.tap("☑️ Tool X")  # unselect
    assert set(person.buttons()) >= {"▫️ Tool X", "▫️ Tool Y", "☑️ Tool Z", "✅ Done"}
    staff = joined(await person.tap("✅ Done"))
    assert "How many staff?" in staff and "from 0 to 500" in staff
    assert "Please send a number" in joined(await person.say("12,5"))  # whole numbers only
    assert "outside the allowed range" in joined(await person.say("501"))
    note = joined(await person.say("12"))
    assert "Anything else?" in note and "Free words" in note and "(optional)" in note
    done = joined(await person.tap("⏭ Skip"))

    assert "Thank you! Your answers are saved" in done
    assert await _records(services) == [
        {
            "rate": 4,
            "score": 9,
            "kind": "beta",
            "why": "Because it is faster",
            "tools": ["z"],
            "staff": 12,
            "note": None,
        }
    ]


async def test_show_if_hides_the_follow_up_and_back_goes_to_the_previous_question(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 302)
    await person.say("/start survey_demo")
    await person.tap("2")
    back = joined(await person.tap("⬅️ Back"))
    assert "Rate it" in back and "1/6" in back
    await person.tap("5")  # answered again: overwritten
    await person.tap("10")
    tools = joined(await person.tap("Alpha"))
    assert "Which tools?" in tools and "4/6" in tools  # "Why beta?" is not shown for alpha
    await person.tap("✅ Done")  # nothing selected on an optional multi: skipped
    await person.tap("⏭ Skip")
    await person.tap("⏭ Skip")

    assert await _records(services) == [
        {"rate": 5, "score": 10, "kind": "alpha", "tools": None, "staff": None, "note": None}
    ]


async def test_cancel_keeps_the_answers_and_a_new_start_offers_to_continue(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 303)
    await person.say("/start survey_demo")
    await person.tap("3")
    old_buttons = person.buttons()
    stopped = joined(await person.say("/cancel"))
    assert "Stopped. Your answers are kept" in stopped
    assert "What would you like to do" in joined(await person.say("hello"))  # text is no longer an answer

    offer = joined(await person.say("/start survey_demo"))
    assert "stopped at question 2 of 6" in offer
    resumed = joined(await person.tap("▶️ Continue"))
    assert "Recommend it?" in resumed and "2/6" in resumed
    assert (await _records(services))[0] == {"rate": 3}
    await person.press_data(old_buttons["7"])  # the question open again after Continue: still valid
    again = joined(await person.say("/start survey_demo"))
    assert "stopped at question 3 of 6" in again
    assert (await _records(services))[0] == {"rate": 3, "score": 7}


async def test_a_stale_button_shows_the_open_question_never_an_answered_one(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 304)
    await person.say("/start survey_demo")
    rate_buttons = person.buttons()
    await person.tap("4")

    replayed = joined(await person.press_data(rate_buttons["1"]))

    assert EXPIRED in person.alerts
    assert "Recommend it?" in replayed and "Rate it" not in replayed
    assert (await _records(services))[0] == {"rate": 4}


async def test_three_misses_offer_skip_or_stop_never_a_loop(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 305)
    await person.say("/start survey_demo")
    await person.tap("4")
    await person.say("9")
    assert "Please choose one of the buttons" in joined(await person.say("alpha please"))
    await person.say("still typing")
    offer = joined(await person.say("and again"))

    assert "does not work for you" in offer
    offered = person.buttons()
    assert set(offered) == {"⏸ Stop for now"}  # "Which kind?" is required: no skip
    assert "What would you like to do" in joined(await person.say("more text"))  # no longer an answer
    assert "Stopped" in joined(await person.press_data(offered["⏸ Stop for now"]))
    assert "stopped at question 3 of 6" in joined(await person.say("/start survey_demo"))


async def test_one_submission_per_person_and_version(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 306)
    await person.say("/start survey_demo")
    for label in ("1", "0", "Alpha", "✅ Done", "⏭ Skip", "⏭ Skip"):
        await person.tap(label)

    repeat = joined(await person.say("/start survey_demo"))

    assert "already answered this questionnaire" in repeat
    assert len(await services.surveys.records("demo", 1)) == 1


async def test_without_consent_free_text_questions_are_not_asked(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 307, consent=False)

    first = joined(await person.say("/start survey_demo"))
    await person.tap("3")
    await person.tap("8")
    after_beta = joined(await person.tap("Beta"))

    assert "1/5" in first  # "why" and "note" are free text
    assert "Which tools?" in after_beta


async def test_forged_and_foreign_buttons_get_a_polite_alert(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    owner = await _person(app, api, 308)
    await owner.say("/start survey_demo")
    data = owner.buttons()["5"]
    rid = data.split(":")[2]
    stranger = await _person(app, api, 309)
    owner.alerts.clear()
    stranger.alerts.clear()

    await stranger.press_data(data)
    await stranger.press_data("sv:a:99999:rate:3")
    await owner.press_data(f"sv:a:{rid}:rate:9")  # outside 1–5
    await owner.press_data(f"sv:s:{rid}:rate")  # a required question
    await owner.press_data("sv:go:nosuchsurvey")

    assert stranger.alerts == [EXPIRED, EXPIRED]
    assert owner.alerts == ["That number is outside the allowed range.", EXPIRED, ""]
    assert "not valid any more" in api.calls[-1].params["text"]
    assert await _records(services) == [{}]


async def test_feedback_command_menu_and_deep_link_open_the_evaluation(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    person = await _person(app, api, 310)

    by_command = joined(await person.say("/feedback"))
    await person.say("/menu")
    by_menu = joined(await person.tap("⭐ Feedback"))
    by_link = joined(await person.say("/start survey_evaluation"))

    assert "InterHub evaluation" in by_command and "1/25" in by_command
    assert "How useful is InterHub for your business?" in by_command
    assert "stopped at question 1 of 25" in by_menu and "stopped at question 1 of 25" in by_link


async def test_the_event_form_from_the_day_after_message_for_attendees_only(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    event = await services.events.add(draft(capacity=None))
    came = await _person(app, api, 311)
    away = await _person(app, api, 312)
    for person in (came, away):
        await person.press_data(f"ev:enrol:{event.id}")
    await services.events.set_attendance(event.id, [came_pseudonym := await _pseudonym(services, 311)])

    refused = joined(await away.press_data(f"sv:go:event:{event.id}"))
    form = joined(await came.press_data(f"sv:go:event:{event.id}"))
    await came.tap("5")
    await came.tap("4")
    await came.tap("Maybe")
    done = joined(await came.say("Great speaker, more time for questions please"))
    again = joined(await came.press_data(f"sv:go:event:{event.id}"))

    assert "for the people who came to that event" in refused
    assert "Event feedback" in form and "1/4" in form and "Overall, how would you rate the event?" in form
    assert "Thank you! Your answers are saved" in done
    assert "already answered" in again
    [record] = await services.surveys.records("event", 1)
    assert record.event_id == event.id and record.answers["again"] == "maybe"
    assert await services.surveys.find(came_pseudonym, "event", event.id) is not None


async def _pseudonym(services: Services, telegram_id: int) -> str:
    profile = await services.users.find(telegram_id)
    assert profile is not None
    return profile.pseudonym


async def test_an_invitation_comes_after_three_answers_and_not_again(
    answering_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    person = await _person(answering_app, api, 313)
    question = "if i make more than 100k in one year what happens to my flat tax"
    first = [joined(await person.say(question)) for _ in range(2)]
    third = joined(await person.say(question))
    invitation_buttons = person.buttons()
    fourth = joined(await person.say(question))

    assert not any("short anonymous questionnaire" in reply for reply in first)
    assert "short anonymous questionnaire" in third
    assert "short anonymous questionnaire" not in fourth  # at most once per 30 days
    started = joined(await person.press_data(invitation_buttons["📝 Yes, I will help"]))
    assert "InterHub evaluation" in started and "1/25" in started


async def test_after_three_misses_an_optional_question_can_be_skipped(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    with_demo(services)
    person = await _person(app, api, 314)
    await person.say("/start survey_demo")
    for label in ("4", "9", "Alpha", "✅ Done"):
        await person.tap(label)
    for typed in ("many", "lots", "a few"):
        offer = joined(await person.say(typed))

    assert "does not work for you" in offer
    skipped = joined(await person.tap("⏭ Skip this question"))
    assert "Anything else?" in skipped
    assert (await _records(services))[0]["staff"] is None
