"""Tickets, feedback and knowledge gaps as services over the database."""

from __future__ import annotations

import pytest

from actions.gaps import knowledge_gaps
from actions.roles import NotAllowed
from actions.tickets import parse_ticket_label, ticket_label
from core.services import Services


@pytest.mark.parametrize(
    ("text", "number"),
    [("T-0042", 42), ("t42", 42), ("#7", 7), ("15", 15), ("T-", None), ("abc", None), ("T-42x", None)],
)
def test_ticket_labels_are_read_leniently_but_strictly(text: str, number: int | None) -> None:
    assert parse_ticket_label(text) == number


def test_ticket_label_is_zero_padded() -> None:
    assert ticket_label(42) == "T-0042"


async def test_a_ticket_goes_from_open_to_answered_to_closed(services: Services) -> None:
    await services.roles.grant(900, "coach")
    await services.users.touch(77)
    ticket = await services.tickets.open(
        77, "serve un commercialista?", language="it", country="IT", topic=None
    )
    await services.tickets.attach_coach_message(ticket.id, 5001)

    found = await services.tickets.find_by_coach_message(5001)
    answered = await services.tickets.answer(ticket.id, "Sì, conviene.", by=900)

    assert found is not None and found.id == ticket.id and found.telegram_id == 77
    assert (ticket.status, answered.status) == ("open", "answered")
    assert [t.id for t in await services.tickets.open_tickets(by=900)] == []
    assert await services.tickets.close(ticket.id) is True
    with pytest.raises(ValueError):
        await services.tickets.answer(ticket.id, "too late", by=900)


async def test_answering_an_unknown_ticket_fails_clearly(services: Services) -> None:
    await services.roles.grant(900, "coach")
    with pytest.raises(LookupError):
        await services.tickets.answer(999, "hello", by=900)


async def test_only_a_coach_for_the_ticket_country_may_answer(services: Services) -> None:
    await services.users.touch(77)
    ticket = await services.tickets.open(77, "serve la pec?", language="it", country="IT", topic=None)
    await services.roles.grant(901, "coach", frozenset({"DE"}))
    await services.roles.grant(902, "partner")
    await services.roles.grant(903, "coach", frozenset({"IT", "SI"}))

    for outsider in (901, 902, 904):
        with pytest.raises(NotAllowed):
            await services.tickets.answer(ticket.id, "sì", by=outsider)
    assert [t.id for t in await services.tickets.open_tickets(by=901)] == []
    assert [t.id for t in await services.tickets.open_tickets(by=903)] == [ticket.id]
    answered = await services.tickets.answer(ticket.id, "sì", by=903)

    assert answered.status == "answered"


async def test_forget_removes_tickets_and_votes(services: Services) -> None:
    await services.users.give_consent(78)
    await services.tickets.open(78, "question", language="en", country=None, topic=None)
    await services.feedback.vote(78, "it-regime-forfettario", language="en", vote=-1, question="flat tax?")

    exported = await services.users.export(78)
    await services.users.forget(78)

    assert [q["question"] for q in exported["coach_questions"]] == ["question"]
    assert exported["article_feedback"][0]["vote"] == -1
    assert (await knowledge_gaps(services.db))["down_voted"] == []


async def test_gaps_group_unanswered_questions_and_down_votes(services: Services) -> None:
    await services.users.give_consent(79)
    await services.log.record(
        79,
        direction="in",
        language="hu",
        intent="ask_question",
        text="kata 2027?",
        country="HU",
        topic="finance",
        answered=False,
        confidence=0.1,
    )
    await services.log.record(
        79,
        direction="in",
        language="hu",
        intent="ask_question",
        text="kata?",
        country="HU",
        topic="finance",
        answered=True,
        confidence=0.9,
    )
    await services.feedback.vote(79, "hu-kata-flat-tax", language="hu", vote=-1, question="kata 2027?")

    gaps = await knowledge_gaps(services.db)

    assert gaps["unanswered"] == [
        {"country": "HU", "topic": "finance", "language": "hu", "count": 1, "examples": ["kata 2027?"]}
    ]
    assert gaps["down_voted"] == [
        {"article": "hu-kata-flat-tax", "language": "hu", "up": 0, "down": 1, "questions": ["kata 2027?"]}
    ]
