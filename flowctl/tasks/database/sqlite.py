"""``SQLiteQuery`` and ``SQLiteScript``: one statement or a script against a SQLite file.

What they return and refuse follows Prefect 1's ``prefect.tasks.database.sqlite``.
One deliberate difference: a query's changes are committed. Prefect 1.4.1
closes the connection without committing, so an ``INSERT`` made with
``SQLiteQuery`` was silently rolled back.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.tasks import defaults_from_attrs

__all__ = ["SQLiteQuery", "SQLiteScript"]


class SQLiteQuery(Task):
    """Run one SQL statement (``?`` placeholders filled from ``data``) and return its rows."""

    def __init__(self, db: str | None = None, query: str | None = None, data: tuple = (), **kwargs: Any) -> None:
        self.db = db
        self.query = query
        self.data = data
        super().__init__(**kwargs)

    @defaults_from_attrs("db", "query", "data")
    def run(self, db: str | None = None, query: str | None = None, data: tuple = ()) -> list:
        """The statement's rows (``fetchall``), once its changes are committed."""
        if db is None:
            raise ValueError("The db must be specified")
        if query is None:
            raise ValueError("The query string must be specified")
        if "?" in query and not data:
            raise ValueError("The data inputs must be specified as a tuple if query contains parametrized "
                             "values '?'")
        with closing(sqlite3.connect(db)) as connection:
            with closing(connection.cursor()) as cursor:
                cursor.execute(query, data)
                rows = cursor.fetchall()
            connection.commit()
        return rows


class SQLiteScript(Task):
    """Run a SQL script (several statements; ``executescript``); returns None."""

    def __init__(self, db: str | None = None, script: str | None = None, **kwargs: Any) -> None:
        self.db = db
        self.script = script
        super().__init__(**kwargs)

    @defaults_from_attrs("db", "script")
    def run(self, db: str | None = None, script: str | None = None) -> None:
        """Run the script (it commits as it goes, as ``executescript`` does)."""
        if db is None:
            raise ValueError("The db must be specified")
        if script is None:
            raise ValueError("The query script string must be specified")
        with closing(sqlite3.connect(db)) as connection:
            with closing(connection.cursor()) as cursor:
                cursor.executescript(script)
