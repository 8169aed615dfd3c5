"""Demo events: two upcoming published events per country, written in the country's language, each with
a curated English translation and one more; other languages see the original with its one-line note (or a
machine translation when ``TRANSLATOR`` is set)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from actions.events import COUNTRY_ZONES, EventDraft, EventService
from actions.models import Seeded, utcnow
from core.db import Database

MARKER = "demo_events"
#: country: (city, venue, language of the coach, title, description, translations by language)
DEMO: dict[str, tuple[str, str, str, str, str, dict[str, dict[str, str]]]] = {
    "IT": (
        "Milano",
        "Via Padova 21",
        "it",
        "Aprire la partita IVA",
        "Regime forfettario, INPS e primi passi.",
        {
            "en": {"title": "Opening a VAT number", "description": "Flat-rate scheme, INPS and first steps."},
            "de": {
                "title": "Eine Umsatzsteuernummer beantragen",
                "description": "Pauschalregime, INPS, erste Schritte.",
            },
        },
    ),
    "DE": (
        "Berlin",
        "Oranienstraße 34",
        "de",
        "Gewerbe anmelden",
        "Gewerbeanmeldung, Steuernummer, Kleinunternehmer.",
        {
            "en": {
                "title": "Registering a business",
                "description": "Trade registration, tax number, small business rule.",
            },
            "tr": {
                "title": "İşletme kaydı",
                "description": "Ticari kayıt, vergi numarası, küçük işletme kuralı.",
            },
        },
    ),
    "SI": (
        "Ljubljana",
        "Trubarjeva 12",
        "sl",
        "Odpri s.p.",
        "Registracija, prispevki in normiranci.",
        {
            "en": {
                "title": "Opening a sole proprietorship (s.p.)",
                "description": "Registration, contributions, flat-rate scheme.",
            },
            "hr": {
                "title": "Otvaranje s.p.-a u Sloveniji",
                "description": "Registracija, doprinosi i paušalno oporezivanje.",
            },
        },
    ),
    "HR": (
        "Zagreb",
        "Ilica 45",
        "hr",
        "Otvaranje obrta",
        "Paušalni obrt, fiskalizacija i doprinosi.",
        {
            "en": {
                "title": "Opening a craft business (obrt)",
                "description": "Flat-rate obrt, fiscalisation, contributions.",
            },
            "uk": {"title": "Відкриття обрту", "description": "Паушальний обрт, фіскалізація та внески."},
        },
    ),
    "HU": (
        "Budapest",
        "Király utca 8",
        "hu",
        "Egyéni vállalkozás indítása",
        "Átalányadó, számlázás, járulékok.",
        {
            "en": {
                "title": "Starting as a sole trader",
                "description": "Flat-rate tax, invoicing, contributions.",
            },
            "zh": {"title": "开办个体经营", "description": "定额税、开票与社保缴费。"},
        },
    ),
}


async def seed_events(db: Database, events: EventService) -> bool:
    """Add the demo events once (marked ``demo_events``); return whether anything was added."""
    async with db.transaction() as session:
        if await session.get(Seeded, MARKER) is not None:
            return False
    today = utcnow().date()
    for number, (country, (city, venue, lang, title, description, translations)) in enumerate(DEMO.items()):
        zone = ZoneInfo(COUNTRY_ZONES[country])
        for week, online in ((1, False), (3, True)):
            day = today + timedelta(days=7 * week + number)
            start = datetime.combine(day, time(18, 0), zone)
            await events.add(
                EventDraft(
                    title=title if not online else f"{title} (online)",
                    description=description,
                    language=lang,
                    translations={
                        other: {**texts, "title": texts["title"] + (" (online)" if online else "")}
                        for other, texts in translations.items()
                    },
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    timezone=COUNTRY_ZONES[country],
                    country=country,
                    city=city,
                    venue=None if online else venue,
                    online_url=f"https://meet.jit.si/interhub-demo-{country.lower()}" if online else None,
                    capacity=None if online else 20,
                    publish=True,
                )
            )
    async with db.transaction() as session:
        session.add(Seeded(name=MARKER))
    return True
