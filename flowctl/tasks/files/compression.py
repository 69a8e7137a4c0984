"""``Zip`` and ``Unzip``: make a zip archive of files and directories, and extract one."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.tasks import defaults_from_attrs

#: ``compression_method`` names, as Prefect 1 takes them.
COMPRESSION_METHODS = {"store": zipfile.ZIP_STORED, "deflate": zipfile.ZIP_DEFLATED,
                       "bzip2": zipfile.ZIP_BZIP2, "lzma": zipfile.ZIP_LZMA}


class Unzip(Task):
    """Extract the archive ``zip_path`` into ``extract_dir`` (which must exist; the working directory
    when not given) and return that directory. ``zipfile`` keeps every member inside it: a name
    with ``..`` or a leading ``/`` is extracted under it, never outside."""

    def __init__(self, zip_path: str | Path = "", extract_dir: str | Path = "", **kwargs: Any) -> None:
        self.zip_path, self.extract_dir = zip_path, extract_dir
        super().__init__(**kwargs)

    @defaults_from_attrs("zip_path", "extract_dir")
    def run(self, zip_path: str | Path = "", extract_dir: str | Path = "",
            password: bytes | str | None = None) -> Path:
        if not zip_path:
            raise ValueError("No `zip_path` provided")
        archive, target = Path(zip_path), Path(extract_dir or Path.cwd())
        if not archive.exists():
            raise ValueError(f"`zip_path` '{archive}' not found")
        if not zipfile.is_zipfile(archive):
            raise TypeError(f"`zip_path` '{archive}' is not a zip file")
        self.logger.info(f"Extracting '{archive}' to '{target}'")
        if isinstance(password, str) and password:
            password = password.encode("utf-8")
        with zipfile.ZipFile(archive, "r") as opened:
            opened.extractall(target, pwd=password or None)
        return target


class Zip(Task):
    """Write the archive ``zip_path`` holding ``source_path`` (a path or a list of paths): a file under
    its own name, a directory's files under the directory's name."""

    def __init__(self, source_path: str | Path | list = "", zip_path: str | Path = "",
                 compression_method: str = "deflate", compression_level: int | None = None,
                 **kwargs: Any) -> None:
        if compression_method not in COMPRESSION_METHODS:
            raise ValueError(f"Compression method {compression_method} is not supported!")
        self.source_path, self.zip_path = source_path, zip_path
        self.compression, self.compression_level = COMPRESSION_METHODS[compression_method], compression_level
        super().__init__(**kwargs)

    @defaults_from_attrs("source_path", "zip_path")
    def run(self, source_path: str | Path | list = "", zip_path: str | Path = "") -> None:
        if not source_path:
            raise ValueError("No `source_path` provided.")
        if not zip_path:
            raise ValueError("No `zip_path` provided.")
        sources = [Path(p) for p in source_path] if isinstance(source_path, list) else [Path(source_path)]
        with zipfile.ZipFile(Path(zip_path), "w", compression=self.compression,
                             compresslevel=self.compression_level) as archive:
            self.logger.info(f"Creating zip archive {zip_path}")
            for source in sources:
                self.logger.info(f"Adding {source.name} to archive")
                if source.is_file():
                    archive.write(source, arcname=source.name)
                    continue
                for folder, _, files in os.walk(source):
                    for name in files:
                        path = Path(folder, name)
                        archive.write(path, arcname=path.relative_to(source.parent))


__all__ = ["COMPRESSION_METHODS", "Unzip", "Zip"]
