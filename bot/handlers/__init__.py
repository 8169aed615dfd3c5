"""Handlers, one module per feature; ``bot.app`` assembles them."""
