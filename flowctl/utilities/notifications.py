"""State-handler helpers, as Prefect 1's ``prefect.utilities.notifications``.

``callback_factory`` builds a state handler from an action and a check.
``slack_notifier`` posts state changes to a Slack incoming webhook whose URL
is the secret ``SLACK_WEBHOOK_URL`` (or the one named by ``webhook_secret``),
read as every local secret is (``flowctl.client.Secret``). Prefect 1's links
to its backend's pages (``backend_info``) have no counterpart here: there is
no backend. The e-mail notifiers are not provided (the `EmailTask` task is).
"""
from __future__ import annotations

import functools
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable

_NOT_GIVEN: Any = object()
#: How long a webhook may take to answer before the notification counts as failed.
WEBHOOK_TIMEOUT_S = 30


def callback_factory(fn: Callable[[Any, Any], None], check: Callable[[Any], bool]) -> Callable:
    """A state handler that calls ``fn(obj, new_state)`` whenever ``check(new_state)`` is True.

    The handler returns ``new_state`` unchanged, so it can sit in any ``state_handlers`` list.
    """

    def state_handler(obj: Any, old_state: Any, new_state: Any) -> Any:
        if check(new_state) is True:
            fn(obj, new_state)
        return new_state

    state_handler.__name__ = getattr(fn, "__name__", "state_handler")
    return state_handler


def slack_message_formatter(tracked_obj: Any, state: Any, backend_info: bool = True) -> dict:
    """The webhook payload for ``state``: one attachment in the state's color, naming the task or
    flow and the new state, with the exception (or the state's message) as its field."""
    result = state.result
    value = f"```{result!r}```" if isinstance(result, Exception) else state.message
    fields = [] if value is None else [{"title": "Message", "value": value, "short": False}]
    name = type(state).__name__
    return {"attachments": [{
        "fallback": "State change notification", "color": state.color, "author_name": "Prefect",
        "author_link": "https://www.prefect.io/",
        "author_icon": "https://emoji.slack-edge.com/TAN3D79AL/prefect/2497370f58500a5a.png",
        "title": name, "fields": fields, "text": f"{tracked_obj.name} is now in a {name} state",
        "footer": "Prefect notification",
    }]}


def slack_notifier(tracked_obj: Any = _NOT_GIVEN, old_state: Any = _NOT_GIVEN, new_state: Any = _NOT_GIVEN,
                   ignore_states: list | None = None, only_states: list | None = None,
                   webhook_secret: str | None = None, backend_info: bool = True,
                   proxies: dict | None = None) -> Any:
    """Post ``new_state`` to Slack, unless it is one of ``ignore_states`` or not one of ``only_states``.

    A state handler as it is (``state_handlers=[slack_notifier]``) or given its options first
    (``slack_notifier(only_states=[Failed])``), as Prefect 1's curried one. A webhook that
    cannot be reached or refuses the post raises ValueError, which fails the run as any failing
    handler does.
    """
    options = {"ignore_states": ignore_states, "only_states": only_states, "webhook_secret": webhook_secret,
               "backend_info": backend_info, "proxies": proxies}
    if new_state is _NOT_GIVEN:  # options only (or not all three handler arguments): a handler to come
        given = [value for value in (tracked_obj, old_state) if value is not _NOT_GIVEN]
        return functools.partial(slack_notifier, *given, **options)
    from flowctl.client.secrets import Secret

    webhook_url = str(Secret(webhook_secret or "SLACK_WEBHOOK_URL").get())
    if any(isinstance(new_state, ignored) for ignored in ignore_states or ()):
        return new_state
    if only_states and not any(isinstance(new_state, included) for included in only_states):
        return new_state
    post_json(webhook_url, slack_message_formatter(tracked_obj, new_state, backend_info), proxies,
               f"Slack notification for {tracked_obj} failed")
    return new_state


def post_json(url: str, payload: dict, proxies: dict | None, failure: str) -> None:
    """POST ``payload`` as JSON to an http(s) ``url``; ValueError(``failure``) when it does not succeed."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{failure}: the webhook URL must be http or https")
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    handlers = [urllib.request.ProxyHandler(proxies)] if proxies else []
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=WEBHOOK_TIMEOUT_S):
            pass
    except urllib.error.HTTPError as exc:  # the webhook answered, and refused (as Prefect 1 words it)
        raise ValueError(failure) from exc
    except (urllib.error.URLError, OSError) as exc:  # it could not be reached
        raise ValueError(f"{failure}: {getattr(exc, 'reason', exc)}") from exc


__all__ = ["callback_factory", "slack_message_formatter", "slack_notifier"]
