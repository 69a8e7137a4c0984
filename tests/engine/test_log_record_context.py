"""Log records carry the run's context (``flow_name``, ``task_name``, ``task_slug``, run ids), so a
handler's format can name them, as with Prefect 1; ``logging.log_attributes`` adds context keys."""
from __future__ import annotations

import logging

import flowctl
from flowctl import Flow, task
from flowctl.utilities.configuration import set_temporary_config


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@task
def speak():
    flowctl.context.logger.info("from the task")
    logging.getLogger("someone.else").warning("from another library")


def test_a_format_names_the_flow_task_and_slug_of_any_record_logged_in_a_run():
    keep = Keep()
    others = logging.getLogger("someone.else")
    for logger in (logging.getLogger("flowctl"), others):
        logger.addHandler(keep)
    try:
        with Flow("talkative") as flow:
            speak()
        flow.run()
    finally:
        for logger in (logging.getLogger("flowctl"), others):
            logger.removeHandler(keep)
    form = logging.Formatter("%(flow_name)s/%(task_name)s/%(task_slug)s: %(message)s")
    lines = [form.format(r) for r in keep.records if r.getMessage().startswith("from ")]
    assert lines == ["talkative/speak/speak-1: from the task", "talkative/speak/speak-1: from another library"]
    runs = [r for r in keep.records if r.getMessage() == "from the task"]
    assert runs[0].flow_run_id and runs[0].task_run_id
    flow_level = [r for r in keep.records if r.getMessage().startswith("Beginning Flow run")]
    assert flow_level[0].flow_name == "talkative" and not hasattr(flow_level[0], "task_name")


def test_listed_attributes_are_added_none_when_unset_and_nothing_outside_a_run():
    keep = Keep()
    logger = logging.getLogger("listed")
    logger.addHandler(keep)
    try:
        with set_temporary_config({"logging.log_attributes": ["ticket"]}):
            logger.warning("outside")
            with flowctl.context(ticket="T-7"):
                logger.warning("with a ticket")
    finally:
        logger.removeHandler(keep)
    outside, ticketed = keep.records
    assert outside.ticket is None and not hasattr(outside, "task_name")
    assert ticketed.ticket == "T-7"


def test_configure_logging_follows_the_settings_as_prefects_does(caplog):
    from flowctl.utilities.configuration import set_temporary_config
    from flowctl.utilities.logging import configure_logging

    with set_temporary_config({"logging.level": "WARNING", "logging.datefmt": "%Y"}):
        logger = configure_logging(testing=True)  # a separate logger: the real one is left alone
        assert logger.name == "flowctl-test-logger" and logger.level == logging.WARNING
        configure_logging(testing=True)  # again: the same handlers, re-set, never doubled
        consoles = [h for h in logger.handlers if h.get_name() == "flowctl-console"]
        assert len(consoles) == 1 and consoles[0].formatter.datefmt == "%Y"
    assert logging.getLogger("flowctl").level == logging.INFO


def test_settings_from_the_environment_take_python_list_syntax_as_prefects_do():
    from flowctl.utilities.configuration import load_configuration

    loaded = load_configuration({"FLOWCTL__LOGGING__EXTRA_LOGGERS": "['dask', 'boto3']",
                                 "FLOWCTL__FLOWS__NAME": "not [a literal"})
    assert loaded.logging.extra_loggers == ["dask", "boto3"] and loaded.flows.name == "not [a literal"


def test_configuring_logging_again_keeps_the_console_off_while_the_cli_has_it_off():
    from flowctl.utilities import logging as flowctl_logging

    def consoles():
        return [h for h in logging.getLogger("flowctl").handlers if h.get_name() == "flowctl-console"]

    before = len(consoles())
    flowctl_logging.set_console_logging(False)
    try:
        flowctl_logging.configure_logging()  # a flow module doing what Prefect 1 allows
        assert consoles() == []
    finally:
        flowctl_logging.set_console_logging(True)
    assert len(consoles()) == 1 == max(before, 1)
