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


@runtime_checkable
class MessageEditor(Protocol):
    """A notifier that can also rewrite a message it sent (the bot's does: a broadcast's progress)."""

    async def edit_text(
        self, pseudonym: str, message_id: int, text: str, buttons: list[list[Button]] | None = None
    ) -> Delivery:
        """Replace the HTML text and buttons of a message in the person's chat."""


class Outcome(enum.Enum):
    """What became of one broadcast message, in the detail the sender needs to pace and retry."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403, or an unknown chat: never try this person again
    RETRY_AFTER = "retry_after"  # 429: the whole lane waits ``retry_after`` seconds
    TRANSIENT = "transient"  # 5xx or network: try again later, a bounded number of times
    REJECTED = "rejected"  # 400: the message itself is wrong; retrying cannot help


@dataclass(frozen=True)
class SendResult:
    """One send's outcome; ``retry_after`` in seconds for RETRY_AFTER."""

    outcome: Outcome
    retry_after: float = 0.0
    error: str | None = None


class BroadcastLane(Protocol):
    """The bot's lane for bulk sends: its own connection and pacing, never the conversation's."""

    async def prepare(self, pseudonyms: list[str]) -> None:
        """Look up at once the chats of a batch about to be sent (one query instead of one per message)."""

    async def send_broadcast(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None, *, not_before: float = 0.0
    ) -> SendResult:
        """Send one HTML broadcast message to a person known by pseudonym, not before ``not_before``
        (epoch seconds: the moment its pace permit starts; the lane gets ready, then waits)."""
