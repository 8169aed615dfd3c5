"""Tests for the NLU training data (Rasa 3.1 YAML) and its typed loader."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlu.training_data import (
    CORE_LANGUAGES,
    DATA_DIR,
    ENTITY_VALUES,
    EXTRA_LANGUAGES,
    INTENTS,
    LANGUAGES,
    EntitySpan,
    TrainingData,
    TrainingDataError,
    load_training_data,
    parse_annotated,
)

DOMAINS: dict[str, tuple[str, ...]] = {
    "chitchat": ("greet", "goodbye", "thanks", "help", "out_of_scope"),
    "questions": ("ask_question",),
    "events": ("list_events", "enrol_event", "my_events"),
    "services": ("request_mentoring", "give_feedback", "talk_to_human"),
    "settings": ("change_language", "privacy_mydata", "privacy_forget"),
}
KINDS = ("intent", "synonym", "lookup", "regex")
KNOWN_CODES = frozenset().union(*ENTITY_VALUES.values())
OTHER_ENTITIES = frozenset({"event_id"})
DATA_FILES = sorted(DATA_DIR.rglob("*.yml"))


def minimum(language: str, intent: str) -> int:
    """Required number of examples of an intent in a language."""
    core = language in CORE_LANGUAGES
    if intent == "ask_question":
        return 50 if core else 15
    return 30 if core else 12


def normalise(text: str) -> str:
    """Casefold, drop punctuation and collapse spaces: what a tokenizer would see."""
    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text.casefold())
    return " ".join(kept.split())


def raw_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=yaml.CSafeLoader)


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return load_training_data()


# --- annotation parsing -------------------------------------------------------------------------


def test_plain_annotation_gives_span_and_surface_value() -> None:
    text, spans = parse_annotated("ciao, come apro la p iva in [Italia](country) per [sartoria](sector)?")
    assert text == "ciao, come apro la p iva in Italia per sartoria?"
    assert spans == (EntitySpan(28, 34, "country", "Italia"), EntitySpan(39, 47, "sector", "sartoria"))
    assert [text[s.start : s.end] for s in spans] == ["Italia", "sartoria"]


def test_json_annotation_gives_explicit_value() -> None:
    text, spans = parse_annotated('trebam li [dozvolu]{"entity": "topic", "value": "legislation"} za obrt?')
    assert text == "trebam li dozvolu za obrt?"
    assert spans == (EntitySpan(10, 17, "topic", "legislation"),)


def test_inflected_country_and_colon_and_list_syntax() -> None:
    text, spans = parse_annotated(
        'radim u [Njemačkoj]{"entity": "country", "value": "DE"}, [Berlin](country:DE) '
        '[pekara][{"entity": "sector", "value": "food"}, {"entity": "business"}]'
    )
    assert text == "radim u Njemačkoj, Berlin pekara"
    assert spans == (
        EntitySpan(8, 17, "country", "DE"),
        EntitySpan(19, 25, "country", "DE"),
        EntitySpan(26, 32, "sector", "food"),
        EntitySpan(26, 32, "business", "pekara"),
    )


def test_text_without_annotations_is_unchanged() -> None:
    assert parse_annotated("grazzie mille 🙏 (davvero)") == ("grazzie mille 🙏 (davvero)", ())


def test_broken_json_annotation_raises() -> None:
    with pytest.raises(TrainingDataError):
        parse_annotated('[x]{"entity": country}')


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_loader_resolves_synonyms_and_language(tmp_path: Path) -> None:
    write(
        tmp_path / "entities.yml",
        'version: "3.1"\nnlu:\n- synonym: DE\n  examples: |\n    - Germania\n    - Deutschland\n'
        "- lookup: country\n  examples: |\n    - germania\n- regex: event_id\n  examples: |\n    - #\\d+\n",
    )
    write(
        tmp_path / "it" / "questions.yml",
        'version: "3.1"\nnlu:\n- intent: ask_question\n  metadata:\n    language: it\n  examples: |\n'
        "    - tasse in [germania](country)?\n",
    )
    write(
        tmp_path / "hr" / "questions.yml",
        'version: "3.1"\nnlu:\n- intent: ask_question\n  examples: |\n'
        '    - porez u [Njemačkoj]{"entity": "country", "value": "DE"}\n    - bok\n',
    )
    loaded = load_training_data(tmp_path)
    assert [(e.language, e.text, e.entities) for e in loaded.examples] == [
        ("hr", "porez u Njemačkoj", (EntitySpan(8, 17, "country", "DE"),)),
        ("hr", "bok", ()),
        ("it", "tasse in germania?", (EntitySpan(9, 17, "country", "DE"),)),
    ]
    assert loaded.synonyms == {"germania": "DE", "deutschland": "DE", "njemačkoj": "DE"}
    assert loaded.lookups == {"country": ["germania"]}
    assert loaded.regexes == {"event_id": ["#\\d+"]}
    assert loaded.intents() == ["ask_question"]
    assert loaded.counts() == {"hr": {"ask_question": 2}, "it": {"ask_question": 1}}
    assert loaded.examples[0].source == tmp_path / "hr" / "questions.yml"


def test_loader_rejects_conflicting_synonyms(tmp_path: Path) -> None:
    write(
        tmp_path / "entities.yml",
        'version: "3.1"\nnlu:\n- synonym: DE\n  examples: |\n    - berlin\n'
        "- synonym: IT\n  examples: |\n    - Berlin\n",
    )
    with pytest.raises(TrainingDataError, match="Berlin"):
        load_training_data(tmp_path)


def test_loader_rejects_item_with_two_kinds(tmp_path: Path) -> None:
    write(
        tmp_path / "en" / "x.yml", 'version: "3.1"\nnlu:\n- intent: a\n  synonym: b\n  examples: |\n    - x\n'
    )
    with pytest.raises(TrainingDataError):
        load_training_data(tmp_path)


# --- shape of the real files ---------------------------------------------------------------------


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(DATA_DIR)))
def test_file_has_rasa_31_shape(path: Path) -> None:
    document = raw_yaml(path)
    assert sorted(document) == ["nlu", "version"]
    assert document["version"] == "3.1"
    assert isinstance(document["nlu"], list) and document["nlu"]
    for item in document["nlu"]:
        kinds = [k for k in KINDS if k in item]
        assert len(kinds) == 1, item
        allowed = {kinds[0], "examples", "metadata"} if kinds[0] == "intent" else {kinds[0], "examples"}
        assert set(item) - allowed == set(), item
        assert isinstance(item["examples"], str)
        lines = [line for line in item["examples"].splitlines() if line.strip()]
        assert lines
        assert [line for line in lines if not line.startswith("- ")] == []
        if kinds[0] == "intent":
            assert item["metadata"] == {"language": path.parent.name}


def test_layout_one_folder_per_language_with_five_domain_files() -> None:
    actual = {p.relative_to(DATA_DIR).as_posix() for p in DATA_FILES}
    expected = {"entities.yml"} | {f"{lang}/{domain}.yml" for lang in LANGUAGES for domain in DOMAINS}
    assert actual == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_domain_file_holds_exactly_its_intents(language: str) -> None:
    actual = {
        domain: tuple(item["intent"] for item in raw_yaml(DATA_DIR / language / f"{domain}.yml")["nlu"])
        for domain in DOMAINS
    }
    assert actual == DOMAINS


def test_every_required_intent_exists_in_every_language(data: TrainingData) -> None:
    counts = data.counts()
    missing = [
        (lang, intent) for lang in LANGUAGES for intent in INTENTS if intent not in counts.get(lang, {})
    ]
    assert missing == []
    assert sorted(data.intents()) == sorted(INTENTS)
    assert data.languages() == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_minimum_examples_per_intent(data: TrainingData, language: str) -> None:
    counts = data.counts().get(language, {})
    too_few = {i: counts.get(i, 0) for i in INTENTS if counts.get(i, 0) < minimum(language, i)}
    assert too_few == {}


def test_counts_helpers_agree(data: TrainingData) -> None:
    assert (
        data.counts()["it"]["greet"]
        == data.count("it", "greet")
        == len([e for e in data.for_language("it") if e.intent == "greet"])
    )
    assert sum(sum(c.values()) for c in data.counts().values()) == len(data.examples)


def test_no_duplicate_within_an_intent(data: TrainingData) -> None:
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    duplicates = []
    for ex in data.examples:
        key = normalise(ex.text)
        if key in seen[ex.language, ex.intent]:
            duplicates.append((ex.language, ex.intent, ex.text))
        seen[ex.language, ex.intent].add(key)
    assert duplicates == []


def test_no_text_in_two_intents(data: TrainingData) -> None:
    intents_of: dict[str, set[str]] = defaultdict(set)
    for ex in data.examples:
        intents_of[normalise(ex.text)].add(ex.intent)
    assert {text: sorted(i) for text, i in intents_of.items() if len(i) > 1} == {}


def test_no_leftover_markup_and_spans_inside_text(data: TrainingData) -> None:
    leftovers = [e.text for e in data.examples if re.search(r"\]\(|\]\{|\]\[", e.text)]
    assert leftovers == []
    bad = [
        (e.text, s)
        for e in data.examples
        for s in e.entities
        if not (0 <= s.start < s.end <= len(e.text))
        or e.text[s.start : s.end].strip() != e.text[s.start : s.end]
    ]
    assert bad == []


def test_entity_spans_cover_whole_words(data: TrainingData) -> None:
    """A span that starts or ends inside a word cannot align with tokens (Chinese has no spaces)."""

    def inside_word(text: str, i: int) -> bool:
        return 0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum()

    cut = [
        (e.language, e.text, e.text[s.start : s.end])
        for e in data.examples
        if e.language != "zh"
        for s in e.entities
        if inside_word(e.text, s.start) or inside_word(e.text, s.end)
    ]
    assert cut == []


# --- entities -----------------------------------------------------------------------------------


def test_every_synonym_target_is_a_known_code(data: TrainingData) -> None:
    assert {v for v in data.synonyms.values() if v not in KNOWN_CODES} == set()


def test_every_entity_value_is_valid_for_its_type(data: TrainingData) -> None:
    bad = [
        (e.language, e.text, s.entity, s.value)
        for e in data.examples
        for s in e.entities
        if s.entity not in OTHER_ENTITIES and s.value not in ENTITY_VALUES.get(s.entity, frozenset())
    ]
    assert bad == []


def test_entities_are_annotated_where_a_country_topic_or_sector_is_named(data: TrainingData) -> None:
    annotated = {e for ex in data.examples for e in ex.entities if e.entity in ENTITY_VALUES}
    assert {e.entity for e in annotated} == set(ENTITY_VALUES)
    with_country = {ex.language for ex in data.examples for e in ex.entities if e.entity == "country"}
    assert with_country == set(LANGUAGES)


def test_lookup_tables_list_every_synonym_surface(data: TrainingData) -> None:
    lookup_of = {value: entity for entity, values in ENTITY_VALUES.items() for value in values}
    explicit = load_synonym_blocks()
    missing = [
        (surface, value)
        for surface, value in explicit.items()
        if surface not in {w.lower() for w in data.lookups[lookup_of[value]]}
    ]
    assert missing == []
    assert sorted(data.lookups) == sorted(ENTITY_VALUES)


def load_synonym_blocks() -> dict[str, str]:
    document = raw_yaml(DATA_DIR / "entities.yml")
    return {
        line[2:].strip().lower(): item["synonym"]
        for item in document["nlu"]
        if "synonym" in item
        for line in item["examples"].splitlines()
        if line.strip()
    }


def test_country_names_in_many_languages_resolve(data: TrainingData) -> None:
    names = {
        "Germania": "DE",
        "Deutschland": "DE",
        "Njemačka": "DE",
        "Nemčija": "DE",
        "Németország": "DE",
        "ألمانيا": "DE",
        "德国": "DE",
        "Німеччина": "DE",
        "Almanya": "DE",
        "Alemania": "DE",
        "Allemagne": "DE",
        "germani": "DE",
        "berlin": "DE",
        "italiano": "IT",
        "milano": "IT",
        "Ljubljana": "SI",
        "zagreb": "HR",
        "Budapest": "HU",
        "Magyarország": "HU",
        "Hrvatskoj": "HR",
    }
    assert {name: data.resolve(name) for name in names} == names


def test_topics_and_sectors_resolve(data: TrainingData) -> None:
    names = {
        "tasse": "finance",
        "Steuern": "finance",
        "davki": "finance",
        "porez": "finance",
        "adó": "finance",
        "vat": "finance",
        "iva": "finance",
        "permesso": "legislation",
        "Aufenthaltstitel": "legislation",
        "dovoljenje": "legislation",
        "dozvola": "legislation",
        "engedély": "legislation",
        "registration": "legislation",
        "advertising": "marketing",
        "social media": "marketing",
        "fiera": "marketing",
        "Messe": "marketing",
        "sejem": "marketing",
        "sajam": "marketing",
        "vásár": "marketing",
        "employee": "hr",
        "dipendente": "hr",
        "Mitarbeiter": "hr",
        "zaposleni": "hr",
        "radnik": "hr",
        "munkavállaló": "hr",
        "minimum wage": "hr",
        "kebab": "food",
        "Imbiss": "food",
        "pekarna": "food",
        "sartoria": "fashion",
        "Schneiderei": "fashion",
        "šivilja": "fashion",
        "krojač": "fashion",
        "varroda": "fashion",
        "interior design": "design",
        "graphic design": "design",
    }
    assert {name: data.resolve(name) for name in names} == names


def test_regexes_compile_and_match(data: TrainingData) -> None:
    compiled = {name: [re.compile(p) for p in patterns] for name, patterns in data.regexes.items()}
    samples = {
        "event_id": ["sign me up for #42", "evento 7 pls", "prijavi me na događaj br. 12"],
        "partita_iva": ["la mia p iva è 12345678903"],
    }
    actual = {
        name: [any(p.search(text) for p in compiled[name]) for text in texts]
        for name, texts in samples.items()
    }
    assert actual == {name: [True] * len(texts) for name, texts in samples.items()}


# --- the text looks like the language it claims ---------------------------------------------------

SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06FF]"),
    "zh": re.compile(r"[\u4E00-\u9FFF]"),
    "uk": re.compile(r"[\u0400-\u04FF]"),
}


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_non_latin_languages_are_written_in_their_script(data: TrainingData, language: str) -> None:
    examples = data.for_language(language)
    latin_only = [e.text for e in examples if not SCRIPTS[language].search(e.text)]
    assert len(latin_only) <= len(examples) // 10, latin_only


def test_extra_languages_are_present() -> None:
    assert all((DATA_DIR / lang).is_dir() for lang in EXTRA_LANGUAGES)
