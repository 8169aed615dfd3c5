"""Sending text safely: HTML escaping and splitting at Telegram's 4096-character limit."""

from __future__ import annotations

import html

TELEGRAM_LIMIT = 4096


def esc(text: str) -> str:
    """Escape a user-supplied string for HTML parse mode."""
    return html.escape(text, quote=False)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph boundaries, then lines, then words, so each part fits the limit."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            chunks.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.split("\n"):
            lines.extend(_hard_wrap(line, limit) if len(line) > limit else [line])
        chunks.extend(_join(lines, "\n", limit))
    return _join(chunks, "\n\n", limit)


def _join(chunks: list[str], separator: str, limit: int) -> list[str]:
    joined: list[str] = []
    current = ""
    for chunk in chunks:
        candidate = f"{current}{separator}{chunk}" if current else chunk
        if len(candidate) <= limit:
            current = candidate
        else:
            joined.append(current)
            current = chunk
    if current:
        joined.append(current)
    return joined


def _hard_wrap(line: str, limit: int) -> list[str]:
    words = line.split(" ")
    pieces: list[str] = []
    for word in words:
        while len(word) > limit:
            pieces.append(word[:limit])
            word = word[limit:]
        pieces.append(word)
    return _join(pieces, " ", limit)
