"""Parse ``/start <payload>`` deep links into a route the bot understands."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

#: Payload grammar: ``<kind>_<id>`` or a bare ``<kind>``; Telegram allows [A-Za-z0-9_-]{1,64}.
_PAYLOAD = re.compile(r"^(?P<kind>[a-z]+)(?:_(?P<ref>[A-Za-z0-9-]{1,48}))?$")
KNOWN_KINDS = frozenset({"event", "mentoring", "feedback", "survey", "topic", "lang"})


@dataclass(frozen=True)
class DeepLink:
    """A parsed deep link: what to open and which item."""

    kind: str
    ref: str | None = None


def parse_payload(payload: str | None, kinds: Collection[str] = KNOWN_KINDS) -> DeepLink | None:
    """Return the deep link, or None for an empty, malformed or unknown payload."""
    if not payload or len(payload) > 64:
        return None
    match = _PAYLOAD.match(payload)
    if match is None or match["kind"] not in kinds:
        return None
    if match["kind"] == "event" and not (match["ref"] or "").isdigit():
        return None
    return DeepLink(kind=match["kind"], ref=match["ref"])
