"""Demo data for trying InterHub locally: idempotent, marked in the ``seeded`` table."""

from __future__ import annotations

from actions.events import EventService
from actions.mentoring import MentoringService
from actions.models import Seeded
from actions.roles import RoleService
from actions.seed_events import seed_events
from actions.seed_mentors import seed_mentors
from actions.users import UserService
from core.db import Database

#: Console user ids of the demo staff (``interhub chat --user 900001`` acts as the coach).
DEMO_COACH_ID = 900001
DEMO_PARTNER_ID = 900002


async def seed_demo(db: Database) -> bool:
    """Create the demo staff, events and mentors, once; return whether anything was added."""
    users, roles = UserService(db), RoleService(db)
    events_added = await seed_events(db, EventService(db, roles))
    events_added = await seed_mentors(db, MentoringService(db, roles)) or events_added
    async with db.transaction() as session:
        if await session.get(Seeded, "demo_staff") is not None:
            return events_added
    for telegram_id, role in ((DEMO_COACH_ID, "coach"), (DEMO_PARTNER_ID, "partner")):
        await users.set_language(telegram_id, "en")
        await roles.grant(telegram_id, role)
    async with db.transaction() as session:
        session.add(Seeded(name="demo_staff"))
    return True
