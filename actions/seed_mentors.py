"""Demo mentors: invented people, clearly marked "(demo)", a few per country, varied sectors and languages."""

from __future__ import annotations

from actions.mentoring import MentorDraft, MentoringService
from actions.models import Seeded
from core.db import Database

MARKER = "demo_mentors"
#: name, countries, sectors, languages, capacity, English bio
DEMO = (
    ("Amina Haddad (demo)", "IT", "food", "ar,it,fr,en", 3, "Runs a Syrian bakery in Milano since 2015."),
    ("Luca Bianchi (demo)", "IT", "fashion,design", "it,en,es", 2, "Tailor; helps with shops and SCIA."),
    ("Mei Lin (demo)", "IT", "fashion", "zh,it,en", 2, "Opened two clothing shops in Prato."),
    ("Olena Kovalenko (demo)", "DE", "design", "uk,de,en", 3, "Graphic design studio in Berlin."),
    ("Mehmet Yılmaz (demo)", "DE", "food", "tr,de,en", 2, "Family restaurant in Köln for 20 years."),
    ("Sophie Martin (demo)", "DE", "fashion,other", "fr,de,en", 1, "Online fashion shop, marketing."),
    ("Ana Novak (demo)", "SI", "food,other", "sl,hr,en", 2, "Catering business in Ljubljana."),
    ("Rahul Mehta (demo)", "SI", "design", "en,sl", 2, "Web studio; helps with s.p. and taxes."),
    ("Ivana Horvat (demo)", "HR", "fashion,design", "hr,en,it", 2, "Textile designer with a shop in Zagreb."),
    ("Youssef Benali (demo)", "HR", "food", "ar,fr,hr,en", 2, "Moroccan street food in Split."),
    ("Zsófia Kiss (demo)", "HU", "design,other", "hu,en,de", 2, "Architecture studio, EU grants."),
    ("Carlos Ruiz (demo)", "HU", "food", "es,hu,en", 3, "Tapas bar in Budapest since 2018."),
)


async def seed_mentors(db: Database, mentoring: MentoringService) -> bool:
    """Add the demo mentors once (marked ``demo_mentors``); return whether anything was added."""
    async with db.transaction() as session:
        if await session.get(Seeded, MARKER) is not None:
            return False
    for name, country, sectors, languages, capacity, bio in DEMO:
        await mentoring.add_mentor(
            MentorDraft(
                name=name,
                bio={"en": bio},
                sectors=tuple(sectors.split(",")),
                languages=tuple(languages.split(",")),
                countries=(country,),
                capacity=capacity,
            )
        )
    async with db.transaction() as session:
        session.add(Seeded(name=MARKER))
    return True
