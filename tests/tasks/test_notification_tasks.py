"""``SlackTask`` and ``EmailTask`` beyond what the differential corpus compares
(``diff_corpus/notifications.py``): webhooks that refuse or cannot be reached, and
e-mail options that fail before anything is sent."""
from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

import flowctl
from flowctl.tasks.notifications import EmailTask, SlackTask


def _free_port() -> int:
    with socket.socket() as probe:  # nothing listens on it once this socket is closed
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the handler's protocol name
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(403)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _run(task: flowctl.Task, secrets: dict, **kwargs: object) -> flowctl.engine.state.State:
    with flowctl.Flow("notify") as flow:
        bound = task(**kwargs)
    return flow.run(context={"secrets": secrets}).result[bound]


def test_a_refusing_webhook_fails_the_task():
    server = HTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        state = _run(SlackTask(message="hi"), {"SLACK_WEBHOOK_URL": url})
    finally:
        server.shutdown()
        server.server_close()
    assert state.is_failed()
    assert isinstance(state.result, ValueError)
    assert "Slack message could not be posted" in str(state.result)


def test_an_unreachable_webhook_fails_with_the_reason():
    url = f"http://127.0.0.1:{_free_port()}/hook"
    state = _run(SlackTask(message="hi"), {}, webhook_url=url)
    assert state.is_failed()
    assert "refused" in str(state.result)


def test_a_webhook_that_is_not_http_is_refused_before_anything_is_read():
    state = _run(SlackTask(message="hi"), {"SLACK_WEBHOOK_URL": "file:///etc/passwd"})
    assert state.is_failed()
    assert "must be http or https" in str(state.result)


def test_an_email_over_starttls_reads_its_secrets_before_the_attachments(tmp_path):
    task = EmailTask(smtp_type="STARTTLS", smtp_server="127.0.0.1", smtp_port=_free_port(),
                     attachments=[str(tmp_path / "missing.csv")])
    state = _run(task, {"EMAIL_USERNAME": "u"})
    assert state.is_failed()
    assert 'Local Secret "EMAIL_PASSWORD" was not found' in str(state.result)


def test_a_missing_attachment_fails_before_connecting(tmp_path):
    task = EmailTask(smtp_type="INSECURE", smtp_server="127.0.0.1", smtp_port=_free_port(),
                     attachments=[str(tmp_path / "missing.csv")])
    state = _run(task, {})
    assert state.is_failed()
    assert isinstance(state.result, FileNotFoundError)


def test_an_unreachable_relay_fails_the_task():
    state = _run(EmailTask(smtp_type="INSECURE", smtp_server="127.0.0.1", smtp_port=_free_port()), {})
    assert state.is_failed()
    assert isinstance(state.result, ConnectionRefusedError)


@pytest.mark.parametrize("name", ["EmailTask", "SlackTask"])
def test_the_tasks_are_where_prefect_1_has_them(name):
    import flowctl.tasks.notifications as notifications

    assert getattr(notifications, name).__module__.startswith("flowctl.tasks.notifications.")
