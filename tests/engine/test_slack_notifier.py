"""``slack_notifier`` beyond what the differential corpus (``diff_corpus/notifications.py``) compares:
its curried forms, and webhooks it must not or cannot post to."""
from __future__ import annotations

import socket

import pytest

import flowctl
from flowctl.engine.state import Failed, Running, Success
from flowctl.tasks.core.function import FunctionTask
from flowctl.utilities.notifications import slack_notifier

TASK = FunctionTask(lambda: 1, name="job")


def test_options_first_give_a_handler_and_ignored_states_post_nothing():
    handler = slack_notifier(only_states=[Failed])
    partly = slack_notifier(TASK, ignore_states=[Running])
    with flowctl.context(secrets={"SLACK_WEBHOOK_URL": "http://127.0.0.1:9/never"}):
        done = Success("done")
        assert handler(TASK, Running(), done) is done  # not one of only_states: no post
        running = Running()
        assert partly(Success(), running) is running  # ignored: no post


def test_a_webhook_that_is_not_http_is_refused():
    with flowctl.context(secrets={"SLACK_WEBHOOK_URL": "file:///etc/passwd"}):
        with pytest.raises(ValueError, match="must be http or https"):
            slack_notifier(TASK, Running(), Failed("bad"))


def test_an_unreachable_webhook_fails_with_the_reason():
    with socket.socket() as probe:  # a port nothing listens on once this socket is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with flowctl.context(secrets={"SLACK_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook"}):
        with pytest.raises(ValueError, match=r"Slack notification for <Task: job> failed: .*refused"):
            slack_notifier(TASK, Running(), Failed("bad"))


def test_a_missing_webhook_secret_fails_even_for_an_ignored_state():
    with flowctl.context(secrets={}):
        with pytest.raises(ValueError, match='Local Secret "SLACK_WEBHOOK_URL" was not found'):
            slack_notifier(TASK, Running(), Running(), ignore_states=[Running])
