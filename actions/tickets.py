"""Handover to a human coach: tickets with a number, a state, and the answer going back to the person."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Ticket, User, utcnow
from actions.roles import RoleService
from core.db import Database

_NUMBER = re.compile(r"^#?T?-?0*(\d{1,9})$", re.IGNORECASE)


def ticket_label(ticket_id: int) -> str:
    """How a ticket is shown to people and coaches: ``T-0042``."""
    return f"T-{ticket_id:04d}"


def parse_ticket_label(text: str) -> int | None:
    """Read ``T-0042``, ``T42``, ``#42`` or ``42``; None for anything else."""
    match = _NUMBER.match(text.strip())
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class TicketView:
    """A ticket as the Telegram edge needs it, with the asker's chat resolved from the pseudonym."""

    id: int
    label: str
    status: str
    question: str
    language: str
    country: str | None
    topic: str | None
    telegram_id: int | None


class TicketService:
    """Opens, finds and answers tickets."""

    def __init__(self, db: Database, roles: RoleService) -> None:
        self.db = db
        self.roles = roles

    async def open(
        self, telegram_id: int, question: str, *, language: str, country: str | None, topic: str | None
    ) -> TicketView:
        """Open a ticket for a person's question."""
        async with self.db.transaction() as session:
            user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if user is None:
                raise LookupError("unknown person")
            ticket = Ticket(
                pseudonym=user.pseudonym, question=question, language=language, country=country, topic=topic
            )
            session.add(ticket)
            await session.flush()
            return _view(ticket, telegram_id)

    async def attach_coach_message(self, ticket_id: int, message_id: int) -> None:
        """Remember which message in the coaches' chat shows the ticket, so a reply finds it."""
        async with self.db.transaction() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is not None:
                ticket.coach_message_id = message_id

    async def find(self, ticket_id: int) -> TicketView | None:
        """A ticket by number."""
        async with self.db.transaction() as session:
            ticket = await session.get(Ticket, ticket_id)
            return None if ticket is None else _view(ticket, await _telegram_id(session, ticket.pseudonym))

    async def find_by_coach_message(self, message_id: int) -> TicketView | None:
        """The ticket shown in a given message of the coaches' chat."""
        async with self.db.transaction() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.coach_message_id == message_id))
            return None if ticket is None else _view(ticket, await _telegram_id(session, ticket.pseudonym))

    async def answer(self, ticket_id: int, text: str, *, by: int) -> TicketView:
        """Record a coach's answer; a ticket can be answered again (follow-ups) until closed.

        Raises NotAllowed unless ``by`` (a Telegram id) is a coach whose countries include the ticket's.
        """
        async with self.db.transaction() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                raise LookupError(f"no ticket {ticket_id}")
            await self.roles.require(by, "tickets.answer", ticket.country)
            if ticket.status == "closed":
                raise ValueError("ticket is closed")
            ticket.answer = text
            ticket.status = "answered"
            ticket.answered_at = utcnow()
            return _view(ticket, await _telegram_id(session, ticket.pseudonym))

    async def close(self, ticket_id: int) -> bool:
        """Close a ticket; return whether it existed."""
        async with self.db.transaction() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                return False
            ticket.status = "closed"
            return True

    async def open_tickets(self, *, by: int) -> list[TicketView]:
        """Tickets still waiting for an answer that this coach may answer, oldest first."""
        grant = await self.roles.require(by, "tickets.list")
        async with self.db.transaction() as session:
            tickets = (
                await session.scalars(select(Ticket).where(Ticket.status == "open").order_by(Ticket.id))
            ).all()
            allowed = [t for t in tickets if grant.role == "admin" or grant.covers(t.country)]
            return [_view(ticket, None) for ticket in allowed]


async def _telegram_id(session: AsyncSession, pseudonym: str) -> int | None:
    return await session.scalar(select(User.telegram_id).where(User.pseudonym == pseudonym))


def _view(ticket: Ticket, telegram_id: int | None) -> TicketView:
    return TicketView(
        id=ticket.id,
        label=ticket_label(ticket.id),
        status=ticket.status,
        question=ticket.question or "",
        language=ticket.language,
        country=ticket.country,
        topic=ticket.topic,
        telegram_id=telegram_id,
    )
