"""What the bot does, as services over the database: no Telegram types here."""
