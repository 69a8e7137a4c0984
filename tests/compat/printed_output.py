"""What an example printed, without flowctl's log lines: those go to standard output too, as
Prefect 1's do, but the documentation's expected outputs show only what the example prints."""
from __future__ import annotations

import re

_LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:]+[^\]]*\] (DEBUG|INFO|WARNING|ERROR|CRITICAL) - \S+ \| ")


def printed(capsys) -> str:
    """Standard output captured so far, log lines (and a logged traceback's lines) left out."""
    kept, in_log = [], False
    for line in capsys.readouterr().out.splitlines(keepends=True):
        if _LOG_LINE.match(line):
            in_log = True
            continue
        if in_log and (line.startswith((" ", "Traceback")) or re.match(r"^\w+(Error|Exception)\b", line)):
            continue  # the traceback a logged error carries
        in_log = False
        kept.append(line)
    return "".join(kept)
