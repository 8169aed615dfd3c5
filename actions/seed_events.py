"""Demo events: two upcoming published events per country, in the country's language where curated."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from actions.events import COUNTRY_ZONES, EventDraft, EventService
from actions.models import Seeded, utcnow
from core.db import Database

MARKER = "demo_events"
#: country: (city, venue, language of the coach, title, description)
DEMO = {
    "IT": (
        "Milano",
        "Via Padova 21",
        "it",
        "Aprire la partita IVA",
        "Regime forfettario, INPS e primi passi.",
    ),
    "DE": (
        "Berlin",
        "Oranienstraße 34",
        "de",
        "Gewerbe anmelden",
        "Gewerbeanmeldung, Steuernummer, Kleinunternehmer.",
    ),
    "SI": ("Ljubljana", "Trubarjeva 12", "sl", "Odpri s.p.", "Registracija, prispevki in normiranci."),
    "HR": ("Zagreb", "Ilica 45", "hr", "Otvaranje obrta", "Paušalni obrt, fiskalizacija i doprinosi."),
    "HU": (
        "Budapest",
        "Király utca 8",
        "hu",
        "Egyéni vállalkozás indítása",
        "Átalányadó, számlázás, járulékok.",
    ),
}


async def seed_events(db: Database, events: EventService) -> bool:
    """Add the demo events once (marked ``demo_events``); return whether anything was added."""
    async with db.transaction() as session:
        if await session.get(Seeded, MARKER) is not None:
            return False
    today = utcnow().date()
    for number, (country, (city, venue, lang, title, description)) in enumerate(DEMO.items()):
        zone = ZoneInfo(COUNTRY_ZONES[country])
        for week, online in ((1, False), (3, True)):
            day = today + timedelta(days=7 * week + number)
            start = datetime.combine(day, time(18, 0), zone)
            await events.add(
                EventDraft(
                    title=title if not online else f"{title} (online)",
                    description=description,
                    language=lang,
                    translations={"en": {"title": f"Workshop in {city}", "description": description}},
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
