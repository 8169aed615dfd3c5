"""Curated knowledge base: article models, loader, checker and coverage statistics."""
