"""``slack_notifier`` as a task's and a flow's state handler: the payloads it posts to a webhook
(a server on 127.0.0.1 started by the scenario), the states it skips, and a refusing webhook."""

PRELUDE = '''
import json, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from prefect.engine.state import Failed, Running, Success
from prefect.utilities.notifications import slack_notifier, slack_message_formatter
from prefect.tasks.notifications import SlackTask

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
    "slack_task_posts_text_a_dict_and_to_a_url_given_at_run_time": '''
def build():
    with Flow("slack-task") as flow:
        SlackTask(message="hello", name="text")()
        SlackTask(name="payload")(message={"blocks": [{"type": "section"}]}, webhook_secret="OTHER")
        SlackTask(name="by_url")(message="direct", webhook_url=URL + "/direct")
    return flow, {"context": {"secrets": {"SLACK_WEBHOOK_URL": URL + "/hook", "OTHER": URL + "/other"}}}
''',
    "slack_task_without_its_secret_fails": '''
def build():
    with Flow("slack-task") as flow:
        SlackTask(message="hello", webhook_secret="NOT_SET")()
    return flow, {"context": {"secrets": {}}}
''',
    "email_task_sends_through_a_local_relay": '''
import email, os, socketserver, tempfile
from prefect.tasks.notifications import EmailTask

MAILS = []

class Relay(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\\r\\n").encode())

    def handle(self):
        self.reply("220 relay")
        recipients = []
        while True:
            line = self.rfile.readline().decode().rstrip("\\r\\n")
            verb = line[:4].upper()
            if not line or verb == "QUIT":
                self.reply("221 bye")
                return
            if verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip())
            if verb == "DATA":
                self.reply("354 go on")
                body = []
                while (data := self.rfile.readline().decode()) not in (".\\r\\n", ""):
                    body.append(data)
                MAILS.append([sorted(recipients), "".join(body)])
            self.reply("250 ok")

RELAY = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Relay)
threading.Thread(target=RELAY.serve_forever, daemon=True).start()
FOLDER = tempfile.mkdtemp()
ATTACHED = os.path.join(FOLDER, "report.csv")
with open(ATTACHED, "w") as file:
    file.write("a,b\\n1,2\\n")

def build():
    relay = {"smtp_server": "127.0.0.1", "smtp_port": RELAY.server_address[1], "smtp_type": "INSECURE"}
    with Flow("email-task") as flow:
        EmailTask(subject="Report", email_to="ann@example.com", name="mail", **relay)(
            msg="<b>done</b>", msg_plain="done", email_to_cc="bob@example.com",
            email_to_bcc="cid@example.com", attachments=[ATTACHED])
        EmailTask(name="bad_type", smtp_type="CARRIER_PIGEON")()
    return flow, {"context": {"secrets": {"EMAIL_USERNAME": "u", "EMAIL_PASSWORD": "p"}}}

def observe(flow, state):
    seen = []
    for recipients, text in MAILS:
        mail = email.message_from_string(text)
        parts = [[part.get_content_type(), part.get_payload(decode=True), part.get_filename()]
                 for part in mail.walk() if not part.is_multipart()]
        seen.append([recipients, mail["Subject"], mail["From"], mail["To"], mail["Cc"], mail["Bcc"], parts])
    return seen
''',
    "email_task_over_ssl_needs_its_secrets": '''
from prefect.tasks.notifications import EmailTask

def build():
    with Flow("email-task") as flow:
        EmailTask(subject="s", email_to="ann@example.com", smtp_server="127.0.0.1", smtp_port=9)()
    return flow, {"context": {"secrets": {}}}
''',
}
