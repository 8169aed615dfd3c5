"""Demo data for trying InterHub locally: idempotent, marked in the ``seeded`` table."""

from __future__ import annotations

from actions.models import Seeded
from actions.roles import RoleService
from actions.users import UserService
from core.db import Database

#: Console user ids of the demo staff (``interhub chat --user 900001`` acts as the coach).
DEMO_COACH_ID = 900001
DEMO_PARTNER_ID = 900002


async def seed_demo(db: Database) -> bool:
    """Create the demo coach and partner once; return whether anything was added."""
    async with db.transaction() as session:
        if await session.get(Seeded, "demo_staff") is not None:
            return False
    users, roles = UserService(db), RoleService(db)
    for telegram_id, role in ((DEMO_COACH_ID, "coach"), (DEMO_PARTNER_ID, "partner")):
        await users.set_language(telegram_id, "en")
        await roles.grant(telegram_id, role)
    async with db.transaction() as session:
        session.add(Seeded(name="demo_staff"))
    return True
