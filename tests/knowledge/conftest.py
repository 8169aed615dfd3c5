"""Shared fixtures for the knowledge-base tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The folder holding one small content tree per checker rule."""
    return FIXTURES


@pytest.fixture
def today() -> date:
    """A fixed 'today': after the fixtures' reviewed date, before their review_by."""
    return date(2026, 12, 1)
