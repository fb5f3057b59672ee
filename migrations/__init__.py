"""Alembic migrations of the Rightsize database."""
