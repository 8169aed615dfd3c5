"""How the core reaches a person without knowing Telegram: the bot implements ``Notifier``."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Button:
    """An inline button: its label, and the callback data the bot understands."""

    label: str
    data: str


class Delivery(enum.Enum):
    """What became of a message."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # unknown person, deleted data, or they blocked the bot
    FAILED = "failed"  # a passing problem: the job may try again


class Notifier(Protocol):
    """Sends to a person known only by pseudonym."""

    async def send_text(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None
    ) -> Delivery:
        """Send an HTML text, optionally with rows of buttons."""

    async def send_document(
        self, pseudonym: str, filename: str, content: bytes, caption: str | None = None
    ) -> Delivery:
        """Send a file (an .ics, a JSON export)."""


@runtime_checkable
class CoachNotifier(Protocol):
    """A notifier that can also post to the coaches' chat (the bot's does; jobs check for it)."""

    async def send_to_coaches(self, text: str, buttons: list[list[Button]] | None = None) -> Delivery:
        """Post an HTML text to the coaches' chat; UNREACHABLE when there is none."""
