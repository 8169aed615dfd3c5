"""The embedded backend: intents, fallback, entities, text folding and the build artefact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlu.backend import FALLBACK_INTENT, INTENTS, NluBackend
from nlu.embedded import META_FILE, EmbeddedNlu
from nlu.embedded_text import fold, normalise
from nlu.train import (
    ARTEFACTS_DIR,
    CONFIG_PATH,
    ensure_model,
    load_embedded,
    model_hash,
    read_threshold,
    train,
)
from nlu.training_data import TrainingData

# Written for these tests, not taken from nlu/data (test_messages_are_new checks it).
REALISTIC = {
    "en": [
        ("hey, good morning!", "greet"),
        ("do I need to register for VAT if I sell clothes online in Germany?", "ask_question"),
        ("what workshops are coming up next month?", "list_events"),
        ("which events did I book?", "my_events"),
        ("I'd like a mentor to help me grow my bakery", "request_mentoring"),
        ("please delete all my data", "privacy_forget"),
        ("can you answer in italian?", "change_language"),
    ],
    "it": [
        ("grazie mille per l'aiuto", "thanks"),
        ("come apro la partita iva per una sartoria a Milano?", "ask_question"),
        ("vorrei iscrivermi al workshop di sabato", "enrol_event"),
        ("a quali eventi sono iscritta?", "my_events"),
        ("voglio parlare con un operatore", "talk_to_human"),
        ("cancellate tutti i miei dati per favore", "privacy_forget"),
        ("ciao, a domani", "goodbye"),
    ],
    "de": [
        ("hallo, guten Tag!", "greet"),
        ("wie melde ich ein Gewerbe als Schneiderin in München an?", "ask_question"),
        ("welche Workshops gibt es nächste Woche?", "list_events"),
        ("bitte melde mich für den Steuer-Workshop an", "enrol_event"),
        ("ich hätte gern eine Mentorin für mein Café", "request_mentoring"),
        ("ich möchte mit einem Menschen sprechen", "talk_to_human"),
        ("tschüss, bis bald", "goodbye"),
    ],
    "sl": [
        ("najlepša hvala za pomoč", "thanks"),
        ("kako odprem s.p. za šiviljstvo v Ljubljani?", "ask_question"),
        ("katere delavnice so ta mesec?", "list_events"),
        ("na katere dogodke sem prijavljena?", "my_events"),
        ("želim govoriti s človekom", "talk_to_human"),
        ("izbrišite vse moje podatke", "privacy_forget"),
        ("lahko pišeš v angleščini?", "change_language"),
    ],
    "hr": [
        ("dobar dan svima", "greet"),
        ("kako otvoriti obrt za šivanje u Zagrebu?", "ask_question"),
        ("prijavite me na radionicu o marketingu", "enrol_event"),
        ("na koje sam se događaje prijavila?", "my_events"),
        ("trebam mentora za svoju pekaru", "request_mentoring"),
        ("mogu li razgovarati sa stvarnom osobom?", "talk_to_human"),
        ("možeš li pisati na engleskom?", "change_language"),
    ],
    "hu": [
        ("köszönöm szépen a segítséget", "thanks"),
        ("hogyan indíthatok egyéni vállalkozást varrodaként Budapesten?", "ask_question"),
        ("milyen workshopok lesznek ebben a hónapban?", "list_events"),
        ("milyen eseményekre jelentkeztem?", "my_events"),
        ("mentort szeretnék a pékségemhez", "request_mentoring"),
        ("egy emberrel szeretnék beszélni", "talk_to_human"),
        ("töröljétek az összes adatomat", "privacy_forget"),
    ],
}
MESSAGES = [(lang, text, intent) for lang, items in REALISTIC.items() for text, intent in items]

ENTITIES = [
    ("Kako otvoriti obrt u Njemačkoj?", "country", "DE", "Njemačkoj"),
    ("kako otvorit obrt u njemackoj", "country", "DE", "njemackoj"),
    ("Szeretnék vállalkozást indítani Németországban", "country", "DE", "Németországban"),
    ("Rada bi odprla podjetje v Nemčiji", "country", "DE", "Nemčiji"),
    ("Vorrei aprire un'attività in GERMANIA", "country", "DE", "GERMANIA"),
    ("Mennyi adót fizetek Magyarországon?", "country", "HU", "Magyarországon"),
    ("Mennyi adót fizetek Magyarországon?", "topic", "finance", "adót"),
    ("koliko poreza plaća paušalist", "topic", "finance", "poreza"),
    ("Brauche ich eine Genehmigung für meine Bäckerei?", "topic", "legislation", "Genehmigung"),
    ("Brauche ich eine Genehmigung für meine Bäckerei?", "sector", "food", "Bäckerei"),
    ("voglio aprire una sartoria", "sector", "fashion", "sartoria"),
    ("I want to open a restaurant in Italyyyy", "country", "IT", "Italyyyy"),
    ("我想在意大利开餐厅", "country", "IT", "意大利"),
    ("我想在意大利开餐厅", "sector", "food", "餐厅"),
    # A country with an Arabic clitic, a Turkish case ending, a Hungarian city in the inessive.
    ("ابني بألمانيا طالب، بقدر يشتغل ميني جوب؟", "country", "DE", "بألمانيا"),
    ("oğlum almanyada öğrenci, minijob yapabilir mi", "country", "DE", "almanyada"),
    ("a lányom Milánóban akar varrodát nyitni", "country", "IT", "Milánóban"),
    ("sign me up for event #12", "event_id", "12", "event #12"),
    ("Prijavi me na događaj br. 7", "event_id", "7", "događaj br. 7"),
    ("la mia P.IVA è IT 12345678901", "partita_iva", "12345678901", "IT 12345678901"),
    ("codice fiscale RSSMRA85T10A562S", "codice_fiscale", "RSSMRA85T10A562S", "RSSMRA85T10A562S"),
]


@pytest.mark.parametrize(("language", "text", "intent"), MESSAGES)
async def test_realistic_message_parses_to_its_intent(
    embedded: EmbeddedNlu, language: str, text: str, intent: str
) -> None:
    parse = await embedded.parse(text)
    assert (parse.intent, parse.backend) == (intent, "embedded")


def test_messages_are_new(training_data: TrainingData) -> None:
    known = {normalise(example.text) for example in training_data.examples}
    assert [text for _, text, _ in MESSAGES if normalise(text) in known] == []


@pytest.mark.parametrize(("text", "entity", "value", "surface"), ENTITIES)
async def test_entity_is_found_with_its_normalised_value(
    embedded: EmbeddedNlu, text: str, entity: str, value: str, surface: str
) -> None:
    parse = await embedded.parse(text)
    found = [(e.entity, e.value, e.text) for e in parse.entities]
    assert (entity, value, surface) in found
    assert all(text[e.start : e.end] == e.text for e in parse.entities)


@pytest.mark.parametrize("text", ["qwerty", "🤷‍♂️🌵", "🚀🔥🎸", "", "   "])
async def test_gibberish_and_emoji_fall_back_keeping_the_ranking(embedded: EmbeddedNlu, text: str) -> None:
    parse = await embedded.parse(text)
    assert parse.intent == FALLBACK_INTENT
    assert parse.confidence < embedded.threshold
    assert sorted(name for name, _ in parse.ranking) == sorted(INTENTS)
    assert [score for _, score in parse.ranking] == sorted(
        (score for _, score in parse.ranking), reverse=True
    )
    assert parse.confidence == parse.ranking[0][1]


@pytest.mark.parametrize("text", ["asdkj qwe zzz", "xcvb nm", "lkjh asdf"])
async def test_keyboard_mashing_is_neither_a_question_nor_an_action(embedded: EmbeddedNlu, text: str) -> None:
    # Since the near-domain out-of-scope examples, some mashing reads as out of scope (0.51-0.56) rather
    # than below the fallback threshold; either way no action runs (the answering path then says it is not
    # sure, without articles: tests/knowledge/test_answering_rules.py).
    parse = await embedded.parse(text)
    assert parse.intent in (FALLBACK_INTENT, "out_of_scope")


async def test_confident_parse_reports_the_top_of_the_ranking(embedded: EmbeddedNlu) -> None:
    parse = await embedded.parse("thank you so much!")
    assert (parse.intent, parse.confidence) == parse.ranking[0]
    assert parse.confidence >= embedded.threshold


def test_backend_follows_the_protocol_and_the_config_threshold(embedded: EmbeddedNlu) -> None:
    backend: NluBackend = embedded
    assert backend.name == "embedded"
    assert embedded.threshold == read_threshold(CONFIG_PATH)


# --- text folding -------------------------------------------------------------------------------


def test_fold_lowercases_strips_accents_and_cuts_repeats() -> None:
    assert fold("Hellooooo   Njemačkoj!!!!").text == "helloo njemackoj!!"
    assert fold("Straße đak NÉMET").text == "strasse dak nemet"


def test_fold_spaces_ideographs() -> None:
    assert fold("我想在意大利").text == "我 想 在 意 大 利"


def test_fold_maps_back_to_what_was_typed() -> None:
    text = "in Italyyyy, Németországban"
    folded = fold(text)
    start = folded.text.index("italyy")
    assert text[slice(*folded.span(start, start + len("italyy")))] == "Italyyyy"
    start = folded.text.index("nemetorszagban")
    assert text[slice(*folded.span(start, start + len("nemetorszagban")))] == "Németországban"


@pytest.mark.parametrize("text", ["Hellooooo  Njemačkoj!!", "我想在意大利", "  Ǆ ß ﬁ  "])
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


# --- the build artefact ---------------------------------------------------------------------------

TINY_DATA = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
- intent: goodbye
  examples: |
    - bye
    - see you later
    - good night
    - ciao for now
"""
TINY_ENTITIES = """\
version: "3.1"
nlu:
- synonym: DE
  examples: |
    - germany
    - njemačkoj
- lookup: country
  examples: |
    - germany
    - njemačkoj
- regex: event_id
  examples: |
    - #\\d{1,5}\\b
"""


@pytest.fixture()
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """A two-intent data folder and a copy of config.yml."""
    data = tmp_path / "data"
    (data / "en").mkdir(parents=True)
    (data / "en" / "chat.yml").write_text(TINY_DATA, encoding="utf-8")
    (data / "entities.yml").write_text(TINY_ENTITIES, encoding="utf-8")
    config = tmp_path / "config.yml"
    shutil.copy(CONFIG_PATH, config)
    return data, config


def test_train_saves_a_loadable_model_named_by_its_hash(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    data, config = tiny
    out = tmp_path / "out"
    (out / "embedded-stale").mkdir(parents=True)
    path = train(data, config, out)
    assert path == out / f"embedded-{model_hash(data, config)}"
    assert [p.name for p in out.iterdir()] == [path.name]
    assert json.loads((path / META_FILE).read_text(encoding="utf-8"))["threshold"] == read_threshold(config)
    parse = load_embedded(path).parse_sync("hello from Njemačkoj, event #3")
    assert [(e.entity, e.value) for e in parse.entities] == [("country", "DE"), ("event_id", "3")]


def test_training_is_deterministic(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    data, config = tiny
    first = train(data, config, tmp_path / "a")
    second = train(data, config, tmp_path / "b")
    assert (first / "textcat" / "model").read_bytes() == (second / "textcat" / "model").read_bytes()


def test_hash_covers_data_and_config(tiny: tuple[Path, Path]) -> None:
    data, config = tiny
    before = model_hash(data, config)
    config.write_text(config.read_text(encoding="utf-8").replace("threshold:", "threshold: 0.3 #"))
    after_config = model_hash(data, config)
    (data / "en" / "chat.yml").write_text(TINY_DATA + "    - farewell\n", encoding="utf-8")
    assert len({before, after_config, model_hash(data, config)}) == 3


def test_ensure_model_reuses_a_fresh_artefact(embedded: EmbeddedNlu) -> None:
    path = ensure_model()
    assert path == ARTEFACTS_DIR / f"embedded-{model_hash()}"
    stamp = (path / META_FILE).stat().st_mtime_ns
    assert ensure_model() == path
    assert (path / META_FILE).stat().st_mtime_ns == stamp
