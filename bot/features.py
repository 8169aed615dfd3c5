"""Features declare themselves: handlers, commands, menu entries, deep links and intents in one object.

``bot.app`` assembles the Application, the command lists, the main menu, deep-link routing and intent
routing from the list of features, so adding a feature is one module, its services and one line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler

from core.i18n import Translate

if TYPE_CHECKING:
    from actions.ask import AskResult
    from bot.context import InterHubContext, Who

Callback = Callable[[Update, "InterHubContext"], Coroutine[Any, Any, Any]]
Opener = Callable[["InterHubContext", "Who"], Awaitable[None]]
DeepLinkOpener = Callable[["InterHubContext", "Who", "str | None"], Awaitable[None]]
IntentAnswer = Callable[["InterHubContext", "Who", "AskResult"], Awaitable[None]]
HandlerFactory = Callable[[], Sequence[BaseHandler[Update, Any, Any]]]


@dataclass(frozen=True)
class Command:
    """A slash command. ``staff`` commands are left out of the public command list and /help."""

    name: str
    description: str  # an N_() msgid
    callback: Callback
    staff: bool = False
    served_by_handlers: bool = False  # the feature's own handlers answer it (a conversation's entry point)


@dataclass(frozen=True)
class MenuEntry:
    """A main-menu button (``menu:<key>``) and what it opens."""

    key: str
    label: str  # an N_() msgid
    open: Opener


@dataclass(frozen=True)
class Feature:
    """Everything one feature brings."""

    name: str
    handlers: HandlerFactory = lambda: ()
    commands: tuple[Command, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    deep_links: dict[str, DeepLinkOpener] = field(default_factory=dict)
    intents: dict[str, IntentAnswer] = field(default_factory=dict)


class FeatureSet:
    """The features of one Application, indexed for routing."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = tuple(features)
        self.commands = tuple(command for feature in features for command in feature.commands)
        self.menu = tuple(entry for feature in features for entry in feature.menu)
        self.deep_links = _merge("deep link", [feature.deep_links for feature in features])
        self.intents = _merge("intent", [feature.intents for feature in features])
        names = [command.name for command in self.commands]
        keys = [entry.key for entry in self.menu]
        for kind, values in (("command", names), ("menu entry", keys)):
            duplicates = {value for value in values if values.count(value) > 1}
            if duplicates:
                raise ValueError(f"{kind} declared twice: {', '.join(sorted(duplicates))}")
        self.menu_pattern = re.compile(rf"^menu:({'|'.join(map(re.escape, [*keys, 'home']))})$")

    @property
    def public_commands(self) -> tuple[Command, ...]:
        """Commands everyone may use, in declaration order (setMyCommands and /help)."""
        return tuple(command for command in self.commands if not command.staff)

    @property
    def staff_commands(self) -> tuple[Command, ...]:
        """Commands for coaches, partners and admins."""
        return tuple(command for command in self.commands if command.staff)

    def menu_entry(self, key: str) -> MenuEntry | None:
        """The menu entry with this key."""
        return next((entry for entry in self.menu if entry.key == key), None)

    def main_menu(self, _: Translate) -> InlineKeyboardMarkup:
        """The main menu: every feature's entries, two per row."""
        buttons = [
            InlineKeyboardButton(_(entry.label), callback_data=f"menu:{entry.key}") for entry in self.menu
        ]
        return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _merge(kind: str, maps: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for mapping in maps:
        for key, value in mapping.items():
            if key in merged:
                raise ValueError(f"{kind} {key!r} is served by two features")
            merged[key] = value
    return merged
