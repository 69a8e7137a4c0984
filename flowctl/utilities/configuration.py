"""flowctl's settings: defaults, overridden by ``FLOWCTL__SECTION__KEY`` variables.

Names are lower-cased, except secrets' (``FLOWCTL__CONTEXT__SECRETS__API_KEY``
sets ``context.secrets.API_KEY``), which runs find in ``context.secrets``.

The settings object is built once at import; the engine reads plain attributes
from it, so consulting configuration costs nothing per task.
"""
from __future__ import annotations

import ast
import datetime
import json
import os
from contextlib import contextmanager
from typing import Any, Iterator

from flowctl.utilities.collections import DotDict

DEFAULTS: dict[str, Any] = {
    "home_dir": "~/.flowctl",
    "flows": {"checkpointing": False, "eager_edge_validation": False},
    "tasks": {"defaults": {"max_retries": 0, "retry_delay": None, "timeout": None}},
    "logging": {
        "level": "INFO",
        "format": "[%(asctime)s] %(levelname)s - %(name)s | %(message)s",
        "datefmt": "%Y-%m-%d %H:%M:%S%z",
        "log_to_stderr": True,
        "log_attributes": [],
        "extra_loggers": [],
    },
    "engine": {
        "executor": {"default_class": "flowctl.executors.LocalExecutor",
                     "dask": {"address": None, "cluster_class": None}},
    },
    "context": {},
}

ENV_PREFIX = "FLOWCTL__"


def _parse_env_value(raw: str) -> Any:
    """Environment values are JSON when they parse as JSON, else Python literals (Prefect 1's settings
    take ``"['dask', 'boto3']"``), strings otherwise."""
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return raw


def load_configuration(environ: dict[str, str] | None = None) -> DotDict:
    """Build the settings tree from the defaults and the environment."""
    config = DotDict(json.loads(json.dumps(DEFAULTS)))
    for name, raw in (os.environ if environ is None else environ).items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [part for part in name[len(ENV_PREFIX):].split("__") if part]
        path = [part.lower() for part in parts]
        if path[:2] == ["context", "secrets"]:  # secret names keep their case, as in Prefect 1
            path[2:] = parts[2:]
        if not path:
            continue
        node = config
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = DotDict()
            node = node[part]
        node[path[-1]] = _parse_env_value(raw)
    if isinstance(config.get("home_dir"), str):  # a real directory, as Prefect 1's (its results go there)
        config["home_dir"] = os.path.expanduser(config["home_dir"])
    _task_defaults_as_objects(config)
    return config


def _task_defaults_as_objects(config: DotDict) -> None:
    """Task defaults read from the environment as Prefect 1 reads them: a ``retry_delay`` in seconds
    becomes a ``timedelta`` (a handler may add it to a datetime), ``false`` means none."""
    tasks = config.get("tasks")
    defaults = tasks.get("defaults") if isinstance(tasks, dict) else None
    if not isinstance(defaults, dict):
        return
    defaults["max_retries"] = defaults.get("max_retries") or 0
    delay = defaults.get("retry_delay")
    if delay is False:
        defaults["retry_delay"] = None
    elif isinstance(delay, int) and not isinstance(delay, bool):
        defaults["retry_delay"] = datetime.timedelta(seconds=delay)
    if defaults.get("timeout") is False:
        defaults["timeout"] = None


config: DotDict = load_configuration()


def _set_path(root: DotDict, dotted: str, value: Any) -> None:
    node = root
    *parents, leaf = dotted.split(".")
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = DotDict()
        node = node[part]
    node[leaf] = value


@contextmanager
def set_temporary_config(temp_config: dict[str, Any]) -> Iterator[DotDict]:
    """Override settings (``{"flows.checkpointing": True}``) inside a ``with`` block."""
    saved = config.to_dict()
    try:
        for dotted, value in temp_config.items():
            _set_path(config, dotted, value)
        yield config
    finally:
        config.clear()
        for key, value in saved.items():
            config[key] = value
