"""``Copy``, ``Move``, ``Remove`` and ``Glob``: the file operations of a flow's steps."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.tasks import defaults_from_attrs


def _existing(path: str | Path, what: str) -> Path:
    """``path`` as a Path that exists; ValueError (Prefect 1's words) when it is empty or missing."""
    if not path:
        raise ValueError(f"No `{what}` provided.")
    found = Path(path)
    if not found.exists():
        label = "Source path" if what == "source_path" else "Path"
        raise ValueError(f"{label} ({found}) not found")
    return found


def _given(path: str | Path, what: str) -> Path:
    if not path:
        raise ValueError(f"No `{what}` provided.")
    return Path(path)


class Move(Task):
    """Move a file or directory to ``target_path`` (whose parent must exist); returns where it went."""

    def __init__(self, source_path: str | Path = "", target_path: str | Path = "", **kwargs: Any) -> None:
        self.source_path, self.target_path = source_path, target_path
        super().__init__(**kwargs)

    @defaults_from_attrs("source_path", "target_path")
    def run(self, source_path: str | Path = "", target_path: str | Path = "") -> Path:
        _given(source_path, "source_path")
        target = _given(target_path, "target_path")
        source = _existing(source_path, "source_path")
        self.logger.info(f"Moving {source} to {target}...")
        return Path(shutil.move(str(source), str(target)))


class Copy(Task):
    """Copy a file (to a file or into a directory), or a directory to a ``target_path`` that does not
    exist yet; returns the copy's path."""

    def __init__(self, source_path: str | Path = "", target_path: str | Path = "", **kwargs: Any) -> None:
        self.source_path, self.target_path = source_path, target_path
        super().__init__(**kwargs)

    @defaults_from_attrs("source_path", "target_path")
    def run(self, source_path: str | Path = "", target_path: str | Path = "") -> Path:
        _given(source_path, "source_path")
        target = _given(target_path, "target_path")
        source = _existing(source_path, "source_path")
        self.logger.info(f"Copying {source} to {target}...")
        copied = shutil.copy(source, target) if source.is_file() else shutil.copytree(source, target)
        return Path(copied)


class Remove(Task):
    """Remove a file, or an empty directory (a directory with files in it fails the task)."""

    def __init__(self, path: str | Path = "", **kwargs: Any) -> None:
        self.path = path
        super().__init__(**kwargs)

    @defaults_from_attrs("path")
    def run(self, path: str | Path = "") -> None:
        found = _existing(path, "path")
        self.logger.info(f"Removing {found}...")
        if found.is_file():
            found.unlink()
        else:
            found.rmdir()


class Glob(Task):
    """The paths in directory ``path`` matching ``pattern`` (``pathlib`` syntax: ``**/*.csv`` recurses)."""

    def __init__(self, path: str | Path = "", pattern: str = "*", **kwargs: Any) -> None:
        self.path, self.pattern = path, pattern
        super().__init__(**kwargs)

    @defaults_from_attrs("path", "pattern")
    def run(self, path: str | Path = "", pattern: str = "*") -> list[Path]:
        folder = _given(path, "path")
        self.logger.debug("Glob path: %s", folder.joinpath(pattern))
        return list(folder.glob(pattern))


__all__ = ["Copy", "Glob", "Move", "Remove"]
