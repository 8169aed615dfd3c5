"""Answer quality on the question set: top-1/top-3, answered precision, out-of-scope refusals, calibration."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from actions.ask import Answerer, AskResult
from knowledge.base import CALIBRATION_FILE, METHODS, Thresholds, load_rankers
from knowledge.models import CURATED_LANGUAGES
from knowledge.ranker import Example, LinearRanker, train

EVALUATION = Path(__file__).resolve().parent.parent / "knowledge" / "evaluation"
#: Labelled question sets (``expected`` and ``split`` on every line): the development set and the blind one.
QUESTION_SETS = {
    "retrieval": EVALUATION / "retrieval_questions.jsonl",
    "blind": EVALUATION / "blind_questions.jsonl",
}
QUESTIONS_FILE = QUESTION_SETS["retrieval"]
#: Language detection is scored as for a new person who has not chosen a language yet.
NEW_USER_LANGUAGE = "en"
#: Utility of each outcome when choosing a threshold: a wrong answer costs twice what a right one gains
#: (it misleads, while "not sure" still offers the likely articles as buttons, and the right one is among
#: them for 97.5 % of the blind calibration half's curated questions); answering an out-of-scope question
#: costs most. Out of scope at 5 let the out-of-fold thresholds answer 3 of 29 (curated) and 3 of 17
#: (other) out-of-scope calibration questions; at 10, 1 of 29 and 3 of 17 (target: at most 2 %).
REWARD_RIGHT, PENALTY_WRONG, PENALTY_OUT_OF_SCOPE = 1.0, 2.0, 10.0
#: Folds for choosing thresholds on probabilities from rankers that did not see the question.
FOLDS = 5
#: Fewer searched questions than this for a method, and it keeps the default ranker and threshold.
MIN_EXAMPLES = 4 * FOLDS
#: Replies whose answer-or-not the threshold decides (searched ones); the others count for no threshold.
THRESHOLD_DECIDES = frozenset({"answer", "unsure"})


@dataclass(frozen=True)
class Outcome:
    """What the answerer did with one question of the set."""

    id: str
    lang: str
    kind: str
    method: str
    confidence: float
    answered: bool
    top1: bool
    top3: bool
    intent: str
    language_ok: bool
    reply: str = "answer"  # AskResult.kind: "answer", "unsure", "clarify" or "intent"


def load_questions(split: str | None = None, question_set: str = "retrieval") -> list[dict[str, Any]]:
    """A labelled question set, optionally one split ("calibration" or "test")."""
    path = QUESTION_SETS[question_set]
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    unlabelled = [item.get("id") for item in items if "expected" not in item or "split" not in item]
    if unlabelled:
        raise ValueError(
            f"{path.name}: {len(unlabelled)} questions lack expected/split, e.g. {unlabelled[0]}"
        )
    return [item for item in items if split is None or item["split"] == split]


async def run(answerer: Answerer, questions: list[dict[str, Any]]) -> list[Outcome]:
    """Ask every question as the bot would and record the outcome."""
    outcomes = []
    for item in questions:
        result = await answerer.ask(item["q"], preferred_language=item["lang"], country=item["country"])
        ids = [ref.id for ref in result.articles]
        expected = set(item["expected"])
        outcomes.append(
            Outcome(
                id=item["id"],
                lang=item["lang"],
                kind=item["kind"],
                method="curated" if result.language in CURATED_LANGUAGES else "other",
                confidence=result.confidence,
                answered=result.answered,
                top1=bool(ids) and ids[0] in expected,
                top3=bool(expected & set(ids[:3])),
                intent=result.intent,
                language_ok=answerer.language_of(item["q"], NEW_USER_LANGUAGE, item["country"])
                == item["lang"],
                reply=result.kind,
            )
        )
    return outcomes


def report(outcomes: list[Outcome]) -> dict[str, Any]:
    """Per-language and overall figures."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.lang].append(outcome)
        groups["curated" if outcome.lang in CURATED_LANGUAGES else "other"].append(outcome)
        groups["all"].append(outcome)
    table = {}
    for name, items in sorted(groups.items()):
        answerable = [o for o in items if o.kind == "answerable"]
        out_of_scope = [o for o in items if o.kind == "out_of_scope"]
        gaps = [o for o in items if o.kind == "gap"]  # in scope, but no article answers them yet
        answered = [o for o in answerable if o.answered]
        table[name] = {
            "answerable": len(answerable),
            "top1": _share(sum(o.top1 for o in answerable), len(answerable)),
            "top3": _share(sum(o.top3 for o in answerable), len(answerable)),
            "answered": _share(len(answered), len(answerable)),
            "answered_correct": _share(sum(o.top1 for o in answered), len(answered)),
            "out_of_scope": len(out_of_scope),
            "out_of_scope_answered": sum(o.answered for o in out_of_scope),
            "gaps": len(gaps),
            "gaps_answered": sum(o.answered for o in gaps),
            "language": _share(sum(o.language_ok for o in items), len(items)),
        }
    return table


def choose_threshold(outcomes: list[Outcome], method: str) -> dict[str, Any]:
    """The confidence threshold with the best utility on (calibration) outcomes of one method. Only
    replies the threshold decides count: an intent reply (a confident NLU intent, no search) carries the
    NLU's confidence, and "which country?" is asked whatever the confidence."""
    relevant = [o for o in outcomes if o.method == method and o.reply in THRESHOLD_DECIDES]
    candidates = sorted({round(o.confidence, 4) for o in relevant} | {0.0, 1.0})
    best: tuple[float, float] = (float("-inf"), 1.0)
    for threshold in candidates:
        utility = 0.0
        for o in relevant:
            # The NLU's out-of-scope intent is not trusted here: the threshold alone must keep them out.
            if o.confidence < threshold:
                continue
            if o.kind == "out_of_scope":
                utility -= PENALTY_OUT_OF_SCOPE
            else:
                utility += REWARD_RIGHT if o.top1 else -PENALTY_WRONG
        if utility > best[0]:
            best = (utility, threshold)
    # Halfway down to the next confidence below, so the threshold does not sit on a calibration point.
    below = [c for c in candidates if c < best[1]]
    threshold = (below[-1] + best[1]) / 2 if below else best[1]
    answerable = [o for o in relevant if o.kind == "answerable"]
    answered = [o for o in answerable if o.confidence >= threshold]
    out_of_scope = [o for o in relevant if o.kind == "out_of_scope"]
    answered_out = sum(o.confidence >= threshold for o in out_of_scope)
    return {
        "threshold": round(threshold, 4),
        "utility": best[0],
        "questions": len(relevant),
        "answered": _share(len(answered), len(answerable)),
        "answered_correct": _share(sum(o.top1 for o in answered), len(answered)),
        "out_of_scope_answered": f"{answered_out} of {len(out_of_scope)}",
    }


def training_questions(question_set: str) -> list[dict[str, Any]]:
    """What the rankers learn from and the thresholds are chosen on: the calibration halves of the set and,
    for the blind set, of the development set (more examples; its test half stays held out as well)."""
    questions = load_questions("calibration", question_set)
    return questions + (load_questions("calibration", "retrieval") if question_set == "blind" else [])


def labelled_example(item: dict[str, Any], result: AskResult, position: dict[str, int]) -> Example | None:
    """The ranker's view of one answered-or-not question with its label; None when it was not searched."""
    if result.retrieval is None or result.retrieval.example is None:
        return None
    example = result.retrieval.example
    right = np.zeros(len(example.allowed), dtype=bool)
    right[[position[i] for i in item["expected"] if i in position]] = True
    if item["kind"] == "answerable" and not (right & example.allowed).any():
        return None  # the right article is another country's: the scope rules that out, not the ranker
    return Example(example.matrix, example.allowed, right, example.question)


def _outcome(item: dict[str, Any], method: str, ranker: LinearRanker, example: Example) -> Outcome:
    probabilities = ranker.probabilities(example.matrix, example.allowed, example.question)
    best = int(probabilities.argmax())
    return Outcome(
        id=item["id"],
        lang=item["lang"],
        kind=item["kind"],
        method=method,
        confidence=float(probabilities[best]),
        answered=True,
        top1=bool(example.right[best]),
        top3=bool(example.right[probabilities.argsort()[::-1][:3]].any()),
        intent="ask_question",
        language_ok=True,
    )


async def calibrate(
    answerer: Answerer, question_set: str = "retrieval", path: Path = CALIBRATION_FILE
) -> dict[str, Any]:
    """Train the rankers on the set's training questions, choose each method's threshold on out-of-fold
    probabilities (a ranker never judges questions it learned from), and write both, under the set's name,
    as the ones the bot uses (``"use"``); what was chosen on other sets stays in the file."""
    saved = answerer.kb.thresholds
    answerer.kb.thresholds = Thresholds(curated=0.0, other=0.0)
    position = {article.id: i for i, article in enumerate(answerer.kb.articles)}
    labelled: dict[str, list[tuple[dict[str, Any], Example]]] = {method: [] for method in METHODS}
    try:
        for item in training_questions(question_set):
            result = await answerer.ask(item["q"], preferred_language=item["lang"], country=item["country"])
            example = labelled_example(item, result, position)
            if example is not None and result.retrieval is not None:
                labelled[result.retrieval.method].append((item, example))
    finally:
        answerer.kb.thresholds = saved
    chosen = {}
    for method, pairs in labelled.items():
        if len(pairs) < MIN_EXAMPLES:  # too few to learn from: the defaults, and say so
            default = Thresholds().for_method(method)
            chosen[method] = {
                "threshold": default,
                "questions": len(pairs),
                "ranker": LinearRanker().as_json(),
            }
            continue
        held_out = []
        for fold in range(FOLDS):
            learnt = train([e for n, (_, e) in enumerate(pairs) if n % FOLDS != fold])
            held_out += [
                _outcome(i, method, learnt, e) for n, (i, e) in enumerate(pairs) if n % FOLDS == fold
            ]
        ranker = train([example for _, example in pairs])
        chosen[method] = {**choose_threshold(held_out, method), "ranker": ranker.as_json()}
    data = json.loads(path.read_text()) if path.exists() else {}
    # Sets calibrated before the ranker (thresholds on another scale, no weights) are dropped.
    data = {
        name: value
        for name, value in data.items()
        if name in QUESTION_SETS and all("ranker" in value.get(method, {}) for method in chosen)
    }
    path.write_text(json.dumps({"use": question_set, **data, question_set: chosen}, indent=2) + "\n")
    answerer.kb.thresholds = Thresholds.load(path)
    answerer.kb.rankers = load_rankers(path)
    return chosen


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0
