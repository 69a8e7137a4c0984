"""Printed output and library loggers (RedirectToLog, extra_loggers, configure_logging), and result
locations given as functions or under the settings' home directory."""

PRELUDE = '''
import logging
import os
from prefect.engine.results import LocalResult
from prefect.utilities.configuration import set_temporary_config

class Keep(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

def runner_lines(flow):
    """What the task runner's logger says while ``flow`` runs again, its own start/end lines aside."""
    keep = Keep()
    logger = logging.getLogger("prefect.TaskRunner")
    logger.addHandler(keep)
    try:
        flow.run()
    finally:
        logger.removeHandler(keep)
    return [m for m in keep.messages if not m.startswith("Task '")]

def final(flow, state, name):
    return state.result[flow.get_tasks(name=name)[0]]

def build():  # (scenarios that only observe run an empty flow; the others define their own)
    with Flow("empty") as flow:
        pass
    return flow
'''

SCENARIOS = {
    "log_stdout_logs_each_non_blank_write": '''
@task(log_stdout=True)
def printer():
    print("a", "b")
    print("multi\\nline")
    print()
    print("   ")
    return 1

def build():
    with Flow("prints") as flow:
        printer()
    return flow

def observe(flow, state):
    return runner_lines(flow)
''',
    "redirect_to_log_as_a_stdout_stand_in": '''
import contextlib
from prefect.utilities.logging import RedirectToLog

def observe(flow, state):
    keep = Keep()
    logger = logging.getLogger("vendor.stdout")
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    with contextlib.redirect_stdout(RedirectToLog(logger)):
        print("one", 2)
        print("")
    try:
        RedirectToLog(logger).write(b"bytes")
    except TypeError as exc:
        refused = str(exc)
    return [keep.messages, refused]
''',
    "extra_loggers_get_the_settings_level_and_a_stream_handler": '''
from prefect.utilities.logging import configure_extra_loggers, configure_logging

def observe(flow, state):
    with set_temporary_config({"logging.extra_loggers": ["vendorlib"], "logging.level": "WARNING"}):
        configure_extra_loggers()
        test_logger = configure_logging(testing=True)
    vendor = logging.getLogger("vendorlib")
    streams = [h for h in vendor.handlers if type(h) is not logging.Handler and isinstance(h, logging.StreamHandler)]
    return [vendor.level, len(streams), test_logger.level, test_logger.name.endswith("-test-logger")]
''',
    "callable_result_location_formats_each_write": '''
def where(**kwargs):
    return "{}-{}.out".format(kwargs["task_name"], kwargs["x"])

@task(result=LocalResult(dir=WORKDIR, location=where), checkpoint=True)
def keep(x):
    return x * 2

def build():
    with Flow("located") as flow:
        keep(3)
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    s = final(flow, state, "keep")
    return [sorted(os.listdir(WORKDIR)), os.path.basename(s._result.location or ""),
            LocalResult(location=where).location]
''',
    "local_result_in_the_home_directory_means_its_results_folder": '''
def observe(flow, state):
    home = prefect.config.home_dir
    return [LocalResult(dir=home).dir == os.path.join(home, "results"),
            LocalResult(dir=os.path.join(home, "inside")).dir == os.path.join(home, "results"),
            LocalResult(dir=WORKDIR).dir == WORKDIR]
''',
}
