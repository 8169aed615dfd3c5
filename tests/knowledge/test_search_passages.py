"""Passage selection, thresholds per question set, and labelled-set loading (no encoders loaded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actions import quality
from knowledge.base import Thresholds
from knowledge.passages import asks_for_number, select_lines

BODY = """- Register at the local trade office (Gewerbeamt) before you start.
- The fee is 20 to 60 euros, depending on the town.
- The tax office sends you a questionnaire within 4 weeks.
- Keep your receipts for 10 years.
This is general information, not legal advice — ask your IHK."""


def test_a_question_about_an_amount_gets_the_amount_line() -> None:
    assert 1 in select_lines("how much is the fee to register?", BODY, "en")


def test_a_question_about_a_deadline_gets_the_deadline_line() -> None:
    assert select_lines("when does the tax office questionnaire come", BODY, "en") == (2,)


def test_nothing_is_shown_when_no_line_answers() -> None:
    assert select_lines("can my cat be a director", BODY, "en") == ()


def test_the_closing_advice_line_is_left_to_the_card() -> None:
    assert 4 not in select_lines("is this legal advice from the IHK", BODY, "en", skip_last=True)


def test_dense_similarity_counts_only_with_one_value_per_line() -> None:
    dense = [0.5, 0.5, 0.5, 0.98, 0.5]

    assert select_lines("wie lange aufbewahren", BODY, "de", dense) == (3,)
    assert select_lines("wie lange aufbewahren", BODY, "de", dense[:2]) == ()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Koliko znaša minimalna plača?", True),
        ("do kada moram platiti porez", True),
        ("what is a GmbH", False),
    ],
)
def test_questions_asking_for_numbers(question: str, expected: bool) -> None:
    assert asks_for_number(question) is expected


def test_thresholds_come_from_the_set_in_use(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    sets = {
        "retrieval": {"curated": {"threshold": 0.7}, "other": {"threshold": 0.9}},
        "blind": {"curated": {"threshold": 0.6}, "other": {"threshold": 0.8}},
    }
    path.write_text(json.dumps({"use": "blind", **sets}))

    assert Thresholds.load(path) == Thresholds(curated=0.6, other=0.8)
    assert Thresholds.load(tmp_path / "absent.json") == Thresholds()


def test_an_unlabelled_set_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "blind.jsonl"
    path.write_text('{"id": "b-1", "q": "minijob?", "lang": "de", "country": "DE", "kind": "answerable"}\n')
    monkeypatch.setitem(quality.QUESTION_SETS, "blind", path)

    with pytest.raises(ValueError, match="lack expected/split"):
        quality.load_questions("test", "blind")


def _outcome(
    confidence: float, top1: bool, reply: str = "answer", kind: str = "answerable"
) -> quality.Outcome:
    return quality.Outcome(
        id="b-1",
        lang="en",
        kind=kind,
        method="curated",
        confidence=confidence,
        answered=True,
        top1=top1,
        top3=top1,
        intent="ask_question",
        language_ok=True,
        reply=reply,
    )


def test_only_searched_replies_choose_the_threshold() -> None:
    searched = [_outcome(0.9, True), _outcome(0.8, True), _outcome(0.4, False)]
    # A confident "greet" (no search) carries the NLU's 0.95: it counted as a wrong answer below 0.95, and
    # "which country?" (a wrong article first) is asked whatever the confidence.
    ignored = [_outcome(0.95, False, reply="intent"), _outcome(0.85, False, reply="clarify")]

    chosen = quality.choose_threshold([*searched, *ignored], "curated")

    assert chosen == {
        "threshold": 0.6,
        "utility": 2.0,
        "questions": 3,
        "answered": 0.667,
        "answered_correct": 1.0,
        "out_of_scope_answered": "0 of 0",
    }


def test_an_answered_out_of_scope_question_costs_more_than_right_answers_gain() -> None:
    # Answering down to 0.5 would win two right answers and answer one out-of-scope question.
    outcomes = [
        _outcome(0.9, True),
        _outcome(0.6, True),
        _outcome(0.55, False, kind="out_of_scope"),
        _outcome(0.5, True),
    ]

    chosen = quality.choose_threshold(outcomes, "curated")

    assert (chosen["threshold"], chosen["out_of_scope_answered"]) == (0.575, "0 of 1")
