"""The core every part of InterHub shares: settings, languages, the database and the services."""
