"""The Telegram side of ``core.notify.Notifier``, and the worker that runs beside the bot."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from actions.job_handlers import job_handlers, schedule_recurring
from actions.worker import JobContext, Worker
from bot.broadcast_lane import BroadcastLoop
from core.notify import Button, Delivery
from core.services import Services

log = logging.getLogger(__name__)


def _markup(buttons: list[list[Button]] | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


class TelegramNotifier:
    """Sends to a pseudonym through a bot; a 403 marks the person unreachable."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot = bot
        self.services = services

    async def send_text(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None
    ) -> Delivery:
        """Send an HTML text with optional buttons."""
        markup = _markup(buttons)
        return await self._deliver(
            pseudonym, lambda chat: self.bot.send_message(chat, text, reply_markup=markup)
        )

    async def send_to_coaches(self, text: str, buttons: list[list[Button]] | None = None) -> Delivery:
        """Post to the coaches' chat of this installation."""
        chat = self.services.coach_chat_id
        if chat is None:
            return Delivery.UNREACHABLE
        try:
            await self.bot.send_message(chat, text, reply_markup=_markup(buttons))
        except TelegramError as error:
            log.warning("posting to the coaches failed: %s", type(error).__name__)
            return Delivery.FAILED
        return Delivery.SENT

    async def edit_text(
        self, pseudonym: str, message_id: int, text: str, buttons: list[list[Button]] | None = None
    ) -> Delivery:
        """Rewrite a message the bot sent to a pseudonym (an unchanged text counts as done)."""
        markup = _markup(buttons)

        async def edit(chat: int) -> None:
            try:
                await self.bot.edit_message_text(text, chat, message_id, reply_markup=markup)
            except BadRequest as error:
                if "not modified" not in error.message.lower():
                    raise

        return await self._deliver(pseudonym, edit)

    async def send_document(
        self, pseudonym: str, filename: str, content: bytes, caption: str | None = None
    ) -> Delivery:
        """Send a file."""
        return await self._deliver(
            pseudonym, lambda chat: self.bot.send_document(chat, content, filename=filename, caption=caption)
        )

    async def _deliver(self, pseudonym: str, send: object) -> Delivery:
        chat = await self.services.users.telegram_id_of(pseudonym)
        if chat is None:
            return Delivery.UNREACHABLE
        try:
            await send(chat)  # type: ignore[operator]
        except Forbidden:
            await self.services.users.set_reachable(chat, False)
            log.info("a person blocked the bot: marked unreachable")
            return Delivery.UNREACHABLE
        except TelegramError as error:
            log.warning("sending failed: %s", type(error).__name__)
            return Delivery.FAILED
        return Delivery.SENT


class BackgroundWorker:
    """The jobs worker as a task of the bot's own event loop (``WORKER=on``, the default)."""

    def __init__(self, bot: Bot, services: Services, broadcasts: BroadcastLoop | None = None) -> None:
        context = JobContext(services=services, notifier=TelegramNotifier(bot, services))
        self.worker = Worker(services.jobs, job_handlers(), context)
        self.services = services
        self.broadcasts = broadcasts  # the broadcast sender, on its own lane (not PTB's rate limiter)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Schedule the recurring jobs and start working (and sending broadcasts)."""
        await schedule_recurring(self.services)
        self._task = asyncio.create_task(self.worker.run(), name="interhub-worker")
        if self.broadcasts is not None:
            await self.broadcasts.start()

    async def stop(self) -> None:
        """Let the job in hand finish, then stop."""
        self.worker.stop()
        if self.broadcasts is not None:
            await self.broadcasts.stop()
        if self._task is not None:
            await self._task
