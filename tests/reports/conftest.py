"""The hand-built world most report tests share (its figures are worked out in test_pages.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.services import Services
from tests.reports.builders import World

CUQ_GOOD = {f"cuq{n}": 4 if n % 2 else 2 for n in range(1, 17)}  # odd 4, even 2: CUQ 75.0


@dataclass
class Groups:
    """The pseudonyms of the standard world's groups."""

    a: list[str]  # 6 in IT, Italian, food
    b: list[str]  # 5 in IT, Arabic, design
    c: list[str]  # 5 in DE, German, food


@pytest.fixture
async def standard(services: Services) -> Groups:
    """Three groups; periods are days 0–13 (2–15 November 2026) and the 14 days before."""
    w = World()
    groups = Groups(
        a=w.people(6, country="IT", language="it", sector="food"),
        b=w.people(5, country="IT", language="ar", sector="design"),
        c=w.people(5, country="DE", language="de", sector="food"),
    )
    w.event(1, 5, country="IT")
    w.event(2, 20, country="IT")  # outside the period
    for n, p in enumerate(groups.a):
        w.question(p, 1, topic="finance", article="it-e-invoice-sdi")
        w.question(p, 8, topic="hr", answered=False, confidence=0.3)
        w.question(p, -5, topic="finance", article="it-e-invoice-sdi")  # the previous period
        w.vote(p, 1, "it-e-invoice-sdi", 1)
        w.ticket(p, 8, topic="hr", answered_after=4)
        w.enrol(1, p, "attended" if n < 5 else "confirmed")
        if n < 5:
            w.response(p, 6, {"overall": 5}, survey="event", event_id=1)
        w.response(p, 6, {"recommend": 10, **CUQ_GOOD})
        if n < 5:
            w.mentoring(p, 2, state="active", approved_after=10)
        else:
            w.mentoring(p, 2, state="declined", approved_after=2)
    for p in groups.b:
        w.question(p, 2, language="ar", topic="finance", article="it-business-bank-account", confidence=0.8)
        w.vote(p, 2, "it-business-bank-account", -1, language="ar")
        w.enrol(1, p, "waitlisted")
        w.response(p, 6, {"recommend": 5}, language="ar")
    for p in groups.c:
        w.question(p, 3, country="DE", language="de", topic="finance", article="de-business-bank-account")
        w.out(p, 5, intent="invitations_off", language="de")
    w.broadcast(1, 4, {"sent": groups.a + groups.c, "unreachable": groups.b})
    await w.save(services.db)
    return groups
