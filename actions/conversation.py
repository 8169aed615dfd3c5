"""The single entry point for free text: later versions understand the question and answer it."""

from __future__ import annotations

from dataclasses import dataclass

from actions.i18n import N_
from actions.users import Profile


@dataclass(frozen=True)
class Answer:
    """What the bot should do with a free-text message."""

    lead: str | None = None
    show_menu: bool = True


async def respond_to_text(text: str, profile: Profile, lang: str) -> Answer:
    """Decide the reply to free text; for now every text leads to the main menu."""
    del text, profile, lang  # understanding and answering arrive with the NLU issue
    return Answer(lead=N_("I can't answer free questions yet — that is coming very soon."))
