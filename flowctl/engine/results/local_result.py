"""``LocalResult``: results as files in a directory, with Prefect 1's semantics, written safely.

As in Prefect 1, ``write(value_, **kwargs)`` formats the location template
(a task's ``target``, or the result's own ``location``) with ``kwargs`` once
and writes the serialized value under ``dir``. Two things are stricter:

- every write goes through ``flowctl.utilities.files.atomic_write``
  (unguessable temporary name opened ``O_EXCL|O_NOFOLLOW``, fsync, rename;
  a symlink at the destination is refused);
- template values never lead out of the template's directory: a formatted
  location that leaves the directory its template names (a parameter
  ``../../x``, a mapped value ``/etc/x``) raises ``LocationEscapeError``,
  which fails the task. Inside it they may name subfolders, as in Prefect 1
  (``{date:%Y/%m}``).
"""
from __future__ import annotations

import datetime
import os
import uuid
from typing import Any

from flowctl.engine.result import Result
from flowctl.engine.serializers import Serializer
from flowctl.utilities.configuration import config
from flowctl.utilities.files import atomic_write, private_dir


class LocationEscapeError(ValueError):
    """A formatted target or result location that would leave its directory."""


def default_results_dir() -> str:
    """``results`` under the settings' ``home_dir`` (``~/.flowctl``; ``FLOWCTL__HOME_DIR`` moves it)."""
    return os.path.join(_home_dir(), "results")


def _home_dir() -> str:
    return os.path.expanduser(str(config.get("home_dir") or "~/.flowctl"))


def _results_dir(given: str | os.PathLike | None) -> str:
    """``dir`` as Prefect 1 takes it: none, the settings' ``home_dir`` or a folder inside it all mean
    ``results`` under ``home_dir`` (a flow written for Prefect passes ``dir=config.home_dir``)."""
    if given is None:
        return default_results_dir()
    given = os.fspath(given)
    home = os.path.abspath(_home_dir())
    try:
        inside_home = os.path.commonpath([home, os.path.abspath(os.path.expanduser(given))]) == home
    except ValueError:  # (paths on different drives)
        inside_home = False
    return default_results_dir() if inside_home else given


def check_contained(template: str, location: str, root: str) -> str:
    """``location``, unless the values filled into ``template`` moved it out of the template's directory."""
    literal_dir = os.path.dirname(template.split("{", 1)[0])
    base = os.path.normpath(os.path.join(root, literal_dir))
    full = os.path.normpath(os.path.join(root, location))
    if full != base and not full.startswith(base.rstrip(os.sep) + os.sep):
        raise LocationEscapeError(
            f"The location template {template!r} formatted to {location!r}, which is outside {base!r}. "
            f"Values filled into a target or result location may not lead out of its directory: check the "
            f"parameter or input that contains '..' or starts with '/'.")
    return location


class LocalResult(Result):
    """Stores each value as a file under ``dir`` (``~/.flowctl/results`` by default)."""

    def __init__(self, dir: str | os.PathLike | None = None, validate_dir: bool = True,
                 location: Any = None, serializer: Serializer | None = None, value: Any = None) -> None:
        directory = _results_dir(dir)
        if validate_dir:
            directory = os.path.abspath(os.path.expanduser(directory))
            if os.path.exists(directory) and not os.path.isdir(directory):
                raise ValueError(f"LocalResult dir {directory!r} exists and is not a directory.")
            if not os.path.exists(directory):  # made at once, as Prefect 1 makes it (ours 0700)
                try:
                    private_dir(directory)
                except OSError:  # (a read-only place: the first write reports it)
                    pass
        self.dir = directory
        super().__init__(value=value, location=location, serializer=serializer)

    @property
    def default_location(self) -> str:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H-%M-%S-%f")
        return f"flowctl-result-{stamp}-{uuid.uuid4().hex[:8]}"

    def format(self, **kwargs: Any) -> "LocalResult":
        """A copy located at the template formatted once with ``kwargs``, checked to stay in its directory."""
        new = self.copy()
        template = self.location if self.location is not None else self._formatter
        if isinstance(template, str):
            new.location = check_contained(template, template.format(**kwargs), self.dir) if "{" in template \
                else template
        elif callable(template):  # the user's own code chooses the path (Prefect 1's idiom: absolute ones too)
            new.location = str(template(**kwargs))
        else:
            new.location = self.default_location
        return new

    def read(self, location: str) -> "LocalResult":
        new = self.copy()
        new.location = location
        with open(os.path.join(self.dir, location), "rb") as handle:
            new.value = self.serializer.deserialize(handle.read())
        return new

    def write(self, value_: Any, **kwargs: Any) -> "LocalResult":
        """Write ``value_`` at the location formatted with ``kwargs`` (every name, ``value`` and
        ``location`` too, is a template value, as in Prefect 1); the returned copy's location is
        the full path."""
        new = self.format(**kwargs)
        new.value = value_
        path = os.path.join(self.dir, new.location)
        atomic_write(path, self.serializer.serialize(value_))
        new.location = path
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        formatted = location.format(**kwargs)
        if "{" in location:
            check_contained(location, formatted, self.dir)
        return os.path.exists(os.path.join(self.dir, formatted))


__all__ = ["LocalResult", "LocationEscapeError", "check_contained", "default_results_dir"]
