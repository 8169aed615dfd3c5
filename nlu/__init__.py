"""Natural-language understanding helpers shared by the bot and the knowledge checker."""
