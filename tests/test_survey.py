"""Questionnaires as data and as services: validation, versions, invitations, /mydata and /forget, the
day-after-event form, and the report and export on known answers (CUQ and NPS computed by hand)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, update

from actions.event_jobs import EVENT_JOB_HANDLERS
from actions.migrate import upgrade
from actions.models import ConversationState, Job, SurveyAnswer, SurveyResponse, utcnow
from actions.retention import purge
from actions.roles import NotAllowed
from actions.surveys.definitions import (
    DefinitionError,
    Definitions,
    load_definitions,
    parse_definition,
    shipped,
)
from actions.surveys.report import build_report, cuq_score, export_rows, nps_score
from actions.surveys.responses import SurveyError
from actions.worker import JobContext, Worker
from core.notify import Button, Delivery
from core.services import Services
from tests.survey_helpers import answer_all, demo_yaml, texts, with_demo
from tests.test_events import draft

ROOT = Path(__file__).resolve().parents[1]
CUQ = [f"cuq{n}" for n in range(1, 17)]


def _broken(change: Any) -> str:
    raw = yaml.safe_load(demo_yaml())
    change(raw)
    return yaml.safe_dump(raw, allow_unicode=True)


def test_the_shipped_questionnaires_are_valid_in_every_language() -> None:
    definitions = load_definitions()
    evaluation, event = definitions.get("evaluation"), definitions.get("event")
    assert evaluation is not None and event is not None
    assert len(evaluation.questions) == 25 and evaluation.cuq == tuple(CUQ) and evaluation.nps == "recommend"
    assert [q.type for q in event.questions] == ["likert5", "likert5", "single", "text"]
    assert event.per_event and not evaluation.per_event
    types = {q.type for q in evaluation.questions}
    assert types == {"likert5", "nps", "multi", "text"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["questions"][0]["text"].pop("ar"), "missing languages ar"),
        (lambda raw: raw["questions"][0].update(type="slider"), "type must be one of"),
        (lambda raw: raw["questions"][1].update(id="rate"), "id used twice"),
        (lambda raw: raw["questions"][2]["choices"][1].update(id="alpha"), "id 'alpha' used twice"),
        (lambda raw: raw["questions"][0].update(show_if={"question": "kind", "in": ["beta"]}), "earlier"),
        (lambda raw: raw["questions"][3].update(show_if={"question": "kind", "in": ["gamma"]}), "choices"),
        (lambda raw: raw["questions"][5].pop("max"), "bounds"),
        (lambda raw: raw["questions"][0].pop("low"), "labelled ends"),
        (lambda raw: raw["questions"][6].update(max_length=5000), "max_length"),
        (lambda raw: raw.update(scores={"nps": "rate"}), "scores.nps"),
        (lambda raw: raw["questions"][6].update(id="country"), "reserved"),
        (lambda raw: raw["questions"][0].update(requird=True), "unknown keys requird"),
        (lambda raw: raw.update(titel=raw["title"]), "unknown keys titel"),
        (
            lambda raw: (
                raw["questions"][4].update(id="t" * 30),
                raw["questions"][4]["choices"][0].update(id="c" * 30),
            ),
            "too long for a button",
        ),
    ],
)
def test_a_broken_questionnaire_is_refused_with_the_place_named(change: Any, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        parse_definition(_broken(change), "demo.v1.yml")


def test_the_file_name_must_match_name_and_version(tmp_path: Path) -> None:
    (tmp_path / "demo.v2.yml").write_text(demo_yaml(version=1), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"name the file demo\.v1\.yml"):
        load_definitions(tmp_path)


def test_survey_check_command_validates_the_files(tmp_path: Path) -> None:
    result = _interhub(tmp_path, "survey", "check")
    assert result.returncode == 0, result.stderr
    assert "ok  evaluation v1: 25 questions" in result.stdout


async def test_a_new_version_never_mixes_answers_with_the_old_one(services: Services) -> None:
    with_demo(services)
    values = {"rate": 4, "score": 9, "kind": "alpha"}
    await answer_all(services, "u_a", "demo", values)
    v2 = parse_definition(demo_yaml(version=2), "demo.v2.yml")
    services.surveys.definitions = Definitions([*services.surveys.definitions.all(), v2])

    assert await services.surveys.find("u_a", "demo") is None  # v2 not answered yet
    await answer_all(services, "u_a", "demo", {"rate": 2, "score": 3, "kind": "beta"})

    assert [r.answers["rate"] for r in await services.surveys.records("demo", 1)] == [4]
    assert [r.answers["rate"] for r in await services.surveys.records("demo", 2)] == [2]
    found = await services.surveys.find("u_a", "demo")
    assert found is not None and found.submitted and found.definition.version == 2


async def test_invitation_after_several_answers_at_most_once_per_30_days(services: Services) -> None:
    profile = await services.users.touch(501)
    me = profile.pseudonym
    for n in range(3):
        assert await services.surveys.should_invite(me, "evaluation") is (n >= 3)
        await services.log.record(501, direction="in", language="en", answered=True)
    assert await services.surveys.should_invite(me, "evaluation")

    await services.surveys.mark_invited(me, "evaluation")
    assert not await services.surveys.should_invite(me, "evaluation")
    assert not await services.surveys.should_invite(me, "evaluation", now=utcnow() + timedelta(days=29))
    assert await services.surveys.should_invite(me, "evaluation", now=utcnow() + timedelta(days=31))

    async with services.db.transaction() as session:  # in the middle of another conversation: never
        session.add(ConversationState(name="newevent", key="[501, 501]", user_id=501, state={"value": 1}))
    assert not await services.surveys.should_invite(me, "evaluation", now=utcnow() + timedelta(days=31))


async def test_mydata_exports_and_forget_erases_the_questionnaire_tables(services: Services) -> None:
    profile = await services.users.give_consent(502)
    await answer_all(
        services, profile.pseudonym, "event", {"overall": 5, "usefulness": 4, "again": "yes"}, event_id=7
    )
    await services.surveys.mark_invited(profile.pseudonym, "evaluation")

    exported = await services.users.export(502)
    assert exported["questionnaire_responses"][0]["survey"] == "event"
    assert exported["questionnaire_responses"][0]["event_id"] == 7
    assert {a["question"]: a["value"]["value"] for a in exported["questionnaire_answers"]} == {
        "overall": 5,
        "usefulness": 4,
        "again": "yes",
    }  # no "comments": the free-text question is asked only under consent given at the start
    assert exported["questionnaire_invitations"][0]["survey"] == "evaluation"

    assert await services.users.forget(502)
    async with services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
        assert await session.scalar(select(func.count()).select_from(SurveyAnswer)) == 0


class ButtonNotifier:
    """Records texts and buttons that would reach people."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, list[list[Button]] | None]] = []

    async def send_text(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None
    ) -> Delivery:
        self.sent.append((pseudonym, text, buttons))
        return Delivery.SENT

    async def send_document(
        self, pseudonym: str, filename: str, content: bytes, caption: str | None = None
    ) -> Delivery:
        return Delivery.SENT


async def test_the_day_after_an_event_attendees_get_the_event_form(services: Services) -> None:
    event = await services.events.add(draft(capacity=None))
    came, absent, answered = "u_00000000000000c1", "u_00000000000000c2", "u_00000000000000c3"
    for pseudonym in (came, absent, answered):
        await services.events.enrol(event.id, pseudonym)
    await services.events.set_attendance(event.id, [came, answered])
    await answer_all(
        services, answered, "event", {"overall": 4, "usefulness": 4, "again": "maybe"}, event_id=event.id
    )
    async with services.db.transaction() as session:
        await session.execute(update(Job).where(Job.state == "pending").values(due_at=utcnow()))
    notifier = ButtonNotifier()
    worker = Worker(services.jobs, EVENT_JOB_HANDLERS, JobContext(services, notifier), name="w")
    while await worker.run_once():
        pass

    feedback = [(p, text, buttons) for p, text, buttons in notifier.sent if "Thank you for coming" in text]
    assert [p for p, _, _ in feedback] == [came]
    assert "Opening a partita IVA" in feedback[0][1]
    assert feedback[0][2] == [[Button("📝 Give feedback", f"sv:go:event:{event.id}")]]


def _evaluation_answers(odd: int, even: int, nps: int, **more: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"usefulness": 4, "understandable": 5, "recommend": nps}
    values |= {item: odd if n % 2 == 1 else even for n, item in enumerate(CUQ, start=1)}
    return values | more


async def _known_answers(services: Services) -> None:
    await answer_all(
        services, "u_r1", "evaluation", _evaluation_answers(5, 1, 10, features=["questions", "coach"])
    )
    await answer_all(services, "u_r2", "evaluation", _evaluation_answers(4, 2, 9, relevance_finance=2))
    await answer_all(
        services, "u_r3", "evaluation", _evaluation_answers(3, 3, 7, usefulness=2), language="ar"
    )
    await answer_all(
        services,
        "u_r4",
        "evaluation",
        _evaluation_answers(2, 4, 3, missing="Mehr über Steuern"),
        free_text=True,
    )
    partial = await services.surveys.begin("u_r5", "evaluation", language="it", country="IT", sector="food")
    await services.surveys.answer(partial.response_id, "u_r5", "usefulness", 1)
    await services.surveys.skip(partial.response_id, "u_r5", "relevance_legislation")


def test_cuq_and_nps_formulas_by_hand() -> None:
    assert cuq_score([5, 1] * 8) == 100.0  # ((40 − 8) + (40 − 8)) × 100/64
    assert cuq_score([4, 2] * 8) == 75.0  # ((32 − 8) + (40 − 16)) × 100/64 = 48 × 100/64
    assert cuq_score([3, 3] * 8) == 50.0
    assert cuq_score([1, 5] * 8) == 0.0
    assert nps_score([10, 9, 7, 3]) == 25.0  # 2 promoters, 1 detractor of 4
    with pytest.raises(ValueError):
        cuq_score([5] * 15)


async def test_report_on_known_answers(services: Services) -> None:
    await _known_answers(services)
    definition = shipped().get("evaluation")
    assert definition is not None

    report = build_report(definition, await services.surveys.records("evaluation", 1))

    assert report["responses"] == {"started": 5, "completed": 4, "completion_rate": 0.8}
    assert report["nps"] == {"responses": 4, "score": 25.0}
    # CUQ: 100, 75, 50 and 25 ((16 − 8) + (40 − 32) = 16 → 25): mean 62.5
    assert report["cuq"]["responses"] == 4 and report["cuq"]["mean"] == 62.5
    questions = {q["id"]: q for q in report["questions"]}
    assert questions["usefulness"]["distribution"] == {"1": 1, "2": 1, "3": 0, "4": 3, "5": 0}
    assert questions["usefulness"]["mean"] == 3.0  # (4 + 4 + 2 + 4 + 1) / 5
    assert (
        questions["relevance_legislation"]["skipped"] == 5
        and questions["relevance_legislation"]["answered"] == 0
    )
    assert questions["relevance_legislation"]["drop_off"] == 0
    assert questions["relevance_finance"]["drop_off"] == 1  # the partial response stopped there
    assert questions["recommend"]["distribution"]["10"] == 1 and questions["recommend"]["mean"] == 7.25
    assert questions["features"]["counts"] == {
        "questions": 1,
        "topics": 0,
        "coach": 1,
        "events": 0,
        "languages": 0,
    }
    assert questions["missing"]["answered"] == 1 and "Mehr" not in json.dumps(report)  # aggregates only


async def test_export_rows_carry_ids_english_labels_and_context(services: Services) -> None:
    await _known_answers(services)
    definition = shipped().get("evaluation")
    assert definition is not None

    rows = export_rows(definition, await services.surveys.records("evaluation", 1))

    assert [row["status"] for row in rows] == ["submitted"] * 4 + ["partial"]
    assert (
        rows[0]["features"] == "questions;coach"
        and rows[0]["features_label"] == "Answers to my questions;Ask a coach"
    )
    assert rows[2]["language"] == "ar" and rows[3]["missing"] == "Mehr über Steuern"
    assert (rows[4]["language"], rows[4]["country"], rows[4]["sector"]) == ("it", "IT", "food")
    assert rows[4]["usefulness"] == "1" and rows[4]["cuq1"] == ""
    assert "pseudonym" not in rows[0] and "u_r1" not in json.dumps(rows)


def _interhub(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_list_export_and_report_commands(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/s.db"
    upgrade(url)

    async def seed() -> None:
        services = Services.from_url(url)
        try:
            await _known_answers(services)
        finally:
            await services.db.dispose()

    asyncio.run(seed())

    listed = json.loads(_interhub(tmp_path, "survey", "list", "--json").stdout)
    exported = _interhub(tmp_path, "survey", "export", "evaluation", "--format", "csv")
    as_json = json.loads(_interhub(tmp_path, "survey", "export", "evaluation", "--format", "json").stdout)
    report = json.loads(_interhub(tmp_path, "survey", "report", "evaluation", "--json").stdout)
    unknown = _interhub(tmp_path, "survey", "report", "nosuch", "--json")

    assert {(s["name"], s["started"], s["completed"]) for s in listed} == {
        ("evaluation", 5, 4),
        ("event", 0, 0),
    }
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert (
        len(rows) == 5 and rows[0]["cuq1"] == "5" and rows[0]["cuq2"] == "1" and rows[1]["recommend"] == "9"
    )
    assert list(rows[0])[:8] == [
        "response",
        "status",
        "language",
        "country",
        "sector",
        "event_id",
        "started_at",
        "submitted_at",
    ]
    assert len(as_json) == 5 and as_json[3]["missing"] == "Mehr über Steuern"
    assert report["cuq"]["mean"] == 62.5 and report["nps"]["score"] == 25.0
    assert unknown.returncode == 2 and "no questionnaire 'nosuch'" in unknown.stderr


def test_texts_helper_covers_every_language() -> None:
    assert len(texts("x")) == 12


async def test_withdrawing_consent_deletes_free_text_answers_and_context(services: Services) -> None:
    profile = await services.users.give_consent(503)
    me = profile.pseudonym
    await answer_all(
        services,
        me,
        "event",
        {"overall": 5, "usefulness": 5, "again": "yes", "comments": "Ahmed's stand was great"},
        event_id=3,
        free_text=True,
        country="IT",
        sector="food",
    )
    started = await services.surveys.begin(me, "event", language="en", event_id=4, free_text=True)
    for qid, value in (("overall", 3), ("usefulness", 3), ("again", "no")):
        started = await services.surveys.answer(started.response_id, me, qid, value)
    assert started.question is not None and started.question.id == "comments"

    await services.users.decline_consent(503)

    [done, open_one] = await services.surveys.records("event", 1)
    assert done.answers == {"overall": 5, "usefulness": 5, "again": "yes"}
    assert (done.country, done.sector) == (None, None)
    assert open_one.status == "submitted"  # only the free-text question was left: nothing more to ask


async def test_partners_see_aggregates_of_their_countries_and_only_admins_export(services: Services) -> None:
    await _known_answers(services)  # only the partial response has a country (IT)
    await services.roles.grant(801, "partner", frozenset({"IT"}))
    await services.roles.grant(802, "partner", frozenset({"DE"}))
    await services.roles.grant(803, "admin")
    await services.users.touch(804)

    italy = await services.surveys.report("evaluation", actor=801)
    germany = await services.surveys.report("evaluation", actor=802)
    everything = await services.surveys.report("evaluation", actor=803)

    assert italy["responses"] == {"started": 1, "completed": 0, "completion_rate": 0.0}
    assert germany["responses"]["started"] == 0 and germany["cuq"]["mean"] is None
    assert everything["responses"]["started"] == 5
    with pytest.raises(NotAllowed):
        await services.surveys.report("evaluation", actor=804)
    with pytest.raises(NotAllowed):
        await services.surveys.export("evaluation", actor=801)
    assert len(await services.surveys.export("evaluation", actor=803)) == 5
    with pytest.raises(SurveyError):
        await services.surveys.report("nosuch")


async def test_retention_blanks_free_text_answers_after_12_months(services: Services) -> None:
    for pseudonym, event_id in (("u_old", 1), ("u_new", 2)):
        await answer_all(
            services,
            pseudonym,
            "event",
            {"overall": 4, "usefulness": 4, "again": "yes", "comments": f"text of {pseudonym}"},
            event_id=event_id,
            free_text=True,
        )
    async with services.db.transaction() as session:
        old_ids = select(SurveyResponse.id).where(SurveyResponse.pseudonym == "u_old")
        await session.execute(
            update(SurveyAnswer)
            .where(SurveyAnswer.response_id.in_(old_ids))
            .values(answered_at=utcnow() - timedelta(days=400))
        )

    preview = await purge(services.db, dry_run=True)
    counts = await purge(services.db)
    again = await purge(services.db)

    assert (preview["questionnaire_texts"], counts["questionnaire_texts"], again["questionnaire_texts"]) == (
        1,
        1,
        0,
    )
    old, new = await services.surveys.records("event", 1)
    assert old.answers["comments"] is None and old.answers["overall"] == 4
    assert new.answers["comments"] == "text of u_new"
