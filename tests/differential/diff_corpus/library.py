"""Prefect 1's task library beyond ``ShellTask``: ``StringFormatter``, ``JinjaTemplate`` and the SQLite tasks."""

PRELUDE = '''
import os, tempfile
from prefect.tasks.templates import StringFormatter, JinjaTemplate
from prefect.tasks.database.sqlite import SQLiteQuery, SQLiteScript

DB = os.path.join(tempfile.mkdtemp(), "library.db")

@task
def show(x=None):
    return x

@task
def who():
    return "Marvin"
'''

SCENARIOS = {
    "string_formatter_fills_from_inputs_and_context": '''
def build():
    greet = StringFormatter(name="greet", template="{greeting}, {name}! ({flow_name}, {task_name})")
    with Flow("templates") as flow:
        show(greet(greeting="Hello", name=who()))
    return flow
''',
    "string_formatter_template_given_at_run": '''
def build():
    with Flow("templates") as flow:
        show(StringFormatter(name="fmt")(template="{a}-{b}", a=1, b=who()))
    return flow
''',
    "string_formatter_missing_key_fails": '''
def build():
    with Flow("templates") as flow:
        show(StringFormatter(name="fmt", template="{nowhere}")())
    return flow
''',
    "jinja_template_renders_inputs_context_loops_and_filters": '''
def build():
    page = JinjaTemplate(name="page", template=(
        "{{ greeting | upper }}, {{ name }}! {% for n in numbers %}[{{ n * 2 }}]{% endfor %} "
        "{{ flow_name }}/{{ task_name }} {{ missing }}|{{ numbers | length }}"))
    with Flow("jinja") as flow:
        show(page(greeting="hello", name=who(), numbers=[1, 2, 3]))
    return flow
''',
    "jinja_template_given_at_run_and_broken_templates": '''
def build():
    with Flow("jinja") as flow:
        show(JinjaTemplate(name="at_run")(template="{% if flag %}yes{% else %}no{% endif %}", flag=who()))
        show(JinjaTemplate(name="default_empty")())
        show(JinjaTemplate(name="unclosed", template="{% for x in y %}")(y=[1]))
        show(JinjaTemplate(name="bad_filter", template="{{ x | no_such_filter }}")(x=1))
    return flow
''',
    "jinja_template_reaching_into_python": '''
def build():
    with Flow("jinja") as flow:
        JinjaTemplate(name="reach", template="{{ name.__class__.__name__ }}")(name="x")
    return flow
''',
    "sqlite_script_then_parametrised_query": '''
def build():
    setup = SQLiteScript(name="setup", db=DB, script=(
        "CREATE TABLE t (k TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1); INSERT INTO t VALUES ('b', 2);"))
    query = SQLiteQuery(name="query", db=DB)
    with Flow("sqlite") as flow:
        rows = query(query="SELECT k, v FROM t WHERE v >= ? ORDER BY k", data=(1,), upstream_tasks=[setup])
        show(rows)
    return flow
''',
    "sqlite_query_refuses_missing_arguments": '''
def build():
    with Flow("sqlite") as flow:
        SQLiteQuery(name="no_db", query="SELECT 1")()
        SQLiteQuery(name="no_data", db=DB, query="SELECT ?")()
        SQLiteScript(name="no_script", db=DB)()
        show(SQLiteQuery(name="plain", db=DB, query="SELECT 1 + 1")())
    return flow
''',
    "sqlite_query_insert_is_committed": '''
def build():
    setup = SQLiteScript(name="setup", db=DB, script="CREATE TABLE t (v INTEGER);")
    insert = SQLiteQuery(name="insert", db=DB, query="INSERT INTO t VALUES (?)", data=(7,))
    count = SQLiteQuery(name="count", db=DB, query="SELECT COUNT(*) FROM t")
    with Flow("sqlite") as flow:
        inserted = insert(upstream_tasks=[setup])
        show(count(upstream_tasks=[inserted]))
    return flow
''',
}
