"""Alembic migrations of the engine's schema (run with `claims db upgrade`)."""
