"""Held-out evaluation of the embedded backend: a stratified split, k-fold cross-validation and a
fallback-threshold sweep.

The split is stratified by (language, intent) and keeps every copy of one folded text on the same
side (several languages share "hvala" or "menu"), so the test part is never trained on.
:func:`split` is public: the Rasa comparison reuses exactly this split.
"""

from __future__ import annotations

import random
import statistics
import string
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from nlu.backend import FALLBACK_INTENT
from nlu.embedded import EmbeddedNlu
from nlu.embedded_text import normalise
from nlu.training_data import CORE_LANGUAGES, Example, TrainingData

SEED = 13
GIBBERISH_SIZE = 300
THRESHOLDS = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))
TOP_CONFUSIONS = 15

Fitter = Callable[[TrainingData], EmbeddedNlu]


@dataclass(frozen=True, slots=True)
class Prediction:
    """The top intent the classifier gave a held-out example, before the fallback threshold."""

    example: Example
    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1 of one intent, and how many gold examples it had."""

    precision: float
    recall: float
    f1: float
    support: int


def _groups(data: TrainingData, seed: int) -> list[list[int]]:
    """Example indexes per (language, intent), each group shuffled by its own generator (so new examples of
    one intent do not reshuffle all the others), in a fixed group order."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, example in enumerate(data.examples):
        groups[(example.language, example.intent)].append(index)
    for (language, intent), indices in groups.items():
        random.Random(f"{seed}:{language}:{intent}").shuffle(indices)
    return [groups[key] for key in sorted(groups)]


def _parts(data: TrainingData, seed: int, part: Callable[[int, int], int]) -> list[int]:
    """Give each example a part number; ``part(position, group size)`` decides within a shuffled
    (language, intent) group, and later copies of a folded text follow the first copy."""
    chosen: dict[str, int] = {}
    parts = [0] * len(data.examples)
    for indices in _groups(data, seed):
        for position, index in enumerate(indices):
            text = normalise(data.examples[index].text)
            parts[index] = chosen.setdefault(text, part(position, len(indices)))
    return parts


def _held_out(data: TrainingData, seed: int, test_fraction: float) -> list[int]:
    """1 for the held-out examples: ``test_fraction`` of every group (at least one), counting the copies
    of texts already placed by an earlier group ("hvala" is Slovenian and Croatian), which follow them."""
    chosen: dict[str, int] = {}
    parts = [0] * len(data.examples)
    for indices in _groups(data, seed):
        texts = [normalise(data.examples[index].text) for index in indices]
        quota = max(1, round(len(indices) * test_fraction))
        held = sum(chosen[text] for text in texts if text in chosen)
        for index, text in zip(indices, texts, strict=True):
            if text not in chosen:
                chosen[text] = int(held < quota)
                held += chosen[text]
            parts[index] = chosen[text]
    return parts


def _subset(data: TrainingData, parts: Sequence[int], keep: Container[int]) -> TrainingData:
    return replace(data, examples=tuple(e for e, p in zip(data.examples, parts, strict=True) if p in keep))


def split(
    data: TrainingData, test_fraction: float = 0.2, seed: int = SEED
) -> tuple[TrainingData, TrainingData]:
    """Return ``(train, test)``: about ``test_fraction`` of every (language, intent) is held out."""
    parts = _held_out(data, seed, test_fraction)
    return _subset(data, parts, {0}), _subset(data, parts, {1})


def folds(data: TrainingData, k: int = 5, seed: int = SEED) -> list[tuple[TrainingData, TrainingData]]:
    """Return ``k`` stratified ``(train, test)`` pairs whose test parts cover the data once."""
    parts = _parts(data, seed, lambda position, _: position % k)
    return [(_subset(data, parts, set(range(k)) - {f}), _subset(data, parts, {f})) for f in range(k)]


def predict(backend: EmbeddedNlu, examples: Sequence[Example]) -> list[Prediction]:
    """Return the top intent and confidence of each example."""
    result = []
    for example in examples:
        intent, confidence = backend.parse_sync(example.text).ranking[0]
        result.append(Prediction(example, intent, confidence))
    return result


def intent_scores(pairs: Sequence[tuple[str, str]]) -> dict[str, Scores]:
    """Per gold intent scores of ``(gold, predicted)`` pairs (a fallback counts as a miss)."""
    gold = Counter(g for g, _ in pairs)
    predicted = Counter(p for _, p in pairs)
    hits = Counter(g for g, p in pairs if g == p)
    scores = {}
    for intent in sorted(gold):
        precision = hits[intent] / predicted[intent] if predicted[intent] else 0.0
        recall = hits[intent] / gold[intent]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[intent] = Scores(precision, recall, f1, gold[intent])
    return scores


def macro_f1(pairs: Sequence[tuple[str, str]]) -> float:
    """Unweighted mean F1 over the gold intents of ``pairs``."""
    scores = intent_scores(pairs)
    return statistics.fmean(s.f1 for s in scores.values()) if scores else 0.0


def _pairs(predictions: Sequence[Prediction], threshold: float | None = None) -> list[tuple[str, str]]:
    """``(gold, predicted)``; with a threshold, low-confidence predictions become the fallback."""
    return [
        (
            p.example.intent,
            FALLBACK_INTENT if threshold is not None and p.confidence < threshold else p.intent,
        )
        for p in predictions
    ]


def by_language(predictions: Sequence[Prediction]) -> dict[str, list[Prediction]]:
    """Group predictions by the language of their example, languages sorted."""
    groups: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        groups[p.example.language].append(p)
    return dict(sorted(groups.items()))


def confusions(predictions: Sequence[Prediction], top: int = TOP_CONFUSIONS) -> list[dict[str, Any]]:
    """The most frequent ``gold -> predicted`` mistakes with up to three example texts each."""
    mistakes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in predictions:
        if p.intent != p.example.intent:
            mistakes[(p.example.intent, p.intent)].append(f"{p.example.language}: {p.example.text}")
    ranked = sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0]))[:top]
    return [
        {"gold": g, "predicted": p, "count": len(texts), "examples": texts[:3]} for (g, p), texts in ranked
    ]


def gibberish(count: int = GIBBERISH_SIZE, seed: int = SEED) -> list[str]:
    """Messages no intent should claim: keyboard mashes, random letters, digits and emoji."""
    rng = random.Random(seed)
    emoji = [chr(c) for c in range(0x1F300, 0x1F5FF) if chr(c) not in "🙏👋😊❤"]
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

    def word() -> str:
        kind = rng.randrange(4)
        if kind == 0:
            row = rng.choice(rows)
            start = rng.randrange(len(row) - 2)
            return row[start : start + rng.randint(3, len(row) - start)]
        if kind == 1:
            return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 8)))
        if kind == 2:
            return "".join(rng.choices(string.digits, k=rng.randint(1, 6)))
        return "".join(rng.choices(emoji, k=rng.randint(1, 3)))

    return [" ".join(word() for _ in range(rng.randint(1, 3))) for _ in range(count)]


def threshold_sweep(
    predictions: Sequence[Prediction], noise_confidences: Sequence[float]
) -> list[dict[str, float]]:
    """For each candidate threshold, the share of messages it handles well.

    A message is handled well when a right intent is accepted, or when the fallback catches a
    wrong intent or gibberish (asking to rephrase beats acting on a wrong intent).
    """
    total = len(predictions) + len(noise_confidences)
    rows = []
    for t in THRESHOLDS:
        accepted_right = sum(p.confidence >= t and p.intent == p.example.intent for p in predictions)
        caught_wrong = sum(p.confidence < t and p.intent != p.example.intent for p in predictions)
        rejected_noise = sum(c < t for c in noise_confidences)
        rows.append(
            {
                "threshold": t,
                "accepted_right": accepted_right / len(predictions),
                "fallback": sum(p.confidence < t for p in predictions) / len(predictions),
                "caught_wrong": caught_wrong / len(predictions),
                "gibberish_rejected": rejected_noise / len(noise_confidences),
                "handled": (accepted_right + caught_wrong + rejected_noise) / total,
            }
        )
    return rows


def language_summary(predictions: Sequence[Prediction], threshold: float) -> dict[str, dict[str, float]]:
    """Per language: macro-F1 of the top intent, the same after the fallback, accuracy, fallback rate."""
    return {
        language: {
            "examples": len(group),
            "macro_f1": macro_f1(_pairs(group)),
            "macro_f1_with_fallback": macro_f1(_pairs(group, threshold)),
            "accuracy": sum(p.intent == p.example.intent for p in group) / len(group),
            "fallback_rate": sum(p.confidence < threshold for p in group) / len(group),
        }
        for language, group in by_language(predictions).items()
    }


def evaluate(data: TrainingData, fitter: Fitter, k: int = 5, seed: int = SEED) -> dict[str, Any]:
    """Train on the split's train part and score the test part; cross-validate with ``k`` folds.

    The threshold sweep uses the out-of-fold predictions (every example scored by a model that did
    not see it) and the split model's confidences on :func:`gibberish`.
    """
    train, test = split(data, seed=seed)
    backend = fitter(train)
    held_out = predict(backend, test.examples)
    noise_confidences = [backend.parse_sync(text).confidence for text in gibberish()]
    fold_f1: dict[str, list[float]] = defaultdict(list)
    out_of_fold: list[Prediction] = []
    for fold_train, fold_test in folds(data, k, seed) if k > 1 else []:
        fold_predictions = predict(fitter(fold_train), fold_test.examples)
        out_of_fold += fold_predictions
        for language, group in by_language(fold_predictions).items():
            fold_f1[language].append(macro_f1(_pairs(group)))
        fold_f1["all"].append(macro_f1(_pairs(fold_predictions)))
    sweep = threshold_sweep(out_of_fold, noise_confidences) if out_of_fold else []
    return {
        "split": {"seed": seed, "train": len(train.examples), "test": len(test.examples)},
        "threshold": backend.threshold,
        "languages": language_summary(held_out, backend.threshold),
        "intents": {
            language: {intent: asdict(s) for intent, s in intent_scores(_pairs(group)).items()}
            for language, group in {"all": held_out, **by_language(held_out)}.items()
        },
        "confusions": confusions(held_out),
        "cross_validation": {
            "folds": k,
            "macro_f1": {
                language: {"mean": statistics.fmean(v), "sd": statistics.stdev(v) if len(v) > 1 else 0.0}
                for language, v in fold_f1.items()
            },
        },
        "threshold_sweep": sweep,
        "best_threshold": max(sweep, key=lambda row: (row["handled"], -row["threshold"]))["threshold"]
        if sweep
        else None,
        "core_languages": list(CORE_LANGUAGES),
    }


_Column = tuple[str, str, int, str]  # title, report key, width, format
_LANGUAGE_COLUMNS: tuple[_Column, ...] = (
    ("n", "examples", 5, "d"),
    ("macro-F1", "macro_f1", 10, ".3f"),
    ("w/ fallback", "macro_f1_with_fallback", 13, ".3f"),
    ("accuracy", "accuracy", 10, ".3f"),
    ("fallback", "fallback_rate", 10, ".1%"),
)
_SWEEP_COLUMNS: tuple[_Column, ...] = (
    ("t", "threshold", 5, ".2f"),
    ("right kept", "accepted_right", 12, ".1%"),
    ("fallback", "fallback", 10, ".1%"),
    ("wrong caught", "caught_wrong", 14, ".1%"),
    ("noise caught", "gibberish_rejected", 14, ".1%"),
    ("handled", "handled", 9, ".1%"),
)


def _header(columns: Sequence[_Column]) -> str:
    return "".join(f"{title:>{width}}" for title, _, width, _ in columns)


def _cells(row: dict[str, Any], columns: Sequence[_Column]) -> str:
    return "".join(f"{row[key]:>{width}{spec}}" for _, key, width, spec in columns)


def format_report(report: dict[str, Any]) -> str:
    """Render :func:`evaluate`'s report as plain-text tables (core languages starred)."""
    split_info = report["split"]
    lines = [
        f"Held-out split (seed {split_info['seed']}): {split_info['train']} train, {split_info['test']} test;"
        f" fallback threshold {report['threshold']:.2f}",
        "",
        f"{'lang':<6}" + _header(_LANGUAGE_COLUMNS),
    ]
    for language, row in report["languages"].items():
        star = "*" if language in report["core_languages"] else ""
        lines.append(f"{language + star:<6}" + _cells(row, _LANGUAGE_COLUMNS))
    languages = [lang for lang in report["intents"] if lang != "all"]
    lines += ["", "F1 per intent and language (P, R, F1: all languages pooled)", ""]
    lines.append(f"{'intent':<19}{'P':>6}{'R':>6}{'F1':>6} |" + "".join(f"{lang:>6}" for lang in languages))
    for intent, pooled in report["intents"]["all"].items():
        f1s = (report["intents"][lang].get(intent, {}).get("f1", 0.0) for lang in languages)
        scores = [pooled["precision"], pooled["recall"], pooled["f1"]]
        lines.append(
            f"{intent:<19}"
            + "".join(f"{v:>6.2f}" for v in scores)
            + " |"
            + "".join(f"{v:>6.2f}" for v in f1s)
        )
    lines += ["", "Top confusions (gold -> predicted)", ""]
    for row in report["confusions"]:
        examples = " | ".join(row["examples"])
        lines.append(f"{row['count']:>4}  {row['gold']} -> {row['predicted']}   e.g. {examples}")
    cv = report["cross_validation"]
    if cv["macro_f1"]:
        lines += ["", f"{cv['folds']}-fold cross-validation, macro-F1 mean ± sd", ""]
        lines += [f"{lang:<6}{v['mean']:.3f} ± {v['sd']:.3f}" for lang, v in cv["macro_f1"].items()]
    if report["threshold_sweep"]:
        lines += ["", "Fallback threshold sweep on the out-of-fold predictions", "", _header(_SWEEP_COLUMNS)]
        lines += [_cells(row, _SWEEP_COLUMNS) for row in report["threshold_sweep"]]
        lines.append(f"best threshold by 'handled': {report['best_threshold']:.2f}")
    return "\n".join(lines)
