"""Reports and exports of one questionnaire version: pure functions over the responses, no I/O.

The dashboard and ``interhub survey report|export`` call the same functions. Aggregates only in the report:
no free text, no per-person rows. Per-question figures count every answer given (partial responses too);
the NPS and CUQ scores count the responses that answered all their items.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import mean
from typing import Any

from actions.surveys.definitions import Definition, Question

META_COLUMNS = (
    "response",
    "status",
    "language",
    "country",
    "sector",
    "event_id",
    "started_at",
    "submitted_at",
)


@dataclass(frozen=True)
class ResponseRecord:
    """One response as the report and the export read it (no pseudonym)."""

    id: int
    status: str
    language: str
    country: str | None
    sector: str | None
    event_id: int
    started_at: datetime
    submitted_at: datetime | None
    current: str | None
    answers: dict[str, Any]  # question id → value; None when skipped
    skipped: frozenset[str]


def cuq_score(items: list[int]) -> float:
    """The Chatbot Usability Questionnaire score, 0–100 (Holmes et al. 2019, the CUQ calculation tool).

    ``items`` are the 16 answers (1–5) in the published order: odd items are positive, even items negative;
    score = ((sum of odd items − 8) + (40 − sum of even items)) × 100 / 64.
    """
    if len(items) != 16 or any(not 1 <= item <= 5 for item in items):
        raise ValueError("the CUQ has 16 items answered on 1–5")
    odd, even = sum(items[0::2]), sum(items[1::2])
    return ((odd - 8) + (40 - even)) * 100 / 64


def nps_score(answers: list[int]) -> float | None:
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6), or None without answers."""
    if not answers:
        return None
    promoters = sum(1 for a in answers if a >= 9)
    detractors = sum(1 for a in answers if a <= 6)
    return round((promoters - detractors) * 100 / len(answers), 1)


def _stopped_at(record: ResponseRecord, question: Question) -> bool:
    return record.status != "submitted" and record.current == question.id


def _question_report(question: Question, records: list[ResponseRecord]) -> dict[str, Any]:
    given = [r.answers[question.id] for r in records if r.answers.get(question.id) is not None]
    skipped = sum(1 for r in records if question.id in r.skipped)
    stopped_here = sum(1 for r in records if _stopped_at(r, question))
    entry: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "text": question.text["en"],
        "answered": len(given),
        "skipped": skipped,
        "drop_off": stopped_here,
        "reached": sum(1 for r in records if question.id in r.answers or _stopped_at(r, question)),
    }
    if question.type in ("likert5", "nps"):
        scale = range(1, 6) if question.type == "likert5" else range(11)
        counts = Counter(given)
        entry["distribution"] = {str(point): counts.get(point, 0) for point in scale}
        entry["mean"] = round(mean(given), 2) if given else None
    elif question.type in ("single", "multi"):
        counts = Counter(v for value in given for v in (value if isinstance(value, list) else [value]))
        entry["counts"] = {c.id: counts.get(c.id, 0) for c in question.choices}
    elif question.type == "number":
        entry["mean"] = round(mean(given), 2) if given else None
        entry["min"], entry["max"] = (min(given), max(given)) if given else (None, None)
    return entry


def build_report(definition: Definition, records: list[ResponseRecord]) -> dict[str, Any]:
    """Responses started and completed, per-question counts and drop-off, means, NPS and CUQ."""
    started = [r for r in records if r.answers]
    completed = [r for r in records if r.status == "submitted"]
    report: dict[str, Any] = {
        "name": definition.name,
        "version": definition.version,
        "responses": {
            "started": len(started),
            "completed": len(completed),
            "completion_rate": round(len(completed) / len(started), 3) if started else None,
        },
        "questions": [_question_report(q, records) for q in definition.questions],
    }
    if definition.nps:
        scores = [
            int(r.answers[definition.nps]) for r in records if r.answers.get(definition.nps) is not None
        ]
        report["nps"] = {"responses": len(scores), "score": nps_score(scores)}
    if definition.cuq:
        complete = [
            [int(r.answers[item]) for item in definition.cuq]
            for r in records
            if all(r.answers.get(item) is not None for item in definition.cuq)
        ]
        values = [cuq_score(items) for items in complete]
        report["cuq"] = {
            "responses": len(values),
            "mean": round(mean(values), 1) if values else None,
            "formula": "((odd items − 8) + (40 − even items)) × 100/64, Holmes et al. 2019",
        }
    return report


def _cell(question: Question, value: Any) -> tuple[str, str]:
    if value is None:
        return "", ""
    if question.type == "single":
        choice = question.choice(str(value))
        return str(value), choice.label["en"] if choice else ""
    if question.type == "multi":
        labels = [c.label["en"] for v in value if (c := question.choice(str(v))) is not None]
        return ";".join(map(str, value)), ";".join(labels)
    return str(value), ""


def export_rows(definition: Definition, records: list[ResponseRecord]) -> list[dict[str, Any]]:
    """One row per response: a column per question (choice ids and English labels), status, context."""
    rows = []
    for number, record in enumerate(records, start=1):
        row: dict[str, Any] = {
            "response": number,
            "status": "submitted" if record.status == "submitted" else "partial",
            "language": record.language,
            "country": record.country or "",
            "sector": record.sector or "",
            "event_id": record.event_id or "",
            "started_at": record.started_at.isoformat(),
            "submitted_at": record.submitted_at.isoformat() if record.submitted_at else "",
        }
        for question in definition.questions:
            value, label = _cell(question, record.answers.get(question.id))
            row[question.id] = value
            if question.type in ("single", "multi"):
                row[f"{question.id}_label"] = label
        rows.append(row)
    return rows


def export_columns(definition: Definition) -> list[str]:
    """The export's columns in order (for CSV headers, even without rows)."""
    columns = [
        "response",
        "status",
        "language",
        "country",
        "sector",
        "event_id",
        "started_at",
        "submitted_at",
    ]
    for question in definition.questions:
        columns.append(question.id)
        if question.type in ("single", "multi"):
            columns.append(f"{question.id}_label")
    return columns
