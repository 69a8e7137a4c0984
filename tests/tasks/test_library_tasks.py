"""``StringFormatter`` and the SQLite tasks (as Prefect 1's task library): what the differential
corpus (``diff_corpus/library.py``) cannot see from a flow's states."""
from __future__ import annotations

import sqlite3

import pytest

from flowctl import Flow
from flowctl.tasks.database import SQLiteQuery, SQLiteScript
from flowctl.tasks.templates import StringFormatter


def test_an_input_wins_over_the_context_and_the_template_defaults_to_empty():
    with Flow("named flow") as flow:
        own = StringFormatter(template="{flow_name}")(flow_name="mine")
        from_context = StringFormatter(template="{flow_name}")()
        empty = StringFormatter()()
    result = flow.run().result
    assert (result[own].result, result[from_context].result, result[empty].result) == ("mine", "named flow", "")


def test_a_query_s_changes_are_in_the_file_for_any_reader(tmp_path):
    db = str(tmp_path / "data.db")
    SQLiteScript(db=db, script="CREATE TABLE t (v INTEGER);").run()
    assert SQLiteQuery(db=db, query="INSERT INTO t VALUES (?)", data=(5,)).run() == []
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT v FROM t").fetchall() == [(5,)]


def test_a_bad_statement_raises_sqlite_s_error(tmp_path):
    with pytest.raises(sqlite3.OperationalError):
        SQLiteQuery(db=str(tmp_path / "x.db"), query="SELECT * FROM missing").run()
    with pytest.raises(ValueError, match="must be specified"):
        SQLiteScript(script="SELECT 1;").run()


def test_a_jinja_template_renders_in_the_sandbox():
    from flowctl.tasks.templates import JinjaTemplate

    with Flow("jinja") as flow:
        fine = JinjaTemplate(template="{{ items | join(', ') }} in {{ flow_name }}")(items=["a", "b"])
        reaching = JinjaTemplate(template="{{ name.__class__.__mro__ }}")(name="x")
    result = flow.run().result
    assert result[fine].result == "a, b in jinja"
    assert result[reaching].is_failed() and "unsafe" in str(result[reaching].result)


def test_importing_the_template_tasks_does_not_import_jinja():
    import subprocess
    import sys

    code = "import sys, flowctl.tasks.templates; print('jinja2' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
