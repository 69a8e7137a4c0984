"""``ShellTask``: a shell command as a task, as Prefect 1's ``prefect.tasks.shell``.

The command (after an optional helper script) goes to a temporary file only
its owner can read, and ``shell`` runs that file with the task's environment
plus ``env``. Standard output and error come back merged, line by line:
``stream_output`` logs each line as it arrives, and the task returns the last
line (every line with ``return_all``; None when nothing was printed). A
non-zero exit fails the task with ``FAIL("Command failed with exit code N")``,
whose result is that output. When the task is stopped while the command runs
(a timeout, Ctrl-C), the command is killed rather than waited for.
"""
from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from typing import Any

from flowctl.core.task import Task
from flowctl.engine import signals
from flowctl.utilities.tasks import defaults_from_attrs

__all__ = ["ShellTask"]


class ShellTask(Task):
    """Run ``command`` with ``shell`` (``bash`` by default); see the module docstring."""

    def __init__(self, command: str | None = None, env: dict | None = None, helper_script: str | None = None,
                 shell: str = "bash", return_all: bool = False, log_stderr: bool = False,
                 stream_output: bool | int | str = False, **kwargs: Any) -> None:
        self.command = command
        self.env = env
        self.helper_script = helper_script
        self.shell = shell
        self.return_all = return_all
        self.log_stderr = log_stderr
        if isinstance(stream_output, str):
            level = logging.getLevelName(stream_output)
            if not isinstance(level, int):
                raise TypeError(f"'stream_output': {stream_output} is not a valid log level")
            stream_output = level
        self.stream_output = logging.INFO if stream_output is True else stream_output
        super().__init__(**kwargs)

    @defaults_from_attrs("command", "env", "helper_script")
    def run(self, command: str | None = None, env: dict | None = None,
            helper_script: str | None = None) -> str | list[str] | None:
        """The command's last line of output (all of them with ``return_all``); FAIL on a non-zero exit."""
        if command is None:
            raise TypeError("run() missing required argument: 'command'")
        environment = {**os.environ, **(env or {})}
        with tempfile.NamedTemporaryFile(prefix="flowctl-shell-") as script:  # (mode 0600)
            script.write(((helper_script + os.linesep) if helper_script else "").encode() + command.encode())
            script.flush()
            with subprocess.Popen([self.shell, script.name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env=environment) as process:
                try:
                    last, lines = self._read_output(process)
                except BaseException:
                    process.kill()  # never wait for a command its task no longer runs
                    raise
        output = lines if self.return_all else last
        if process.returncode:
            message = f"Command failed with exit code {process.returncode}"
            self.logger.error(message)
            if self.log_stderr and not self.stream_output:
                self.logger.error("\n".join(lines) if self.return_all else last)
            raise signals.FAIL(message, result=output)
        return output

    def _read_output(self, process: subprocess.Popen) -> tuple[str | None, list[str]]:
        last, lines = None, []
        for raw in iter(process.stdout.readline, b""):  # type: ignore[union-attr]
            last = raw.decode("utf-8", errors="replace").rstrip()
            if self.return_all:
                lines.append(last)
            if self.stream_output:
                self.logger.log(self.stream_output, last)
        process.wait()
        return last, lines
