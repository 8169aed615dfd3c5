"""Choose the NLU backend at start-up from the settings (``NLU_BACKEND``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nlu.backend import NluBackend
from nlu.rasa_backend import FallbackNlu, RasaNlu

if TYPE_CHECKING:
    from core.settings import Settings


def build_nlu(settings: Settings) -> NluBackend:
    """Return the embedded backend, or Rasa over HTTP that falls back to it per message.

    The embedded model is loaded in both cases (trained first when missing or stale), so that a
    Rasa server that is down, slow or misconfigured never leaves a person without an answer.
    """
    from nlu.train import load_embedded

    embedded = load_embedded()
    if settings.nlu_backend == "rasa":
        rasa = RasaNlu(settings.rasa_url, settings.rasa_token, settings.rasa_timeout)
        return FallbackNlu(rasa, embedded)
    return embedded
