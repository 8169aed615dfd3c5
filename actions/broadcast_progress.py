"""A broadcast's progress for its coach: one message kept up to date, then a final report.

A chain of jobs drives it (so it survives restarts and runs in whichever worker is free): each job reads
the outbox counts, edits the coach's progress message when they changed, and schedules the next one.
Looks come every ``EVERY`` while messages move and back off to ``SLOWEST`` while nothing does (a pause,
quiet hours); an edit is sent only when the text changed, so it never edits faster than Telegram allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from actions.broadcasts import BroadcastView
from actions.jobs import JobService, JobView
from actions.models import utcnow
from actions.worker import JobContext
from core.i18n import N_, Translate, translator
from core.notify import Button, MessageEditor

PROGRESS_JOB = "broadcasts.progress"
EVERY = timedelta(seconds=5)
SLOWEST = timedelta(minutes=1)
FINISHED = ("done", "cancelled")
#: ``bcc:<action>:<broadcast id>``: the coach's buttons under the progress message.
PREFIX = "bcc"

STATE_NAMES = {
    "draft": N_("draft"),
    "sending": N_("sending"),
    "paused": N_("paused"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
}
HEADER = N_("📣 Broadcast {id}: {state}")
COUNTS = N_(
    "✅ sent {sent} · ⏳ waiting {waiting} · ⚠️ failed {failed} · 🚫 unreachable {unreachable} · "
    "⏭ skipped {skipped}"
)
PACE = N_("⚡ {rate} messages a second · ⏱ about {left} left")
STILL = N_(
    "💤 Nothing is moving right now (quiet hours 21:00–08:00 or Telegram's limit); it carries on by itself."
)
PAUSED = N_("⏸ Paused: press Resume to carry on.")
PAUSE, RESUME, CANCEL = N_("⏸ Pause"), N_("▶️ Resume"), N_("✖️ Cancel")
# Several counts in one sentence: each one as a label ("delivered: 3 of 10"), which reads right for any
# number in every language, where "{n} delivered" would need the participle to agree with each count.
REPORT = N_(
    "🏁 Broadcast {id} finished in {duration}: delivered: {sent} of {total} · failed: {failed} · "
    "unreachable: {unreachable} · skipped: {skipped} (opted out, weekly cap or blocked)."
)
CANCELLED = N_("✖️ Broadcast {id} cancelled: delivered: {sent} of {total}; the rest will not be sent.")


def clock_text(seconds: float) -> str:
    """``1:02:03`` or ``2:03``: a duration without words, the same in every language."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render(_: Translate, view: BroadcastView, rate: float | None = None) -> tuple[str, list[list[Button]]]:
    """The progress message and its buttons (Pause or Resume, and Cancel; none once finished)."""
    counts = view.as_json()
    lines = [
        _(HEADER).format(id=view.id, state=_(STATE_NAMES.get(view.state, view.state))),
        _(COUNTS).format(
            sent=counts["sent"],
            waiting=counts["pending"],
            failed=counts["failed"],
            unreachable=counts["unreachable"],
            skipped=counts["skipped"],
        ),
    ]
    if view.state == "paused":
        lines.append(_(PAUSED))
    elif view.state == "sending" and rate is not None:
        if rate > 0:
            left = clock_text(counts["pending"] / rate)
            lines.append(_(PACE).format(rate=f"{rate:.1f}", left=left))
        elif counts["pending"]:
            lines.append(_(STILL))
    if view.state in FINISHED:
        return "\n".join(lines), []
    toggle = (
        Button(_(RESUME), f"{PREFIX}:resume:{view.id}")
        if view.state == "paused"
        else Button(_(PAUSE), f"{PREFIX}:pause:{view.id}")
    )
    return "\n".join(lines), [[toggle, Button(_(CANCEL), f"{PREFIX}:cancel:{view.id}")]]


def report(_: Translate, view: BroadcastView, started: datetime | None, now: datetime) -> str:
    """The final word: how many were delivered, and how long it took."""
    c = view.as_json()
    if view.state == "cancelled":
        return _(CANCELLED).format(id=view.id, sent=c["sent"], total=c["total"])
    took = clock_text((now - started).total_seconds()) if started else "—"
    return _(REPORT).format(
        id=view.id,
        duration=took,
        sent=c["sent"],
        total=c["total"],
        failed=c["failed"],
        unreachable=c["unreachable"],
        skipped=c["skipped"],
    )


@dataclass(frozen=True)
class Tracking:
    """What one link of the chain carries: which message to edit, and what was shown last."""

    broadcast_id: int
    message_id: int
    lang: str
    seq: int = 1
    done: int = 0  # messages settled (sent, failed, unreachable, skipped) at the last look
    at: float = 0.0  # epoch seconds of the last look
    started: float = 0.0
    idle: int = 0  # looks in a row with nothing settled
    shown: str = ""

    @classmethod
    def from_payload(cls, payload: dict[str, object]) -> Tracking:
        """Read a job's payload back."""
        return cls(**{k: payload[k] for k in cls.__dataclass_fields__ if k in payload})  # type: ignore[arg-type]


async def start_tracking(
    jobs: JobService, broadcast_id: int, pseudonym: str, message_id: int, lang: str
) -> None:
    """Start the chain for a confirmed broadcast; the first edit comes after ``EVERY``."""
    now = utcnow()
    first = Tracking(broadcast_id, message_id, lang, at=now.timestamp(), started=now.timestamp())
    await _schedule(jobs, first, pseudonym, now + EVERY)


async def _schedule(jobs: JobService, step: Tracking, pseudonym: str, due: datetime) -> None:
    await jobs.schedule(
        PROGRESS_JOB,
        dict(step.__dict__),
        due_at=due,
        pseudonym=pseudonym,
        dedupe_key=f"broadcast-progress:{step.broadcast_id}:{step.seq}",
        max_attempts=3,
    )


async def track_progress(job: JobView, context: JobContext) -> None:
    """Edit the progress message if the counts moved; at the end, the report; else the next look."""
    step = Tracking.from_payload(job.payload)
    notifier = context.notifier
    view = await context.services.broadcasts.get(step.broadcast_id)
    if view is None or job.pseudonym is None or not isinstance(notifier, MessageEditor):
        return
    now = utcnow()
    c = view.as_json()
    done = c["total"] - c["pending"]
    elapsed = max(now.timestamp() - step.at, 0.001)
    rate = max(done - step.done, 0) / elapsed
    _ = translator(step.lang)
    text, buttons = render(_, view, rate)
    if text != step.shown:
        await notifier.edit_text(job.pseudonym, step.message_id, text, buttons)
    if view.state in FINISHED:
        started = datetime.fromtimestamp(step.started, now.tzinfo) if step.started else None
        await notifier.send_text(job.pseudonym, report(_, view, started, now))
        return
    idle = 0 if done > step.done else step.idle + 1
    following = Tracking(
        step.broadcast_id,
        step.message_id,
        step.lang,
        seq=step.seq + 1,
        done=done,
        at=now.timestamp(),
        started=step.started,
        idle=idle,
        shown=text,
    )
    await _schedule(context.services.jobs, following, job.pseudonym, now + min(EVERY * 2**idle, SLOWEST))


PROGRESS_JOB_HANDLERS = {PROGRESS_JOB: track_progress}
