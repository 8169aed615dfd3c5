"""A coach runs /broadcast in Telegram over real HTTP against the fake Bot API; the bot's own broadcast lane
delivers it, the jobs worker edits the coach's progress message and sends the final report."""

from __future__ import annotations

from collections import Counter

from telegram import Update

from bot.app import build_application, prepare
from core.services import Services
from core.settings import Settings
from tests.e2e.test_broadcasts_e2e import daytime_offset, received, shifted
from tests.fake_bot_api import FakeBotApi
from tests.test_broadcasts import person

COACH, COACHES = 910, -100910


async def test_a_coach_broadcasts_from_telegram_and_the_recipients_get_it_in_their_language(
    bot_settings: Settings, fake_api: FakeBotApi, services: Services
) -> None:
    for chat, lang, country in ((901, "it", "IT"), (902, "en", "IT"), (903, "de", "IT"), (904, "it", "DE")):
        await person(services, chat, lang=lang, country=country)
    await person(services, 905, lang="it")
    await services.broadcasts.set_invitations(905, False)
    await services.roles.grant(COACH, "coach", frozenset({"IT"}))
    await services.users.set_language(COACH, "en")
    await services.users.decline_consent(COACH)

    own = Services.from_url(bot_settings.database_url, coach_chat_id=COACHES)
    app = build_application(bot_settings, own, run_worker=True)
    assert app.background is not None and app.background.broadcasts is not None
    app.background.broadcasts.sender.clock = shifted(daytime_offset())  # type: ignore[assignment]
    app.background.broadcasts.poll = 0.1
    app.background.worker.poll_interval = 0.2
    try:
        async with app:
            await prepare(app)
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
            await app.start()
            try:
                for action in (
                    "/broadcast",
                    "button:bcn:kind:text",
                    "Workshop on prices & costs <Q1>, Friday 18:00",
                    "it: Laboratorio sui prezzi, venerdì 18:00",
                    "button:bcn:next",
                    "button:bcn:seg:preview",
                ):
                    await fake_api.step(COACH, action)
                await fake_api.wait_for(lambda api: "👀 Preview:" in api.texts(COACH)[-1])
                preview = fake_api.texts(COACH)[-4:]
                await fake_api.step(COACH, "button:bcn:confirm")
                started = fake_api.texts(COACH)[-1]
                await fake_api.wait_for(lambda api: len(received(api)) == 3, timeout=30)
                await fake_api.wait_for(lambda api: "🏁" in api.texts(COACH)[-1], timeout=30)
            finally:
                await app.updater.stop()
                await app.stop()
                await app.background.stop()  # post_stop runs only under run_polling
    finally:
        await own.db.dispose()

    assert "👀 Preview: 3 people will get it, in 3 languages." in preview[-1]
    assert any("Laboratorio sui prezzi" in text for text in preview)
    assert "📣 Broadcast 1: sending" in started
    assert received(fake_api) == Counter({901: 1, 902: 1, 903: 1})  # not Germany, not the one who said no
    assert fake_api.texts(901)[-1] == "Laboratorio sui prezzi, venerdì 18:00"
    # No German translation: as written, escaped once for parse mode HTML (the fake API rejects a bare "<").
    assert fake_api.texts(903)[-1] == "Workshop on prices &amp; costs &lt;Q1&gt;, Friday 18:00"
    edits = fake_api.sent(COACH, "editMessageText")
    assert (
        edits
        and "📣 Broadcast 1: done" in edits[-1].params["text"]
        and "✅ sent 3" in edits[-1].params["text"]
    )
    assert "reply_markup" not in edits[-1].params or not edits[-1].params["reply_markup"]["inline_keyboard"]
    assert "delivered: 3 of 3" in fake_api.texts(COACH)[-1]
    staff = [c for c in fake_api.calls if c.method == "setMyCommands" and c.params.get("scope")]
    assert [c.params["scope"]["chat_id"] for c in staff] == [COACHES]
    assert "broadcast" in [command["command"] for command in staff[0].params["commands"]]
    assert "broadcast" not in [command["command"] for command in fake_api.commands["en"]]
