"""Prefect 1's task library ``ShellTask``: output, environment, helper scripts and failures."""

PRELUDE = '''
from prefect.tasks.shell import ShellTask

@task
def show(x=None):
    return x
'''

SCENARIOS = {
    "shell_last_line_and_environment": '''
def build():
    with Flow("shell") as flow:
        out = ShellTask(name="greet", env={"WHO": "world"})(command="echo first; echo hello $WHO")
        show(out)
    return flow
''',
    "shell_return_all_with_helper_script": '''
def build():
    lines = ShellTask(name="lines", return_all=True, helper_script="say() { echo \\"<$1>\\"; }")
    with Flow("shell") as flow:
        show(lines(command="say a; say b"))
    return flow
''',
    "shell_failure_fails_downstream": '''
def build():
    with Flow("shell") as flow:
        failed = ShellTask(name="broken", log_stderr=True)(command="echo partial; echo bad >&2; exit 4")
        show(failed)
    return flow
''',
    "shell_no_output_is_none_and_command_from_init": '''
def build():
    with Flow("shell") as flow:
        show(ShellTask(command="true", name="quiet", stream_output="DEBUG")())
    return flow
''',
    "shell_missing_command_fails": '''
def build():
    with Flow("shell") as flow:
        ShellTask(name="empty")()
    return flow
''',
}
