"""``interhub nlu compare``: the embedded and the Rasa backend, trained and tested on the same split.

Both learn from the train part of :func:`nlu.evaluate.split` and are scored on its held-out part, on
the top intent (as ``nlu eval`` does; the fallback rate is reported apart). Each side is measured in a
process of its own: the embedded model is trained here, saved, then loaded and timed in a child
Python; Rasa runs as its server (latency over HTTP) and once more inside ``.venv-rasa`` through
``Agent.parse_message`` (its own time, without HTTP).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nlu import rasa_server
from nlu.backend import FALLBACK_INTENT, Parse
from nlu.rasa_backend import RasaNlu
from nlu.training_data import DATA_DIR, Example, TrainingData, load_training_data

_RESULT = "RESULT "
_RASA_INPROCESS = """
import asyncio, json, sys, time
from rasa.core.agent import Agent
async def main():
    agent = Agent.load(sys.argv[1])
    texts = json.loads(sys.stdin.read())
    await agent.parse_message(texts[0])
    out = []
    for text in texts:
        t = time.perf_counter(); await agent.parse_message(text); out.append(time.perf_counter() - t)
    print("RESULT " + json.dumps(out))
asyncio.run(main())
"""


@dataclass
class Result:
    """The figures of one backend. ``accuracy`` and ``macro_f1`` are keyed by language, plus ``all``."""

    backend: str
    train_examples: int
    test_examples: int
    accuracy: dict[str, float]
    macro_f1: dict[str, float]
    fallback_rate: float
    p50_ms: float
    p95_ms: float
    latency_measured: str
    inprocess_p50_ms: float
    inprocess_p95_ms: float
    rss_mb: float
    train_seconds: float
    ready_seconds: float


@dataclass
class _Run:
    """Raw measurements of one backend on the test texts."""

    top: list[str]
    final: list[str]
    latencies: list[float]
    rss_bytes: int
    train_seconds: float
    ready_seconds: float
    inprocess: list[float]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank; NaN when there are no values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else math.nan


def top_intent(parse: Parse) -> str:
    """The best real intent, also when the parse fell back (Rasa ranks ``nlu_fallback`` first then)."""
    return next((name for name, _ in parse.ranking if name != FALLBACK_INTENT), parse.intent)


def summarise(name: str, train: TrainingData, test: Sequence[Example], run: _Run) -> Result:
    """Score a run: accuracy and macro-F1 of the top intent per language, and the resource figures."""
    from nlu.evaluate import macro_f1

    groups: dict[str, list[int]] = {"all": list(range(len(test)))}
    for index, example in sorted(enumerate(test), key=lambda item: item[1].language):
        groups.setdefault(example.language, []).append(index)
    pairs = {lang: [(test[i].intent, run.top[i]) for i in idx] for lang, idx in groups.items()}
    return Result(
        backend=name,
        train_examples=len(train.examples),
        test_examples=len(test),
        accuracy={lang: sum(g == p for g, p in pp) / len(pp) for lang, pp in pairs.items()},
        macro_f1={lang: macro_f1(pp) for lang, pp in pairs.items()},
        fallback_rate=run.final.count(FALLBACK_INTENT) / len(run.final),
        p50_ms=percentile(run.latencies, 50) * 1000,
        p95_ms=percentile(run.latencies, 95) * 1000,
        latency_measured="in-process" if name == "embedded" else "HTTP",
        inprocess_p50_ms=percentile(run.inprocess, 50) * 1000,
        inprocess_p95_ms=percentile(run.inprocess, 95) * 1000,
        rss_mb=run.rss_bytes / 2**20,
        train_seconds=run.train_seconds,
        ready_seconds=run.ready_seconds,
    )


def run_embedded(train: TrainingData, texts: Sequence[str], config: Path) -> _Run:
    """Train the embedded backend here, then load and time it in a fresh child process."""
    from nlu.train import fit, read_threshold

    started = time.perf_counter()
    backend = fit(train, read_threshold(config))
    train_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="interhub-compare-") as scratch:
        backend.to_disk(Path(scratch))
        spawned = time.time()
        answer = _child([sys.executable, "-m", "nlu.compare", scratch], texts, env=None)
    latencies = answer["latencies"]
    ready = answer["ready_at"] - spawned
    return _Run(answer["top"], answer["final"], latencies, answer["rss"], train_seconds, ready, latencies)


def _embedded_child(model: Path) -> None:
    """In the child: load the saved model, parse stdin's texts (after one warm-up), print the figures."""
    from nlu.embedded import EmbeddedNlu

    backend = EmbeddedNlu.from_disk(model)
    ready_at = time.time()
    texts = json.loads(sys.stdin.read())

    async def parse_all() -> tuple[list[Parse], list[float]]:
        await backend.parse(texts[0])
        parses, latencies = [], []
        for text in texts:
            started = time.perf_counter()
            parses.append(await backend.parse(text))
            latencies.append(time.perf_counter() - started)
        return parses, latencies

    parses, latencies = asyncio.run(parse_all())
    figures = {
        "ready_at": ready_at,
        "latencies": latencies,
        "top": [top_intent(p) for p in parses],
        "final": [p.intent for p in parses],
        "rss": rasa_server.process_rss(os.getpid()),
    }
    print(_RESULT + json.dumps(figures))


def run_rasa(train: TrainingData, texts: Sequence[str], config: Path, port: int) -> _Run:
    """Train Rasa on ``train`` (cached by content), serve it, parse over HTTP, then time it in-process."""
    venv = rasa_server.require_venv()
    with tempfile.TemporaryDirectory(prefix="interhub-compare-") as scratch:
        write_nlu_yaml(train.examples, Path(scratch))
        (Path(scratch) / "entities.yml").write_bytes((DATA_DIR / "entities.yml").read_bytes())
        trained = rasa_server.train(Path(scratch), config, echo=_say)
    _say(f"serving {trained.model.name}; parsing {len(texts)} held-out messages over HTTP")
    with rasa_server.serve(trained.model, port or _free_port(), secrets.token_urlsafe(16)) as server:
        parses, latencies = asyncio.run(_parse_over_http(server.url, server.token, texts))
        rss, ready = server.rss_bytes(), server.ready_seconds
    _say("timing Rasa in-process (Agent.parse_message; loads the model once more)")
    answer = _child(
        [str(venv / "bin" / "python"), "-c", _RASA_INPROCESS, str(trained.model)],
        texts,
        rasa_server.rasa_env(venv),
    )
    top, final = [top_intent(p) for p in parses], [p.intent for p in parses]
    return _Run(top, final, latencies, rss, trained.seconds, ready, answer)


async def _parse_over_http(url: str, token: str, texts: Sequence[str]) -> tuple[list[Parse], list[float]]:
    rasa = RasaNlu(url, token, timeout=30)
    try:
        await rasa.parse(texts[0])  # warm-up: the first parse builds TensorFlow's graph
        parses, latencies = [], []
        for text in texts:
            started = time.perf_counter()
            parses.append(await rasa.parse(text))
            latencies.append(time.perf_counter() - started)
    finally:
        await rasa.aclose()
    return parses, latencies


def _child(command: list[str], texts: Sequence[str], env: dict[str, str] | None) -> Any:
    """Run a measuring child with the texts on stdin; return the JSON of its ``RESULT`` line."""
    done = subprocess.run(
        command,
        input=json.dumps(list(texts)),
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(_RESULT)]
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise rasa_server.RasaError(f"measuring child {command[0]} failed (exit {done.returncode}): {tail}")
    return json.loads(lines[-1][len(_RESULT) :])


def write_nlu_yaml(examples: Sequence[Example], folder: Path) -> None:
    """Write examples as Rasa 3.x NLU YAML in ``folder/<language>/train.yml``, the layout of ``nlu/data``.

    Entities are annotated as ``[text]{"entity": …, "value": …}``.
    """
    grouped: dict[str, dict[str, list[str]]] = {}
    for example in examples:
        grouped.setdefault(example.language, {}).setdefault(example.intent, []).append(_annotate(example))
    for language, by_intent in sorted(grouped.items()):
        lines = ['version: "3.1"', "nlu:"]
        for intent, texts in sorted(by_intent.items()):
            lines += [f"- intent: {intent}", "  metadata:", f"    language: {language}", "  examples: |"]
            lines += [f"    - {text}" for text in texts]
        (folder / language).mkdir(parents=True, exist_ok=True)
        (folder / language / "train.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _annotate(example: Example) -> str:
    """The example's text with its (non-overlapping) entities marked up."""
    text, parts, position = example.text, [], 0
    for span in sorted(example.entities, key=lambda s: (s.start, s.end)):
        if span.start < position:
            continue  # Rasa cannot mark overlapping spans
        label = json.dumps({"entity": span.entity, "value": span.value}, ensure_ascii=False)
        parts += [text[position : span.start], f"[{text[span.start : span.end]}]{label}"]
        position = span.end
    return "".join([*parts, text[position:]]).replace("\n", " ")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def render(results: Sequence[Result]) -> str:
    """One plain-text table, a column per backend."""
    languages = ["all", *sorted(k for k in results[0].accuracy if k != "all")]
    rows: list[tuple[str, ...]] = [("", *(r.backend for r in results))]
    rows.append(("train / held-out messages", *(f"{r.train_examples} / {r.test_examples}" for r in results)))
    rows += [(f"accuracy {lang}", *(f"{r.accuracy[lang]:.3f}" for r in results)) for lang in languages]
    rows += [(f"macro-F1 {lang}", *(f"{r.macro_f1[lang]:.3f}" for r in results)) for lang in languages]
    rows.append(("fallback rate (threshold)", *(f"{r.fallback_rate:.1%}" for r in results)))
    rows.append(
        ("parse p50 / p95 ms", *(f"{r.p50_ms:.2f} / {r.p95_ms:.2f} {r.latency_measured}" for r in results))
    )
    rows.append(
        (
            "in-process p50 / p95 ms",
            *(f"{r.inprocess_p50_ms:.2f} / {r.inprocess_p95_ms:.2f}" for r in results),
        )
    )
    rows.append(("RSS MB", *(f"{r.rss_mb:.0f}" for r in results)))
    rows.append(("training s", *(f"{r.train_seconds:.1f}" for r in results)))
    rows.append(("time to ready s", *(f"{r.ready_seconds:.1f}" for r in results)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def main(
    test_fraction: float, seed: int, as_json: bool, port: int = 0, config: Path = rasa_server.CONFIG
) -> int:
    """Train, run and score both backends; print the table, or JSON with one object per backend."""
    from nlu.evaluate import split

    rasa_server.require_venv()
    train, test = split(load_training_data(), test_fraction, seed)
    texts = [example.text for example in test.examples]
    _say(f"split (seed {seed}): {len(train.examples)} train, {len(texts)} held-out; embedded first")
    runs = {"embedded": run_embedded(train, texts, config), "rasa": run_rasa(train, texts, config, port)}
    results = [summarise(name, train, test.examples, run) for name, run in runs.items()]
    if as_json:
        print(json.dumps({r.backend: asdict(r) for r in results}, indent=2))
    else:
        print(render(results))
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    _embedded_child(Path(sys.argv[1]))
