"""One settings object, read once from the environment and an optional ``.env`` file."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.i18n import SUPPORTED_LANGUAGES

TELEGRAM_API = "https://api.telegram.org/bot"


class ConfigError(Exception):
    """Raised with a one-line message naming the invalid variable."""


class Settings(BaseSettings):
    """Runtime configuration; every field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = None
    telegram_api_base_url: str = TELEGRAM_API
    database_url: str = "sqlite+aiosqlite:///./interhub.db"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    default_language: str = "en"
    coach_chat_id: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    rasa_timeout: float = Field(default=1.5, gt=0, le=30)
    translator: Literal["google", "libre", "none"] = "none"
    libretranslate_url: str | None = None
    libretranslate_api_key: str = "interhub"
    translator_timeout: float = Field(default=3.0, gt=0, le=30)
    worker: Literal["on", "off"] = "on"
    broadcast_max_per_week: int = Field(default=2, ge=0, le=50)  # broadcasts one person receives
    broadcast_per_second: float = Field(default=29.0, gt=0, le=30)  # broadcast lane, all processes
    web_secure_cookies: bool = False  # the dashboard is behind HTTPS (a proxy): Secure cookies always

    @field_validator(
        "telegram_bot_token",
        "webhook_url",
        "webhook_secret",
        "rasa_token",
        "libretranslate_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("coach_chat_id", mode="before")
    @classmethod
    def _empty_chat_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is not None and (":" not in value or not value.split(":", 1)[0].isdigit()):
            raise ValueError("expected the form 123456:ABC… given by @BotFather")
        return value

    @field_validator("telegram_api_base_url", "webhook_url", "rasa_url", "libretranslate_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_chars(cls, value: str | None) -> str | None:
        allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        if value is not None and (not 1 <= len(value) <= 256 or set(value) - allowed):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError("must be one of " + ", ".join(SUPPORTED_LANGUAGES))
        return value

    @model_validator(mode="after")
    def _translator_needs_url(self) -> Settings:
        if self.translator == "libre" and not self.libretranslate_url:
            raise ValueError("LIBRETRANSLATE_URL is required when TRANSLATOR=libre")
        return self


def load_settings(**overrides: object) -> Settings:
    """Read the settings, raising ConfigError with one line that names the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        if not error["loc"]:
            raise ConfigError(f"invalid configuration: {message}") from None
        raise ConfigError(f"invalid configuration: {str(error['loc'][0]).upper()}: {message}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, exiting with code 2 on an invalid value."""
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"interhub: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
