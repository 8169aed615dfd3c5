"""The platform: roles checked in the service layer, features declared in one place, the core's boundary,
personal data declared once, consent respected everywhere, reachability."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from actions.models import Base, User, UserRole
from actions.personal_data import PERSON_COLUMNS, PERSONAL_TABLES, STAFF_COLUMNS, STAFF_TABLES
from actions.roles import NotAllowed
from bot.app import command_list
from bot.context import InterHubApp
from bot.local_api import LocalBotApi
from core.services import Services
from core.settings import Settings
from tests.dialog import Dialog, joined

ROOT = Path(__file__).resolve().parents[1]
REFUSAL = "only for the InterHub team"

#: Every privileged command, what it does for those allowed, and who is allowed.
PRIVILEGED = {
    "/tickets": ("1 open", {"coach", "admin"}),
    "/answer T-0001 yes you can": ("T-0001: answer delivered", {"coach", "admin"}),
    "/grant 777 coach IT": ("coach, IT", {"admin"}),
    "/revoke 778 partner": ("778: partner removed", {"admin"}),
    "/staff": ("778 (", {"admin"}),
}
ROLES = (None, "partner", "coach", "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", list(PRIVILEGED))
async def test_authorisation_matrix(
    app: InterHubApp, api: LocalBotApi, services: Services, command: str, role: str | None
) -> None:
    expected, allowed = PRIVILEGED[command]
    await services.users.touch(50)
    await services.tickets.open(50, "can my cousin help?", language="en", country="IT", topic="hr")
    await services.roles.grant(778, "partner")
    if role is not None:
        await services.roles.grant(60, role)
    actor = Dialog(app, api, user_id=60)

    reply = joined(await actor.say(command))

    grants = {(g.telegram_id, g.role) for g in await services.roles.list()}
    ticket = await services.tickets.find(1)
    assert ticket is not None
    if role in allowed:
        assert REFUSAL not in reply
        assert expected in reply
    else:
        assert REFUSAL in reply
        assert ticket.status == "open"  # nothing happened
        assert (777, "coach") not in grants and (778, "partner") in grants


async def test_the_refusal_is_in_the_person_s_language(app: InterHubApp, api: LocalBotApi) -> None:
    person = Dialog(app, api, user_id=61, language_code="it")

    reply = joined(await person.say("/grant 61 admin"))

    assert "riservato al team di InterHub" in reply


async def test_a_coach_reply_in_the_coaches_chat_counts_only_from_a_coach(services: Services) -> None:
    await services.users.touch(50)
    ticket = await services.tickets.open(50, "q", language="en", country="HU", topic=None)
    with pytest.raises(NotAllowed):
        await services.tickets.answer(ticket.id, "a", by=62)
    await services.roles.grant(62, "coach", frozenset({"HU"}))
    assert (await services.tickets.answer(ticket.id, "a", by=62)).status == "answered"


async def test_roles_live_in_their_own_table_and_go_with_the_person(services: Services) -> None:
    grant = await services.roles.grant(63, "partner", frozenset({"IT", "DE"}))
    await services.roles.grant(63, "coach")

    assert grant.countries == frozenset({"IT", "DE"})
    assert [g.role for g in await services.roles.roles_of(63)] == ["coach", "partner"]
    assert (await services.users.find(63)).roles == frozenset({"user", "coach", "partner"})  # type: ignore[union-attr]
    await services.users.forget(63)
    async with services.db.transaction() as session:
        assert (await session.scalars(select(UserRole))).all() == []


def test_commands_menu_deep_links_and_intents_come_from_the_features(app: InterHubApp) -> None:
    features = app.features
    names = [c.command for c in command_list(app, "en")]

    assert names == [c.name for c in features.commands if not c.staff]
    assert "grant" not in names and "answer" not in names
    assert [e.key for e in features.menu] == [
        "legislation",
        "finance",
        "marketing",
        "hr",
        "events",
        "mentoring",
        "feedback",
        "settings",
    ]
    assert {"event", "topic", "mentoring", "feedback"} <= set(features.deep_links)
    assert {"list_events", "talk_to_human", "change_language", "privacy_forget"} <= set(features.intents)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", ["actions", "knowledge", "nlu", "core"])
def test_the_core_packages_never_import_telegram_or_the_bot(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"bot", "telegram"})
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & {"bot", "telegram"}
    }
    assert offenders == {}


def test_nothing_outside_tests_reads_the_tests_folder() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for package in ("actions", "knowledge", "nlu", "core", "bot")
        for path in (ROOT / package).rglob("*.py")
        if '"tests"' in path.read_text(encoding="utf-8") or "tests/" in path.read_text(encoding="utf-8")
    ]
    assert readers == []


def test_every_table_with_a_person_column_is_declared_for_export_and_erasure() -> None:
    declared = {table.model.__tablename__ for table in PERSONAL_TABLES}
    staff = {table.model.__tablename__ for table in STAFF_TABLES}
    columns = {table.name: set(table.columns.keys()) for table in Base.metadata.sorted_tables}
    with_person = {name for name, names in columns.items() if PERSON_COLUMNS & names}
    with_staff = {name for name, names in columns.items() if STAFF_COLUMNS & names}

    assert with_person - declared == set()
    assert with_staff - staff == set()
    assert with_staff == {"web_users", "web_sessions", "web_login_attempts"}
    assert declared & staff == set()  # staff data never goes into an entrepreneur's /mydata


async def test_without_consent_no_question_text_is_stored_anywhere(
    answering_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    person = Dialog(answering_app, api, user_id=64)
    await person.say("/start")
    await person.tap("✅ English")
    await person.tap("Continue without a profile")
    question = "zebracorn bakery permit quokka question"
    await person.say(question)
    await person.press_data("art:up:en:it-food-business-scia")

    found = []
    async with services.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                if any("zebracorn" in str(value) for value in row):
                    found.append(table.name)
        raw = await session.execute(text("select data from ptb_data"))
        found += ["ptb_data (raw)" for (data,) in raw.all() if "zebracorn" in str(data)]
    assert found == []


async def test_with_consent_the_question_is_kept_for_the_coach(
    answering_app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    person = Dialog(answering_app, api, user_id=65)
    await person.say("/start")
    await person.tap("✅ English")
    await person.tap("✅ I agree")
    await person.tap("No, thanks")
    await person.tap("🇮🇹 Italy")
    await person.tap("Food")
    await person.say("how do i register a small bakery with the asl")

    exported = await services.users.export(65)

    assert exported["conversation_data"]["user_data"]["last_question"]["text"].startswith("how do i")
    assert any(m["text"] for m in exported["messages"] if m["direction"] == "in")


def _member_update(user_id: int, old: str, new: str, update_id: int) -> dict[str, object]:
    person = {"id": user_id, "is_bot": False, "first_name": "Amira"}
    bot = {"id": 1, "is_bot": True, "first_name": "InterHub", "username": "interhub_bot"}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": "Amira"},
            "from": person,
            "date": 1_790_000_000,
            "old_chat_member": {"user": bot, "status": old, "until_date": 0},
            "new_chat_member": {"user": bot, "status": new, "until_date": 0},
        },
    }


async def test_blocking_and_unblocking_the_bot_changes_reachability(
    app: InterHubApp, api: LocalBotApi, services: Services
) -> None:
    person = Dialog(app, api, user_id=66)
    await person.say("/start")
    await person.send_update(_member_update(66, "member", "kicked", 880001))
    blocked = await services.users.find(66)
    await person.send_update(_member_update(66, "kicked", "member", 880002))
    back = await services.users.find(66)

    assert blocked is not None and blocked.reachable is False and blocked.blocked is False
    assert back is not None and back.reachable is True
    assert await services.users.telegram_id_of(back.pseudonym) == 66


async def test_a_403_when_replying_marks_the_person_unreachable(
    app: InterHubApp, api: LocalBotApi, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = Dialog(app, api, user_id=67)
    await person.say("/start")
    real = api.do_request

    async def blocked(url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("/sendMessage"):
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            return 403, json.dumps(body).encode()
        return await real(url, method, request_data, *args, **kwargs)

    monkeypatch.setattr(api, "do_request", blocked)
    await person.say("/help")

    profile = await services.users.find(67)
    assert profile is not None and profile.reachable is False
    assert await services.users.telegram_id_of(profile.pseudonym) is None


async def test_two_workers_seeing_a_new_person_at_once_create_one_user(services: Services) -> None:
    import asyncio

    other = Services.from_url(services.db.url)
    try:
        first, second = await asyncio.gather(services.users.touch(68), other.users.touch(68))
    finally:
        await other.db.dispose()

    assert first.pseudonym == second.pseudonym
    async with services.db.transaction() as session:
        assert len((await session.scalars(select(User).where(User.telegram_id == 68))).all()) == 1


async def test_the_bot_runs_the_worker_in_its_own_process_unless_told_not_to(
    settings: Settings, services: Services, api: LocalBotApi
) -> None:
    from bot.app import build_application, prepare, shutdown

    with_worker = build_application(settings, services, request=api, rate_limit=False, run_worker=True)
    without = build_application(settings, services, request=api, rate_limit=False)
    async with with_worker:
        await prepare(with_worker)
        assert with_worker.background is not None
        task = with_worker.background._task
        assert task is not None and not task.done()
        await shutdown(with_worker)
        assert task.done()

    assert without.background is None
    assert [job.kind for job in await services.jobs.list(state="pending")] == ["privacy.retention"]
