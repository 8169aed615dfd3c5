"""Mentoring: mentors from YAML, the ranking and its plain-words reasons, requests and their states, coach
scope, capacity under concurrent approvals, the jobs (72 h reminder, introductions, decline), personal data,
the CLI and the demo mentors, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from actions.mentor_ranking import Candidate, Wish, rank
from actions.mentoring import MentorDraft, MentorFull, MentoringError, parse_mentors_yaml
from actions.mentoring_jobs import MENTORING_JOB_HANDLERS
from actions.models import Job, utcnow
from actions.roles import NotAllowed
from actions.worker import JobContext, Worker
from bot.cli import main
from core.i18n import translator
from core.notify import Button, Delivery
from core.services import Services

WISH = Wish("food", ("ar", "en"), "IT")


def mentor(**changes: Any) -> MentorDraft:
    base = MentorDraft(
        name="Amina Haddad",
        bio={"en": "Runs a bakery in Milano.", "it": "Gestisce un forno a Milano."},
        sectors=("food",),
        languages=("ar", "it", "en"),
        countries=("IT",),
        capacity=3,
    )
    return replace(base, **changes)


class RecordingNotifier:
    """Records what would reach people and the coaches' chat."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.coaches: list[str] = []

    async def send_text(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None
    ) -> Delivery:
        self.sent.append((pseudonym, text))
        return Delivery.SENT

    async def send_document(
        self, pseudonym: str, filename: str, content: bytes, caption: str | None = None
    ) -> Delivery:
        return Delivery.SENT

    async def send_to_coaches(self, text: str, buttons: list[list[Button]] | None = None) -> Delivery:
        self.coaches.append(text)
        return Delivery.SENT


def person(n: int) -> str:
    return f"u_{n:016x}"


async def _run_jobs(services: Services, notifier: RecordingNotifier, *, all_due: bool = False) -> None:
    if all_due:
        async with services.db.transaction() as session:
            await session.execute(update(Job).where(Job.state == "pending").values(due_at=utcnow()))
    worker = Worker(services.jobs, MENTORING_JOB_HANDLERS, JobContext(services, notifier), name="w")
    while await worker.run_once():
        pass


async def _jobs(services: Services, kind: str) -> list[Any]:
    return [job for job in await services.jobs.list(limit=2000) if job.kind == kind]


def test_the_yaml_file_is_read_and_checked() -> None:
    source = """
- name: Amina Haddad (demo)
  bio: {en: Runs a bakery., ar: تدير مخبزاً.}
  sectors: [food]
  languages: [AR, it]
  countries: [it]
  capacity: 3
  telegram_id: 4242
- name: Luca Bianchi
  bio: Tailor in Milano.
  sectors: fashion
  languages: [it]
  countries: [IT]
  capacity: 1
  active: false
"""
    first, second = parse_mentors_yaml(source)

    assert (first.languages, first.countries, first.telegram_id) == (("ar", "it"), ("IT",), 4242)
    assert (second.bio, second.sectors, second.active) == ({"en": "Tailor in Milano."}, ("fashion",), False)
    for broken, problem in (
        (source.replace("capacity: 3", "capacity: 0"), "mentor 1: capacity"),
        (source.replace("[food]", "[bakery]"), "unknown 'bakery'"),
        (source.replace("countries: [it]", "countries: [FR]"), "countries"),
        (source.replace("  capacity: 1\n", ""), "mentor 2: missing field: capacity"),
        ("- [not, a, mapping]", "mapping"),
        ("name: [unclosed", "not valid YAML"),
    ):
        with pytest.raises(MentoringError, match=problem):
            parse_mentors_yaml(broken)


def test_the_ranking_follows_its_ladder_and_says_why_in_plain_words() -> None:
    def candidate(n: int, sectors: str, languages: str, country: str, capacity: int, taken: int) -> Candidate:
        return Candidate(n, f"M{n}", (sectors,), tuple(languages.split(",")), (country,), capacity, taken)

    mentors = [
        candidate(1, "fashion", "ar", "IT", 3, 0),  # other sector
        candidate(2, "food", "en", "DE", 3, 0),  # same sector, one language, other country
        candidate(3, "food", "ar,en", "DE", 3, 0),  # same sector, two languages
        candidate(4, "food", "en", "IT", 3, 2),  # same sector, one language, in Italy, 1 free
        candidate(5, "food", "en", "IT", 3, 0),  # as 4 with 3 free
        candidate(6, "food", "ar", "IT", 2, 2),  # full: never proposed
        candidate(7, "food", "de", "IT", 3, 0),  # no shared language
    ]

    ranked = rank(mentors, WISH)
    everyone = rank(mentors, WISH, need_language=False)

    assert [m.mentor.id for m in ranked] == [3, 5, 4, 2, 1]
    assert [m.mentor.id for m in everyone] == [3, 5, 4, 2, 7, 1]
    english = translator("en")
    assert ranked[1].explain(english) == "same sector · speaks English · in Italy · places free: 3 of 3"
    assert ranked[0].explain(english).startswith("same sector · speaks العربية, English · works in Germany")
    assert "no shared language" in everyone[4].explain(english)
    assert ranked[4].explain(translator("it")).startswith("altro settore")


async def test_a_request_proposes_records_the_choice_and_arms_one_reminder(services: Services) -> None:
    best = await services.mentoring.add_mentor(mentor())
    await services.mentoring.add_mentor(mentor(name="Far Away", countries=("HU",), languages=("en",)))
    await services.mentoring.add_mentor(mentor(name="Paused", active=False))

    offered = await services.mentoring.propose(WISH)
    request = await services.mentoring.request(
        person(1), WISH, availability="evenings", need="Pricing my cakes", mentor_id=best.id
    )

    assert [m.mentor.name for m in offered] == ["Amina Haddad", "Far Away"]
    assert (request.state, request.mentor_id, request.chosen_by_person, request.label) == (
        "requested",
        best.id,
        True,
        "M-0001",
    )
    assert request.need == "Pricing my cakes" and request.proposals == (best.id, best.id + 1)
    reminders = await _jobs(services, "mentoring.reminder")
    assert [(j.pseudonym, j.state) for j in reminders] == [(person(1), "pending")]
    assert 71.9 < (reminders[0].due_at - utcnow()).total_seconds() / 3600 <= 72
    with pytest.raises(MentoringError, match="still open"):
        await services.mentoring.request(person(1), WISH, availability="evenings", need=None, mentor_id=None)
    with pytest.raises(MentoringError, match="not among the proposals"):
        await services.mentoring.request(person(2), WISH, availability="evenings", need=None, mentor_id=999)
    with pytest.raises(MentoringError):
        await services.mentoring.request(person(2), WISH, availability="never", need=None, mentor_id=None)


async def test_approval_respects_capacity_scope_and_pausing(services: Services) -> None:
    solo = await services.mentoring.add_mentor(mentor(capacity=1))
    first = await services.mentoring.request(
        person(1), WISH, availability="daytime", need=None, mentor_id=None
    )
    second = await services.mentoring.request(
        person(2), WISH, availability="daytime", need=None, mentor_id=None
    )
    await services.roles.grant(71, "coach", frozenset({"DE"}))
    await services.roles.grant(72, "coach", frozenset({"IT"}))
    await services.roles.grant(73, "partner")

    for outsider in (71, 73, 74):
        with pytest.raises(NotAllowed):
            await services.mentoring.approve(first.id, solo.id, actor=outsider)
    approved = await services.mentoring.approve(first.id, solo.id, actor=72)
    with pytest.raises(MentorFull):
        await services.mentoring.approve(second.id, solo.id, actor=72)
    with pytest.raises(MentoringError, match="already approved"):
        await services.mentoring.approve(first.id, solo.id, actor=72)

    assert approved.state == "approved" and (await services.mentoring.mentor(solo.id)).taken == 1  # type: ignore[union-attr]
    assert [j.state for j in await _jobs(services, "mentoring.reminder") if j.pseudonym == person(1)] == [
        "cancelled"
    ]
    assert await services.mentoring.propose(WISH) == []  # full: proposed to nobody
    await services.mentoring.complete(first.id, person(1))  # the place is free again
    with pytest.raises(NotAllowed):
        await services.mentoring.set_active(solo.id, False, actor=71)
    await services.mentoring.set_active(solo.id, False, actor=72)
    with pytest.raises(MentorFull):
        await services.mentoring.approve(second.id, solo.id, actor=72)
    await services.mentoring.set_active(solo.id, True)
    assert (await services.mentoring.approve(second.id, solo.id, actor=72)).state == "approved"
    with pytest.raises(MentoringError):
        await services.mentoring.cancel(second.id, person(1))  # not theirs
    assert (await services.mentoring.cancel(second.id, person(2))).state == "cancelled"
    with pytest.raises(MentoringError):
        await services.mentoring.complete(second.id, person(2))  # cancelled is final


@pytest.mark.postgres
async def test_60_concurrent_approvals_for_one_mentor_with_4_places_on_postgresql(postgres_url: str) -> None:
    first, second = Services.from_url(postgres_url), Services.from_url(postgres_url)
    try:
        async with first.db.transaction() as session:
            await session.execute(text("truncate mentors, mentoring_requests, jobs restart identity cascade"))
        busy = await first.mentoring.add_mentor(mentor(capacity=4))
        requests = [
            await first.mentoring.request(person(n), WISH, availability="flexible", need=None, mentor_id=None)
            for n in range(60)
        ]

        async def approve(n: int) -> str:
            services = first if n % 2 else second
            try:
                await services.mentoring.approve(requests[n].id, busy.id)
            except MentorFull:
                return "full"
            return "approved"

        began = time.perf_counter()
        outcomes = await asyncio.gather(*(approve(n) for n in range(60)))
        elapsed = time.perf_counter() - began

        shown = await first.mentoring.mentor(busy.id)
        states = [r.state for r in [await first.mentoring.get(r.id) for r in requests] if r is not None]
        assert (outcomes.count("approved"), outcomes.count("full")) == (4, 56)
        assert shown is not None and shown.taken == 4
        assert (states.count("approved"), states.count("requested")) == (4, 56)
        print(f"\n60 concurrent approvals for 4 places: 4 approved, 56 refused in {elapsed:.2f} s")
    finally:
        await first.db.dispose()
        await second.db.dispose()


async def test_concurrent_approvals_on_either_database(services: Services) -> None:
    other = Services.from_url(services.db.url)
    try:
        busy = await services.mentoring.add_mentor(mentor(capacity=2))
        requests = [
            await services.mentoring.request(
                person(n), WISH, availability="flexible", need=None, mentor_id=None
            )
            for n in range(12)
        ]
        outcomes = await asyncio.gather(
            *(
                (services if n % 2 else other).mentoring.approve(r.id, busy.id)
                for n, r in enumerate(requests)
            ),
            return_exceptions=True,
        )
    finally:
        await other.db.dispose()

    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 2
    assert all(isinstance(o, MentorFull) for o in outcomes if isinstance(o, BaseException))


async def test_the_72h_reminder_tells_coaches_once_and_the_person_and_is_silent_once_handled(
    services: Services,
) -> None:
    waiting = (await services.users.set_language(81, "it")).pseudonym
    handled = (await services.users.set_language(82, "en")).pseudonym
    await services.mentoring.add_mentor(mentor())
    slow = await services.mentoring.request(waiting, WISH, availability="weekends", need=None, mentor_id=None)
    quick = await services.mentoring.request(
        handled, WISH, availability="weekends", need=None, mentor_id=None
    )
    await services.mentoring.decline(quick.id, "details")
    notifier = RecordingNotifier()

    await _run_jobs(services, notifier)  # nothing is due yet but the decline
    assert [p for p, _ in notifier.sent] == [handled] and notifier.coaches == []
    await _run_jobs(services, notifier, all_due=True)
    await _run_jobs(services, notifier, all_due=True)

    assert len(notifier.coaches) == 1 and slow.label in notifier.coaches[0] and "72 h" in notifier.coaches[0]
    italian = [t for p, t in notifier.sent if p == waiting]
    assert len(italian) == 1 and "ancora" in italian[0] and slow.label in italian[0]
    declined = [t for p, t in notifier.sent if p == handled]
    assert "more details" in declined[0] and quick.label in declined[0]
    states = {j.pseudonym: j.state for j in await _jobs(services, "mentoring.reminder")}
    assert states == {waiting: "done", handled: "cancelled"}


async def test_approval_introduces_mentee_and_mentor_in_their_languages(services: Services) -> None:
    mentee = (await services.users.set_language(83, "ar")).pseudonym
    mentor_person = (await services.users.set_language(84, "it")).pseudonym
    with_bot = await services.mentoring.add_mentor(mentor(telegram_id=84))
    request = await services.mentoring.request(
        mentee, WISH, availability="evenings", need="Prices & <cakes>", mentor_id=with_bot.id
    )
    await services.mentoring.approve(request.id, with_bot.id)
    notifier = RecordingNotifier()

    await _run_jobs(services, notifier)

    to_mentee = next(t for p, t in notifier.sent if p == mentee)
    to_mentor = next(t for p, t in notifier.sent if p == mentor_person)
    assert translator("it")("Weekday evenings") in to_mentor
    assert "Amina Haddad" in to_mentee and 'href="tg://user?id=84"' in to_mentee
    heading = translator("ar")("🤝 Good news! A coach approved your mentoring request {label}. Your mentor:")
    assert to_mentee.startswith(heading.format(label="M-0001")) and "Good news" not in to_mentee
    assert "Prices &amp; &lt;cakes&gt;" in to_mentor and 'href="tg://user?id=83"' in to_mentor
    assert "You have a new mentee" not in to_mentor  # Italian, not English
    assert (await services.mentoring.get(request.id)).state == "active"  # type: ignore[union-attr]


async def test_requests_and_mentor_profiles_are_exported_and_erased(services: Services) -> None:
    profile = await services.users.give_consent(85)
    await services.users.touch(86)
    await services.mentoring.add_mentor(mentor(telegram_id=86))
    await services.mentoring.request(
        profile.pseudonym, WISH, availability="daytime", need="Help with my menu", mentor_id=None
    )

    exported = await services.users.export(85)
    mentor_export = await services.users.export(86)
    assert exported["mentoring_requests"][0]["need"] == "Help with my menu"
    assert mentor_export["mentor_profile"][0]["name"] == "Amina Haddad"
    assert await services.users.forget(85) and await services.users.forget(86)
    assert await services.mentoring.requests_of(profile.pseudonym) == []
    assert await services.mentoring.mentors() == []


def test_the_cli_adds_lists_and_pauses(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    file = tmp_path / "mentors.yml"
    file.write_text(
        "- {name: Ana Novak, bio: Catering., sectors: [food], languages: [sl, en], countries: [SI],"
        " capacity: 2}\n"
        "- {name: Carlos Ruiz, bio: Tapas., sectors: [food], languages: [es], countries: [HU], capacity: 1}\n"
    )
    assert main(["mentors", "add", str(file)]) == 0
    assert capsys.readouterr().out.split() == ["1", "2"]
    assert main(["mentors", "pause", "2"]) == 0
    assert "paused" in capsys.readouterr().out
    assert main(["mentors", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["name"], m["active"], m["capacity"], m["mentees"]) for m in listed] == [
        ("Ana Novak", True, 2, 0),
        ("Carlos Ruiz", False, 1, 0),
    ]
    assert main(["mentors", "list"]) == 0
    assert "Ana Novak" in capsys.readouterr().out
    file.write_text("- {name: X}\n")
    assert main(["mentors", "add", str(file)]) == 2
    assert "missing field" in capsys.readouterr().err
    assert main(["mentors", "pause", "99"]) == 2


async def test_seeding_adds_demo_mentors_in_every_country_once(services: Services) -> None:
    from actions.seed import seed_demo

    await seed_demo(services.db)
    await seed_demo(services.db)
    mentors = await services.mentoring.mentors()

    assert len(mentors) == 12 and all("(demo)" in m.name for m in mentors)
    assert sorted({c for m in mentors for c in m.countries}) == ["DE", "HR", "HU", "IT", "SI"]
    assert len({s for m in mentors for s in m.sectors}) == 4
    assert len({lang for m in mentors for lang in m.languages}) >= 10


async def test_the_need_goes_when_consent_is_withdrawn_and_after_12_months(services: Services) -> None:
    from datetime import timedelta

    from actions.models import MentoringRequest
    from actions.retention import purge

    first, second = await services.users.give_consent(87), await services.users.give_consent(88)
    old = await services.mentoring.request(
        first.pseudonym, WISH, availability="daytime", need="Old need text", mentor_id=None
    )
    await services.mentoring.request(
        second.pseudonym, WISH, availability="daytime", need="Fresh need", mentor_id=None
    )
    async with services.db.transaction() as session:
        await session.execute(
            update(MentoringRequest)
            .where(MentoringRequest.id == old.id)
            .values(created_at=utcnow() - timedelta(days=400))
        )

    counts = await purge(services.db)
    assert counts["mentoring_needs"] == 1
    assert (await services.mentoring.get(old.id)).need is None  # type: ignore[union-attr]
    assert (await services.mentoring.requests_of(second.pseudonym))[0].need == "Fresh need"
    await services.users.decline_consent(88)
    assert (await services.mentoring.requests_of(second.pseudonym))[0].need is None
