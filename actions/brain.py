"""Build the answering machinery once per process: knowledge base, NLU backend, translation."""

from __future__ import annotations

import logging
from functools import lru_cache

from actions.ask import Answerer
from actions.services import Services
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from nlu.select import build_nlu

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def shared_knowledge() -> KnowledgeBase:
    """The curated articles and their indexes, loaded once."""
    return KnowledgeBase.load()


def attach_answerer(services: Services, settings: Settings) -> Answerer:
    """Give the services an answerer built from the shared knowledge base and the configured NLU."""
    services.answerer = Answerer(shared_knowledge(), build_nlu(settings), services.translations)
    return services.answerer
