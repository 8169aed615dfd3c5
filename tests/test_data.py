"""Services over the database: consent, export, erasure, message log, idempotency, persistence."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.models import ConversationState, MessageLog, PersistedData, User
from bot.persistence import SqlPersistence
from core.services import Services


async def count(services: Services, model: type) -> int:
    async with services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_profile_fields_need_consent(services: Services) -> None:
    await services.users.touch(7)

    with pytest.raises(PermissionError):
        await services.users.set_country(7, "IT")

    await services.users.give_consent(7)
    profile = await services.users.set_country(7, "IT")
    assert profile.country == "IT"


async def test_unknown_country_or_sector_is_rejected(services: Services) -> None:
    await services.users.give_consent(7)

    with pytest.raises(ValueError):
        await services.users.set_country(7, "FR")
    with pytest.raises(ValueError):
        await services.users.set_sector(7, "mining")


async def test_question_text_is_logged_only_under_consent(services: Services) -> None:
    await services.users.touch(1)
    await services.users.give_consent(2)

    await services.log.record(1, direction="in", language="it", text="devo aprire la partita iva")
    await services.log.record(2, direction="in", language="de", text="Gewerbe anmelden")

    async with services.db.transaction() as session:
        texts = (await session.scalars(select(MessageLog.text).order_by(MessageLog.id))).all()
    assert texts == [None, "Gewerbe anmelden"]


async def test_declining_consent_erases_profile_and_stored_texts(services: Services) -> None:
    await services.users.give_consent(3)
    await services.users.set_country(3, "HU")
    await services.log.record(3, direction="in", language="hu", text="KATA?")

    profile = await services.users.decline_consent(3)

    assert (profile.country, profile.has_consent) == (None, False)
    async with services.db.transaction() as session:
        assert (await session.scalars(select(MessageLog.text))).all() == [None]


async def test_log_uses_the_pseudonym_not_the_telegram_id(services: Services) -> None:
    profile = await services.users.give_consent(123456789)
    await services.log.record(123456789, direction="in", language="en", text="hi")

    async with services.db.transaction() as session:
        row = await session.scalar(select(MessageLog))
    assert row is not None
    assert row.pseudonym == profile.pseudonym
    assert "123456789" not in row.pseudonym


async def test_export_contains_profile_messages_and_conversation_data(services: Services) -> None:
    await services.users.give_consent(5)
    await services.users.set_sector(5, "food")
    await services.log.record(5, direction="in", language="sl", text="kako odprem s.p.?")
    await SqlPersistence(services.db).update_user_data(5, {"draft": "x"})

    data = await services.users.export(5)

    assert data["profile"]["telegram_id"] == 5
    assert data["profile"]["sector"] == "food"
    assert [m["text"] for m in data["messages"]] == ["kako odprem s.p.?"]
    assert data["conversation_data"] == {"user_data": {"draft": "x"}}


async def test_forget_deletes_everything_about_the_person_only(services: Services) -> None:
    persistence = SqlPersistence(services.db)
    for person in (10, 11):
        await services.users.give_consent(person)
        await services.log.record(person, direction="in", language="en", text="hello")
        await persistence.update_user_data(person, {"k": person})
        await persistence.update_chat_data(person, {"k": person})
        await persistence.update_conversation("onboarding", (person, person), 2)

    assert await services.users.forget(10) is True

    assert await services.users.find(10) is None
    assert await count(services, User) == 1
    assert await count(services, MessageLog) == 1
    assert await count(services, PersistedData) == 2
    assert await count(services, ConversationState) == 1
    assert (await services.users.export(10))["stored"] == "nothing"


async def test_an_update_id_is_claimed_once(services: Services) -> None:
    assert await services.ledger.claim(555) is True
    assert await services.ledger.claim(555) is False
    assert await services.ledger.claim(556) is True


async def test_persistence_round_trip(services: Services) -> None:
    writer = SqlPersistence(services.db)
    await writer.update_user_data(1, {"a": [1, 2]})
    await writer.update_chat_data(2, {"b": "c"})
    await writer.update_bot_data({"version": 3})
    await writer.update_conversation("onboarding", (2, 1), 1)
    await writer.update_conversation("onboarding", (3, 3), 2)
    await writer.update_conversation("onboarding", (3, 3), None)

    reader = SqlPersistence(services.db)
    assert await reader.get_user_data() == {1: {"a": [1, 2]}}
    assert await reader.get_chat_data() == {2: {"b": "c"}}
    assert await reader.get_bot_data() == {"version": 3}
    assert await reader.get_conversations("onboarding") == {(2, 1): 1}


async def test_refresh_reads_what_another_worker_wrote(services: Services) -> None:
    worker_a, worker_b = SqlPersistence(services.db), SqlPersistence(services.db)
    in_memory: dict[str, object] = {"stale": True}

    await worker_a.update_user_data(9, {"step": "country"})
    await worker_b.refresh_user_data(9, in_memory)

    assert in_memory == {"step": "country"}
