"""Calendar files (RFC 5545) for events: the venue's time zone, a reminder the day before, a stable UID."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from actions.events import EventView


def event_uid(event_id: int) -> str:
    """The same UID for every download of one event, so calendars update instead of duplicating."""
    return f"event-{event_id}@interhub"


def event_ics(event: EventView, title: str, description: str) -> bytes:
    """An .ics with one VEVENT in the venue's zone (VTIMEZONE included), LOCATION or URL, a 1-day alarm."""
    calendar = Calendar()
    calendar.add("prodid", "-//InterHub//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = VEvent()
    entry.add("uid", event_uid(event.id))
    entry.add("dtstamp", event.updated_at)
    entry.add("sequence", int(event.updated_at.timestamp()))  # grows with every change: calendars update
    entry.add("dtstart", event.local_start)
    entry.add("dtend", event.local_end)
    entry.add("summary", title)
    if description:
        entry.add("description", description)
    if event.online_url:
        entry.add("url", event.online_url)
        entry.add("location", event.online_url)
    else:
        entry.add("location", f"{event.venue}, {event.city}")
    entry.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", timedelta(days=-1))
    entry.add_component(alarm)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
