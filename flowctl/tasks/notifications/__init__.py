"""Tasks that send notifications, as Prefect 1's ``prefect.tasks.notifications``.

For a message that is a step of the flow itself (a report at the end, an
alert on a branch); a notification on a state change is a state handler's job
(``flowctl.utilities.notifications``). Prefect 1's ``PushbulletTask`` needs
the ``pushbullet`` package and is not provided.
"""
from flowctl.tasks.notifications.email_task import EmailTask
from flowctl.tasks.notifications.slack_task import SlackTask

__all__ = ["EmailTask", "SlackTask"]
