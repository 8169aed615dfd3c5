"""Telegram edge of InterHub: handlers, keyboards, console channel, webhook and CLI."""
