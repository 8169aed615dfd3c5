"""Aggregate, suppressed reports for the partner dashboard (no personal data, no free text)."""
