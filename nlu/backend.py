"""The interface every NLU backend implements: ``parse(text) -> intent, confidence, entities, ranking``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

#: Intents the bot acts on; the training data defines exactly these.
INTENTS = (
    "greet",
    "goodbye",
    "thanks",
    "help",
    "ask_question",
    "list_events",
    "enrol_event",
    "my_events",
    "request_mentoring",
    "give_feedback",
    "change_language",
    "talk_to_human",
    "privacy_mydata",
    "privacy_forget",
    "out_of_scope",
)
#: What a parse below the fallback threshold is called (as Rasa's FallbackClassifier does).
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Entity:
    """An entity found in the text: ``value`` is the normalised value (e.g. ``DE`` for "Njemačka")."""

    entity: str
    value: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Parse:
    """The understanding of one message."""

    text: str
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    ranking: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    backend: str = ""

    def entity_values(self, name: str) -> list[str]:
        """Values of one entity type, in order of appearance, without repeats."""
        seen: list[str] = []
        for entity in self.entities:
            if entity.entity == name and entity.value not in seen:
                seen.append(entity.value)
        return seen


class NluBackend(Protocol):
    """A trained model that understands messages."""

    name: str

    async def parse(self, text: str) -> Parse:
        """Understand one message."""
        ...
