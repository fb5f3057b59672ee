"""SQLAlchemy 2 models, database set-up and migrations for Rightsize."""
