"""Questionnaires: definitions as YAML data, responses in the database, reports as pure functions."""
