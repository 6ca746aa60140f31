"""The SQL store: SQLAlchemy Core tables, the unit of work and its repositories, Alembic migrations.

The same code runs on SQLite (the embedded default) and PostgreSQL (scale-out); where the two differ
(claiming the writer, keeping event positions in commit order) the difference lives in ``engine.py``.
"""
