"""``slack_notifier`` as a task's and a flow's state handler: the payloads it posts to a webhook
(a server on 127.0.0.1 started by the scenario), the states it skips, and a refusing webhook."""

PRELUDE = '''
import json, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from prefect.engine.state import Failed, Running, Success
from prefect.utilities.notifications import slack_notifier, slack_message_formatter

POSTS = []

class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        POSTS.append([self.path, json.loads(body)])
        self.send_response(500 if self.path == "/refuse" else 200)
        self.end_headers()

    def log_message(self, *args):
        pass

SERVER = HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=SERVER.serve_forever, daemon=True).start()
URL = "http://127.0.0.1:%d" % SERVER.server_address[1]

@task
def ok():
    return 1

@task
def boom():
    raise ValueError("boom")

def observe(flow, state):
    return sorted(POSTS, key=json.dumps)
'''

SCENARIOS = {
    "slack_notifier_only_failures_of_tasks": '''
def build():
    notify = slack_notifier(only_states=[Failed], backend_info=False)
    with Flow("notify") as flow:
        ok(task_args={"state_handlers": [notify]})
        boom(task_args={"state_handlers": [notify]})
    return flow, {"context": {"secrets": {"SLACK_WEBHOOK_URL": URL + "/hook"}}}
''',
    "slack_notifier_on_a_flow_ignoring_running_with_a_named_secret": '''
def build():
    notify = slack_notifier(ignore_states=[Running], webhook_secret="MY_HOOK", backend_info=False)
    with Flow("notify", state_handlers=[notify]) as flow:
        ok()
    return flow, {"context": {"secrets": {"MY_HOOK": URL + "/flow"}}}
''',
    "slack_notifier_refused_or_missing_secret_fails_the_task": '''
def build():
    with Flow("notify") as flow:
        ok(task_args={"name": "refused", "state_handlers": [slack_notifier(backend_info=False)]})
        boom(task_args={"name": "no_secret", "state_handlers": [slack_notifier(webhook_secret="NONE")]})
    return flow, {"context": {"secrets": {"SLACK_WEBHOOK_URL": URL + "/refuse"}}}
''',
    "slack_message_formatter_payloads": '''
def build():
    with Flow("notify") as flow:
        ok()
    return flow

def observe(flow, state):
    task = list(flow.tasks)[0]
    return [slack_message_formatter(task, Success("done"), backend_info=False),
            slack_message_formatter(task, Failed("bad", result=KeyError("k")), backend_info=False),
            slack_message_formatter(flow, Running(), backend_info=False)]
''',
}
