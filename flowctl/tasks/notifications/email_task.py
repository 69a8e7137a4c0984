"""``EmailTask``: send an e-mail through an SMTP server."""
from __future__ import annotations

import os
import smtplib
import ssl
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.tasks import defaults_from_attrs

_FIELDS = ("subject", "msg", "email_to", "email_from", "smtp_server", "smtp_port", "smtp_type",
           "msg_plain", "email_to_cc", "email_to_bcc", "attachments")


class EmailTask(Task):
    """Send an e-mail: ``msg`` as HTML and/or ``msg_plain`` as text, with files attached.

    ``smtp_type`` is ``"SSL"`` (the default, port 465), ``"STARTTLS"`` or ``"INSECURE"`` (a
    plain connection, as to an internal relay). Except with ``"INSECURE"``, the server is
    logged in to with the secrets ``EMAIL_USERNAME`` and ``EMAIL_PASSWORD``. Every argument can
    be given when the task is made or when it runs, as in Prefect 1.
    """

    def __init__(self, subject: str | None = None, msg: str | None = None, email_to: str | None = None,
                 email_from: str = "notifications@prefect.io", smtp_server: str = "smtp.gmail.com",
                 smtp_port: int = 465, smtp_type: str = "SSL", msg_plain: str | None = None,
                 email_to_cc: str | None = None, email_to_bcc: str | None = None,
                 attachments: list[str] | None = None, **kwargs: Any) -> None:
        self.subject, self.msg, self.email_to, self.email_from = subject, msg, email_to, email_from
        self.smtp_server, self.smtp_port, self.smtp_type = smtp_server, smtp_port, smtp_type
        self.msg_plain, self.email_to_cc, self.email_to_bcc = msg_plain, email_to_cc, email_to_bcc
        self.attachments = attachments or []
        super().__init__(**kwargs)

    @defaults_from_attrs(*_FIELDS)
    def run(self, subject: str | None = None, msg: str | None = None, email_to: str | None = None,
            email_from: str | None = None, smtp_server: str | None = None, smtp_port: int | None = None,
            smtp_type: str | None = None, msg_plain: str | None = None, email_to_cc: str | None = None,
            email_to_bcc: str | None = None, attachments: list[str] | None = None) -> None:
        login = None
        if smtp_type != "INSECURE":  # (read first: a missing secret fails the task before any other step)
            from flowctl.client.secrets import Secret

            login = (str(Secret("EMAIL_USERNAME").get()), str(Secret("EMAIL_PASSWORD").get()))
        message = _message(subject, msg, msg_plain, email_from, email_to, email_to_cc, email_to_bcc,
                           attachments or [])
        server = _connect(smtp_server, smtp_port, smtp_type, login)
        try:
            server.send_message(message)
        finally:
            server.quit()


def _message(subject: Any, html: Any, plain: Any, sender: Any, to: Any, cc: Any, bcc: Any,
             attachments: list[str]) -> MIMEMultipart:
    """The e-mail: headers, the plain and HTML parts (each when given), then one part per file."""
    message = MIMEMultipart()
    message["Subject"], message["From"], message["To"] = subject, sender, to
    if cc:
        message["Cc"] = cc
    if bcc:  # (send_message takes it as a recipient and leaves the header out of what it sends)
        message["Bcc"] = bcc
    if plain:
        message.attach(MIMEText(plain, "plain"))
    if html:
        message.attach(MIMEText(html, "html"))
    for path in attachments:
        with open(path, "rb") as file:
            part = MIMEBase("application", "octet-stream")
            part.set_payload(file.read())
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", f"attachment; filename= {os.path.basename(path)}")
        message.attach(part)
    return message


def _connect(server: Any, port: Any, smtp_type: str, login: tuple[str, str] | None) -> smtplib.SMTP:
    """A connection to the SMTP server, secured and logged in to as ``smtp_type`` asks."""
    if smtp_type == "INSECURE":
        return smtplib.SMTP(server, port)
    if smtp_type not in ("SSL", "STARTTLS"):
        raise ValueError(f"{smtp_type} is an unsupported value for smtp_type.")
    context = ssl.create_default_context()
    if smtp_type == "SSL":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(server, port, context=context)
    else:
        connection = smtplib.SMTP(server, port)
        connection.starttls(context=context)
    connection.login(*login)  # type: ignore[misc]  # (run reads it for every type but INSECURE)
    return connection


__all__ = ["EmailTask"]
