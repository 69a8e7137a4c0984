"""``SlackTask``: post a message to a Slack incoming webhook."""
from __future__ import annotations

from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.notifications import post_json
from flowctl.utilities.tasks import defaults_from_attrs


class SlackTask(Task):
    """Post ``message`` to the Slack webhook whose URL is the secret ``webhook_secret``.

    A ``dict`` message is posted as the payload itself (blocks, attachments); any other message
    as ``{"text": message}``. ``webhook_url`` given to ``run`` (say, from an upstream secret
    task) is used instead of the secret. A webhook that refuses the post or cannot be reached
    fails the task (ValueError), as Prefect 1's does through ``raise_for_status``.
    """

    def __init__(self, message: str | dict | None = None, webhook_secret: str = "SLACK_WEBHOOK_URL",
                 **kwargs: Any) -> None:
        self.message = message
        self.webhook_secret = webhook_secret
        super().__init__(**kwargs)

    @defaults_from_attrs("message", "webhook_secret")
    def run(self, message: str | dict | None = None, webhook_secret: str | None = None,
            webhook_url: str | None = None) -> None:
        if not webhook_url:
            from flowctl.client.secrets import Secret

            webhook_url = str(Secret(webhook_secret).get())
        payload = message if isinstance(message, dict) else {"text": message}
        post_json(webhook_url, payload, None, "Slack message could not be posted")


__all__ = ["SlackTask"]
