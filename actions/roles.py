"""Staff roles (coach, partner, admin) with country scopes, and the one place that decides who may do what.

Every staff action calls ``RoleService.require`` in the service layer, so a handler that forgets to check,
the CLI and the coming dashboard all meet the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from actions.models import COUNTRIES, STAFF_ROLES, User, UserRole
from actions.users import upsert_user
from core.db import Database

#: What each staff action needs: any one of these roles.
PERMISSIONS: dict[str, frozenset[str]] = {
    "tickets.answer": frozenset({"coach", "admin"}),
    "tickets.list": frozenset({"coach", "admin"}),
    "roles.manage": frozenset({"admin"}),
    "analytics.view": frozenset({"partner", "coach", "admin"}),
    "events.manage": frozenset({"coach", "admin"}),
    "mentoring.manage": frozenset({"coach", "admin"}),
    "broadcasts.manage": frozenset({"coach", "admin"}),
    "surveys.export": frozenset({"admin"}),  # per-response rows; partners and coaches see aggregates only
}


class NotAllowed(PermissionError):
    """The person lacks the role (or the country scope) an action needs."""


@dataclass(frozen=True)
class Grant:
    """One role of one person, with its scope."""

    telegram_id: int
    pseudonym: str
    role: str
    countries: frozenset[str]
    granted_at: datetime

    def covers(self, country: str | None) -> bool:
        """Whether the scope includes a country (an empty scope, or no country, means everything)."""
        return not self.countries or country is None or country in self.countries


def parse_countries(text: str | None) -> frozenset[str]:
    """Read ``IT,DE`` into a set of known country codes; raise ValueError naming an unknown one."""
    codes = frozenset(code.strip().upper() for code in (text or "").split(",") if code.strip())
    unknown = sorted(codes - set(COUNTRIES))
    if unknown:
        raise ValueError(f"unknown country {unknown[0]!r}; use {', '.join(COUNTRIES)}")
    return codes


class RoleService:
    """Grants, revokes, lists and checks staff roles."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def grant(
        self,
        telegram_id: int,
        role: str,
        countries: frozenset[str] = frozenset(),
        *,
        actor: int | None = None,
    ) -> Grant:
        """Give a role (or change its scope). ``actor`` None is the operator at the command line."""
        if role not in STAFF_ROLES:
            raise ValueError(f"unknown role {role!r}; use {', '.join(STAFF_ROLES)}")
        if actor is not None:
            await self.require(actor, "roles.manage")
        async with self.db.transaction() as session:
            user = await upsert_user(session, telegram_id)
            row = await session.get(UserRole, (user.id, role))
            if row is None:
                row = UserRole(user_id=user.id, role=role)
                session.add(row)
            row.countries = ",".join(sorted(countries))
            await session.flush()
            return _grant(user, row)

    async def revoke(self, telegram_id: int, role: str, *, actor: int | None = None) -> bool:
        """Take a role away; return whether the person had it."""
        if actor is not None:
            await self.require(actor, "roles.manage")
        async with self.db.transaction() as session:
            user_id = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
            if user_id is None:
                return False
            result = await session.execute(
                delete(UserRole).where(UserRole.user_id == user_id, UserRole.role == role)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def roles_of(self, telegram_id: int) -> list[Grant]:
        """The staff roles a person holds."""
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(User, UserRole)
                    .join(UserRole, UserRole.user_id == User.id)
                    .where(User.telegram_id == telegram_id)
                    .order_by(UserRole.role)
                )
            ).all()
            return [_grant(user, row) for user, row in rows]

    async def list(self, role: str | None = None, *, actor: int | None = None) -> list[Grant]:
        """Every staff grant, optionally of one role, ordered by person and role."""
        if actor is not None:
            await self.require(actor, "roles.manage")
        query = select(User, UserRole).join(UserRole, UserRole.user_id == User.id)
        if role is not None:
            query = query.where(UserRole.role == role)
        async with self.db.transaction() as session:
            rows = (await session.execute(query.order_by(User.telegram_id, UserRole.role))).all()
            return [_grant(user, row) for user, row in rows]

    async def require(self, telegram_id: int, permission: str, country: str | None = None) -> Grant:
        """Return the grant that allows an action, or raise NotAllowed."""
        allowed = PERMISSIONS[permission]
        for grant in await self.roles_of(telegram_id):
            if grant.role in allowed and (grant.role == "admin" or grant.covers(country)):
                return grant
        raise NotAllowed(permission)

    async def allows(self, telegram_id: int, permission: str, country: str | None = None) -> bool:
        """Whether ``require`` would pass."""
        try:
            await self.require(telegram_id, permission, country)
        except NotAllowed:
            return False
        return True


def _grant(user: User, row: UserRole) -> Grant:
    return Grant(
        telegram_id=user.telegram_id,
        pseudonym=user.pseudonym,
        role=row.role,
        countries=row.country_set,
        granted_at=row.granted_at,
    )
