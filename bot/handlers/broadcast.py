"""Coach broadcasts in Telegram: the ``/broadcast`` conversation and the buttons under its progress message.

A message or an event invitation, the text, optional translations, the segment, a preview per language,
then Confirm; after that one progress message (kept up to date by ``actions.broadcast_progress``) with
Pause / Resume / Cancel. The conversation is drawn in ``broadcast.mmd``. Roles are checked again in
``actions.broadcasts`` (``broadcasts.manage`` for the segment's country); the draft lives in the
persisted user data, so a restart in the middle resumes where the coach was.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from actions.broadcast_progress import render, start_tracking
from actions.broadcasts import BroadcastError, Segment
from actions.events import EventView
from actions.models import COUNTRIES, SECTORS
from actions.roles import NotAllowed
from bot.context import InterHubContext, Who, who
from bot.features import Command, Feature
from bot.handlers import broadcast_controls
from bot.handlers.broadcast_forms import (
    ACTIVE_DAYS,
    as_markup,
    by_language,
    event_label,
    final_texts,
    markup,
    picker,
    preview_head,
    preview_messages,
    relation_picker,
    segment_menu,
    text_limit,
    too_long,
)
from bot.handlers.events_forms import CHOOSE_BUTTON, EXPIRED, FOR_STAFF, say, typed
from bot.handlers.staff import refuse
from bot.messaging import esc
from core.i18n import LANGUAGE_NAMES, N_, SUPPORTED_LANGUAGES

KIND, EVENT, TEXT, TRANSLATE, SEGMENT, PREVIEW = range(6)
CONVERSATION_NAME = "broadcast"
_DRAFT = "new_broadcast"
KIND_BUTTON = re.compile(r"^bcn:kind:(text|event)$")
EVENT_BUTTON = re.compile(r"^bcn:event:(\d{1,9})$")
NEXT_BUTTON = re.compile(r"^bcn:next$")
SEGMENT_BUTTON = re.compile(r"^bcn:seg:(country|language|sector|event|active|clear|preview)$")
SET_BUTTON = re.compile(
    rf"^bcn:set:(?:(country):({'|'.join(COUNTRIES)}|any)|(language):({'|'.join(SUPPORTED_LANGUAGES)}|any)"
    rf"|(sector):({'|'.join(SECTORS)}|any)|(active):({'|'.join(map(str, ACTIVE_DAYS))}|any)"
    r"|(ev|enrolled|attended|not_enrolled|noevent):(\d{1,9}))$"
)
DONE_BUTTON = re.compile(r"^bcn:(confirm|edit|cancel)$")
EDIT_BUTTON = re.compile(r"^bcn:edit:(text|translations|segment)$")
TRANSLATION = re.compile(r"([a-z]{2})\s*:\s*(.*)", flags=re.DOTALL)
ONLY_TEXT = N_("Please send the message as text only (no photo, file or sticker):")
STOPPED = N_("Broadcast stopped; nothing was sent.")


def _draft(context: InterHubContext) -> dict[str, Any]:
    assert context.user_data is not None, "private-chat updates always have a user"
    found = context.user_data.setdefault(_DRAFT, {})
    assert isinstance(found, dict)
    return found


def _query(update: Update) -> Any:
    query = update.callback_query
    assert query is not None
    return query


async def _scope(context: InterHubContext, telegram_id: int) -> tuple[str, ...]:
    """The countries this coach may write to (every country for an admin or a coach of all)."""
    grant = await context.services.roles.require(telegram_id, "broadcasts.manage")
    if grant.role == "admin" or not grant.countries:
        return COUNTRIES
    return tuple(c for c in COUNTRIES if c in grant.countries)


async def _events(context: InterHubContext, w: Who, statuses: tuple[str, ...]) -> list[EventView]:
    scope = await _scope(context, w.telegram_id)
    events = await context.services.events.find_all(statuses=statuses, upcoming=statuses == ("published",))
    return [e for e in events if e.country in scope][-10:]


async def start(update: Update, context: InterHubContext) -> int:
    """Checks the role and asks what to send."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    if not await context.services.roles.allows(user.id, "broadcasts.manage"):
        await refuse(update, context)
        return ConversationHandler.END
    scope = await _scope(context, user.id)
    context.user_data[_DRAFT] = {"segment": {"country": scope[0]} if len(scope) == 1 else {}}
    w = await who(update, context)
    rows = [
        [(w._("✉️ A message"), "bcn:kind:text")],
        [(w._("📅 An event invitation (with Enrol)"), "bcn:kind:event")],
    ]
    text = w._("📣 New broadcast. Send /cancel at any time.\n\nWhat do you want to send?")
    await say(update, text, markup(rows))
    return KIND


async def _ask_text(update: Update, w: Who, draft: dict[str, Any]) -> int:
    limit = text_limit(draft.get("event_id"))
    ask = w._.ngettext(
        "✍️ Write the message in {language}, up to {limit} character (/cancel stops):",
        "✍️ Write the message in {language}, up to {limit} characters (/cancel stops):",
        limit,
    )
    await say(update, ask.format(language=LANGUAGE_NAMES[w.lang], limit=limit))
    return TEXT


async def kind(update: Update, context: InterHubContext) -> int:
    """A plain message asks for the text; an invitation lists the published events first."""
    query = _query(update)
    match = KIND_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    w, draft = await who(update, context), _draft(context)
    if match.group(1) == "text":
        draft.pop("event_id", None)
        return await _ask_text(update, w, draft)
    events = await _events(context, w, ("published",))
    if not events:
        rows = [[(w._("✉️ A message"), "bcn:kind:text")]]
        text = w._("No published upcoming event in your countries. Send a message instead?")
        await say(update, text, markup(rows))
        return KIND
    rows = [[(event_label(e), f"bcn:event:{e.id}")] for e in events]
    await say(update, w._("Which event? People get its card with an Enrol button."), markup(rows))
    return EVENT


async def event(update: Update, context: InterHubContext) -> int:
    """Stores the event, aims the segment at its country's people not enrolled yet, asks for the text."""
    query = _query(update)
    match = EVENT_BUTTON.match(query.data or "")
    assert match is not None
    w, draft = await who(update, context), _draft(context)
    found = [e for e in await _events(context, w, ("published",)) if e.id == int(match.group(1))]
    if not found:
        await query.answer(w._(EXPIRED), show_alert=True)
        return EVENT
    await query.answer()
    draft["event_id"] = found[0].id
    draft["segment"] = {"country": found[0].country, "not_enrolled": found[0].id}
    return await _ask_text(update, w, draft)


async def text(update: Update, context: InterHubContext) -> int | None:
    """Checks the text and offers translations."""
    w, draft = await who(update, context), _draft(context)
    written, limit = typed(update), text_limit(draft.get("event_id"))
    if not written:
        await say(update, w._(ONLY_TEXT))
        return None
    if len(written) > limit:
        await say(update, too_long(w._, len(written), limit))
        return None
    draft["text"] = written
    draft.pop("final", None)  # a preview must be seen again before Confirm
    return await _ask_translations(update, context, w)


async def not_text(update: Update, context: InterHubContext) -> int | None:
    """Refuses a photo, a file or a sticker where text is expected."""
    await say(update, (await who(update, context))._(ONLY_TEXT))
    return None


def _codes(w: Who) -> str:
    return ", ".join(lang for lang in SUPPORTED_LANGUAGES if lang != w.lang)


async def _ask_translations(update: Update, context: InterHubContext, w: Who) -> int:
    supplied = _draft(context).get("translations", {})
    lines = [
        w._(
            "🌐 Translations (optional): send one as a language code and the text, e.g. de: Hallo … "
            "Send the code alone (de:) to remove one. Codes: {codes}."
        ).format(codes=_codes(w))
    ]
    if supplied:
        names = ", ".join(LANGUAGE_NAMES[lang] for lang in sorted(supplied))
        lines.append(w._("Translations so far: {languages}").format(languages=names))
    if context.services.translations.available:
        lines.append(w._("Other languages will be machine-translated, and marked as such."))
    else:
        lines.append(w._("People whose language has no translation get your text as written."))
    await say(update, "\n\n".join(lines), markup([[(w._("➡️ Next: who gets it"), "bcn:next")]]))
    return TRANSLATE


async def translation(update: Update, context: InterHubContext) -> int | None:
    """Adds, replaces or removes one translation."""
    w, draft = await who(update, context), _draft(context)
    match = TRANSLATION.fullmatch(typed(update))
    limit = text_limit(draft.get("event_id"))
    if match is None or match.group(1) not in SUPPORTED_LANGUAGES or match.group(1) == w.lang:
        again = w._("Please write it as code: text, e.g. de: Hallo. Codes: {codes}")
        await say(update, again.format(codes=_codes(w)))
        return None
    lang, written = match.group(1), match.group(2).strip()
    if len(written) > limit:
        await say(update, too_long(w._, len(written), limit))
        return None
    supplied = dict(draft.get("translations", {}))
    supplied.pop(lang, None)
    if written:
        supplied[lang] = written
    draft["translations"] = supplied
    draft.pop("final", None)
    return await _ask_translations(update, context, w)


def _segment(draft: dict[str, Any]) -> Segment:
    return Segment.from_json(dict(draft.get("segment", {})))


async def _count(context: InterHubContext, w: Who, segment: Segment) -> dict[str | None, int] | None:
    try:
        return await context.services.broadcasts.audience(segment, actor=w.telegram_id)
    except NotAllowed:
        return None


async def _show_segment(update: Update, context: InterHubContext, w: Who) -> int:
    segment = _segment(_draft(context))
    audience = await _count(context, w, segment)
    body, buttons = segment_menu(w._, segment, None if audience is None else sum(audience.values()))
    await say(update, body, buttons)
    return SEGMENT


async def to_segment(update: Update, context: InterHubContext) -> int:
    """Shows the segment with its buttons."""
    await _query(update).answer()
    return await _show_segment(update, context, await who(update, context))


async def segment_button(update: Update, context: InterHubContext) -> int:
    """Opens a picker, starts the segment again, or goes on to the preview."""
    query = _query(update)
    match = SEGMENT_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    w, draft, part = await who(update, context), _draft(context), match.group(1)
    scope = await _scope(context, w.telegram_id)
    if part == "preview":
        return await _preview(update, context, w)
    if part == "clear":
        draft["segment"] = {"country": scope[0]} if len(scope) == 1 else {}
        draft.pop("final", None)
        return await _show_segment(update, context, w)
    if part == "event":
        events = await _events(context, w, ("published", "finished"))
        if not events:
            await say(update, w._("No event in your countries yet."))
            return SEGMENT
        rows = [[(event_label(e), f"bcn:set:ev:{e.id}")] for e in events]
        await say(update, w._("Which event?"), markup(rows))
        return SEGMENT
    await say(update, w._("Choose one:"), picker(w._, part, scope))
    return SEGMENT


async def set_part(update: Update, context: InterHubContext) -> int:
    """Stores one part of the segment (checked against the coach's countries) and shows it again."""
    query = _query(update)
    match = SET_BUTTON.match(query.data or "")
    assert match is not None
    key, value = next((k, v) for k, v in zip(match.groups()[::2], match.groups()[1::2], strict=True) if k)
    w, draft = await who(update, context), _draft(context)
    segment = dict(draft.get("segment", {}))
    if key == "country" and value != "any" and value not in await _scope(context, w.telegram_id):
        await query.answer(w._(FOR_STAFF), show_alert=True)
        return SEGMENT
    await query.answer()
    if key == "ev":
        text = w._("People who, for event {id}:").format(id=value)
        await say(update, text, relation_picker(w._, int(value)))
        return SEGMENT
    if key in ("enrolled", "attended", "not_enrolled", "noevent"):
        for relation in ("enrolled", "attended", "not_enrolled"):
            segment.pop(relation, None)
        if key != "noevent":
            segment[key] = int(value)
    else:
        name = "active_days" if key == "active" else key
        segment.pop(name, None)
        if value != "any":
            segment[name] = int(value) if key == "active" else value
    draft["segment"] = segment
    draft.pop("final", None)
    return await _show_segment(update, context, w)


async def _preview(update: Update, context: InterHubContext, w: Who) -> int:
    draft = _draft(context)
    if "text" not in draft:
        return await _ask_text(update, w, draft)
    audience = await _count(context, w, _segment(draft))
    if audience is None:
        await say(update, w._("Please choose a country you coach first."))
        return await _show_segment(update, context, w)
    readers = by_language(audience, w.lang)
    event_view = None
    if draft.get("event_id") is not None:
        event_view = await context.services.events.get(int(draft["event_id"]))
        if event_view is None or event_view.status != "published":
            context.user_data.pop(_DRAFT, None)  # type: ignore[union-attr]
            await say(update, w._("This event is no longer published; nothing was sent."))
            return ConversationHandler.END
    original, per_language, untranslated = await final_texts(
        draft, w.lang, list(readers), event_view, context.services.translations
    )
    draft["final"] = {"text": original, "translations": per_language}
    for message in preview_messages(
        w._, original, w.lang, per_language, untranslated, draft.get("event_id"), readers
    ):
        await say(update, message)
    total = sum(readers.values())
    rows = [[(w._("✏️ Edit"), "bcn:edit"), (w._("✖️ Cancel"), "bcn:cancel")]]
    if total:
        rows.insert(0, [(w._("✅ Confirm and send"), "bcn:confirm")])
        head = preview_head(w._, total, len(readers))
        note = w._(
            "Quiet hours (21:00–08:00 in their country) and the weekly limit apply; sending starts now."
        )
        body = f"{head}\n{note}"
    else:
        body = w._("Nobody matches this segment right now. Edit who gets it, or cancel.")
    await say(update, body, markup(rows))
    return PREVIEW


async def done(update: Update, context: InterHubContext) -> int:
    """Confirm sends (the outbox is written, the progress message starts); Edit offers what to change."""
    query = _query(update)
    match = DONE_BUTTON.match(query.data or "")
    assert match is not None and context.user_data is not None
    await query.answer()
    w = await who(update, context)
    if match.group(1) == "edit":
        rows = [
            [(w._("✍️ Text"), "bcn:edit:text"), (w._("🌐 Translations"), "bcn:edit:translations")],
            [(w._("🎯 Who gets it"), "bcn:edit:segment")],
        ]
        await say(update, w._("What do you want to change?"), markup(rows))
        return PREVIEW
    await query.edit_message_reply_markup(None)
    draft = context.user_data.pop(_DRAFT, {})
    if match.group(1) == "cancel" or "final" not in draft:
        await say(update, w._(STOPPED))
        return ConversationHandler.END
    return await _send(update, context, w, draft)


async def _send(update: Update, context: InterHubContext, w: Who, draft: dict[str, Any]) -> int:
    broadcasts, final = context.services.broadcasts, draft["final"]
    try:
        view, _count = await broadcasts.create(
            final["text"],
            w.lang,
            _segment(draft),
            event_id=draft.get("event_id"),
            translations=final["translations"],
            actor=w.telegram_id,
            is_html=True,
        )
        await broadcasts.confirm(view.id, actor=w.telegram_id)
    except NotAllowed:
        await say(update, w._(FOR_STAFF))
        return ConversationHandler.END
    except BroadcastError as problem:
        text = w._("This broadcast cannot be sent ({problem}); nothing was sent.")
        await say(update, text.format(problem=esc(str(problem))))
        return ConversationHandler.END
    fresh = await broadcasts.get(view.id)
    assert fresh is not None
    body, buttons = render(w._, fresh)
    message = update.effective_message
    assert message is not None
    sent = await message.reply_text(body, reply_markup=as_markup(buttons))
    await start_tracking(context.services.jobs, view.id, w.profile.pseudonym, sent.message_id, w.lang)
    return ConversationHandler.END


async def edit(update: Update, context: InterHubContext) -> int:
    """Goes back to the text, the translations or the segment."""
    query = _query(update)
    match = EDIT_BUTTON.match(query.data or "")
    assert match is not None
    await query.answer()
    w = await who(update, context)
    if match.group(1) == "text":
        return await _ask_text(update, w, _draft(context))
    if match.group(1) == "translations":
        return await _ask_translations(update, context, w)
    return await _show_segment(update, context, w)


async def stray(update: Update, context: InterHubContext) -> int | None:
    """Asks for the buttons when the coach typed instead of choosing."""
    await say(update, (await who(update, context))._(CHOOSE_BUTTON))
    return None


async def cancel(update: Update, context: InterHubContext) -> int:
    """Stops; nothing is sent."""
    assert context.user_data is not None
    context.user_data.pop(_DRAFT, None)
    await say(update, (await who(update, context))._(STOPPED))
    return ConversationHandler.END


def build() -> ConversationHandler[InterHubContext]:
    """Wire the /broadcast states; every state has /cancel and an answer to unexpected input."""
    private = filters.ChatType.PRIVATE
    text_only = private & filters.TEXT & ~filters.COMMAND
    other = private & ~filters.TEXT & ~filters.COMMAND

    Handler = BaseHandler[Update, InterHubContext, Any]

    def buttons(*handlers: Handler) -> list[Handler]:
        return [*handlers, MessageHandler(private & ~filters.COMMAND, stray)]

    segment = [
        CallbackQueryHandler(segment_button, pattern=SEGMENT_BUTTON),
        CallbackQueryHandler(set_part, pattern=SET_BUTTON),
    ]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("broadcast", start, filters=private)],
            states={
                KIND: buttons(CallbackQueryHandler(kind, pattern=KIND_BUTTON)),
                EVENT: buttons(CallbackQueryHandler(event, pattern=EVENT_BUTTON)),
                TEXT: [MessageHandler(text_only, text), MessageHandler(other, not_text)],
                TRANSLATE: [
                    CallbackQueryHandler(to_segment, pattern=NEXT_BUTTON),
                    MessageHandler(text_only, translation),
                    MessageHandler(other, not_text),
                ],
                SEGMENT: buttons(*segment),
                PREVIEW: buttons(
                    CallbackQueryHandler(done, pattern=DONE_BUTTON),
                    CallbackQueryHandler(edit, pattern=EDIT_BUTTON),
                    *segment,
                ),
            },
            fallbacks=[CommandHandler("cancel", cancel), CommandHandler("broadcast", start, filters=private)],
            name=CONVERSATION_NAME,
            persistent=True,
            allow_reentry=True,
        )


def _handlers() -> list[BaseHandler[Update, InterHubContext, Any]]:
    return [build(), *broadcast_controls.handlers()]


#: Listed before the general commands in ``bot.app`` so the conversation gets its own /cancel.
FEATURE = Feature(
    name="broadcast",
    handlers=_handlers,
    commands=(
        Command(
            "broadcast",
            N_("Send a message or an event invitation to a group of people (coaches)"),
            start,
            staff=True,
            served_by_handlers=True,
        ),
    ),
)
