"""Database tasks, as Prefect 1's ``prefect.tasks.database`` (SQLite, from the standard library)."""
from flowctl.tasks.database.sqlite import SQLiteQuery, SQLiteScript

__all__ = ["SQLiteQuery", "SQLiteScript"]
