"""The broadcast lane on Telegram: a Bot of its own (own connection pool, no PTB rate limiter).

The conversation's Application keeps its own Bot and AIORateLimiter, so a 429 here pauses only the
broadcasts (through ``actions.broadcast_delivery``), never the replies to people chatting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from actions.broadcast_delivery import BroadcastSender
from actions.broadcast_limiter import SharedLimiter
from actions.users import UserService
from actions.worker import worker_name
from core.notify import Button, Outcome, SendResult
from core.services import Services
from core.settings import Settings

log = logging.getLogger(__name__)

# PTB 22.2+ warns inside RetryAfter() that ``retry_after`` will become a timedelta; we read either type.
warnings.filterwarnings(
    "ignore", message=r"Deprecated since version v22\.2: .*retry_after", category=PTBDeprecationWarning
)


def lane_bot(token: str, base_url: str) -> Bot:
    """A Bot for broadcasts only, with its own HTTP pool."""
    return Bot(token, base_url=base_url, request=HTTPXRequest(connection_pool_size=4))


class TelegramLane:
    """Sends one broadcast message and says what became of it."""

    def __init__(self, bot: Bot, users: UserService) -> None:
        self.bot = bot
        self.users = users
        self._chats: dict[str, int] = {}

    async def prepare(self, pseudonyms: list[str]) -> None:
        """Look up the chats of the next batch at once."""
        self._chats = await self.users.telegram_ids_of(pseudonyms)

    async def send_broadcast(
        self, pseudonym: str, text: str, buttons: list[list[Button]] | None = None, *, not_before: float = 0.0
    ) -> SendResult:
        """Send an HTML message with buttons to a pseudonym, not before ``not_before`` (epoch seconds)."""
        chat = self._chats.pop(pseudonym, None) or await self.users.telegram_id_of(pseudonym)
        if chat is None:
            return SendResult(Outcome.UNREACHABLE, error="unknown or unreachable")
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons or []]
        )
        await asyncio.sleep(max(0.0, not_before - time.time()))  # ready: the request leaves on time
        try:
            await self.bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return SendResult(Outcome.RETRY_AFTER, retry_after=seconds, error="429")
        except Forbidden:
            return SendResult(Outcome.UNREACHABLE, error="403")
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return SendResult(Outcome.UNREACHABLE, error="chat not found")
            log.warning("a broadcast message was rejected: %s", error.message[:120])
            return SendResult(Outcome.REJECTED, error=error.message[:60])
        except TelegramError as error:  # 5xx and network problems
            return SendResult(Outcome.TRANSIENT, error=type(error).__name__)
        return SendResult(Outcome.SENT)


class BroadcastLoop:
    """The broadcast sender as a task of the bot's event loop (beside the jobs worker), on its own lane."""

    def __init__(self, config: Settings, services: Services, *, poll: float = 1.0) -> None:
        assert config.telegram_bot_token is not None
        self.bot = lane_bot(config.telegram_bot_token, config.telegram_api_base_url)
        self.sender = BroadcastSender(
            services.db,
            TelegramLane(self.bot, services.users),
            SharedLimiter(services.db, config.broadcast_per_second),
            name=worker_name(),
            max_per_week=config.broadcast_max_per_week,
        )
        self.poll = poll
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the lane and start sending."""
        await self.bot.initialize()
        self._task = asyncio.create_task(self._run(), name="interhub-broadcasts")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                claimed = await self.sender.run_once()
            except Exception:  # a database hiccup: logged, retried at the next poll
                log.exception("the broadcast sender could not run")
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll)

    async def stop(self) -> None:
        """Finish the batch in hand (its rows are recorded or released), then close the lane."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        await self.bot.shutdown()
