"""``--report FILE.html`` and ``flowctl runs show ID --html FILE``: one self-contained HTML page.

Everything is inline (styles, SVG drawings, a few lines of script for the
log level filter): the file opens from disk, from a CI artifact or an email
attachment, and fetches nothing. It stays small for huge runs: the drawings
aggregate (see ``report_svg``), at most ``MAX_LOGS`` log records and
``MAX_FAILURES`` failures are written in full, and the page says how many
more there were.
"""
from __future__ import annotations

import datetime
import os
from html import escape
from typing import Any

from flowctl.render.report_data import graph_record, run_data_from_model, run_data_from_record
from flowctl.render.report_svg import COLOURS, bucket, gantt_svg, graph_svg, legend_html

MAX_LOGS = 5000
MAX_FAILURES = 200
LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fafbfc}
header{padding:18px 28px;background:#fff;border-bottom:1px solid #d8dee4}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0 0 10px}
section{background:#fff;margin:16px 28px;padding:14px 18px;border:1px solid #d8dee4;border-radius:8px;overflow:auto}
.state{font-weight:600;padding:1px 8px;border-radius:10px;color:#fff}
.meta{color:#57606a}.chip{display:inline-block;margin:2px 10px 2px 0;white-space:nowrap}
.chip i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:5px;vertical-align:-1px}
.count{display:inline-block;margin:0 8px 6px 0;padding:6px 12px;border-radius:6px;border:1px solid #d8dee4}
.count b{font-size:18px;margin-right:6px}
svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:#1f2328}svg text.detail{fill:#57606a;font-size:11px}
svg text.name{font-weight:600}svg .tick{stroke:#eaeef2}svg text.axis{fill:#57606a;font-size:10px}
svg text.lane{fill:#57606a;font-size:11px}
pre{background:#f6f8fa;padding:8px 10px;border-radius:6px;overflow:auto;margin:4px 0 10px;font-size:12px}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
#logs td.msg{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}
.lvl-ERROR,.lvl-CRITICAL{color:#d9363e;font-weight:600}.lvl-WARNING{color:#b26b00}.lvl-DEBUG{color:#8c959f}
.note{color:#57606a;font-style:italic}
"""

_SCRIPT = """
(function(){
  var select=document.getElementById('level'), rows=document.querySelectorAll('#logs tbody tr');
  function apply(){var min=+select.value, shown=0;
    for(var i=0;i<rows.length;i++){var ok=+rows[i].getAttribute('data-level')>=min;
      rows[i].style.display=ok?'':'none'; if(ok)shown++;}
    document.getElementById('shown').textContent=shown+' of '+rows.length+' records shown';}
  select.addEventListener('change',apply); apply();
  document.body.setAttribute('data-ready','1');
})();
"""


def _when(epoch: float | None) -> str:
    if not epoch:
        return "-"
    return datetime.datetime.fromtimestamp(epoch).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _label(task: Any, index: Any) -> str:
    return str(task) if index is None else f"{task}[{index}]"


def _header(data: dict) -> str:
    colour = COLOURS[bucket(data.get("state"))]
    run = f" · run {escape(str(data['run_id']))}" if data.get("run_id") else ""
    return (f'<header><h1>Flow {escape(repr(data.get("flow")))} '
            f'<span class="state" style="background:{colour}">{escape(str(data.get("state")))}</span></h1>'
            f'<div class="meta">started {escape(_when(data.get("started")))} · '
            f'{float(data.get("duration_s") or 0):.2f}s{run}</div></header>')


def _counts(data: dict) -> str:
    chips = "".join(f'<span class="count" style="border-color:{COLOURS[bucket(name)]}"><b>{number}</b>'
                    f'{escape(str(name))}</span>' for name, number in (data.get("counts") or {}).items())
    return f'<section id="counts"><h2>Task runs by state</h2>{chips or "<span class=note>none</span>"}</section>'


def _failures(data: dict) -> str:
    failures = data.get("failures") or []
    if not failures:
        return '<section id="failures"><h2>Failures</h2><span class="note">none</span></section>'
    items = []
    for failure in failures[:MAX_FAILURES]:
        trace = failure.get("traceback") or ""
        items.append(f'<div class="failure"><b>{escape(_label(failure.get("task"), failure.get("map_index")))}</b>: '
                     f'{escape(str(failure.get("message")))}{f"<pre>{escape(trace)}</pre>" if trace else ""}</div>')
    more = len(failures) - MAX_FAILURES
    if more > 0:
        items.append(f'<p class="note">… and {more} more failures (see --junit or --output json).</p>')
    return f'<section id="failures"><h2>Failures ({len(failures)})</h2>{"".join(items)}</section>'


def _parameters(data: dict) -> str:
    parameters = data.get("parameters") or {}
    if not parameters:
        return ""
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td><code>{escape(str(v))}</code></td></tr>"
                   for k, v in parameters.items())
    return f'<section id="parameters"><h2>Parameters</h2><table>{rows}</table></section>'


def _logs(data: dict) -> str:
    logs = data.get("logs") or []
    options = "".join(f'<option value="{n}"{" selected" if name == "DEBUG" else ""}>{name} and above</option>'
                      for name, n in LEVELS.items())
    rows = []
    for record in logs[:MAX_LOGS]:
        level = str(record.get("level"))
        where = _label(record.get("task"), record.get("map_index")) if record.get("task") else "flow"
        clock = datetime.datetime.fromtimestamp(record.get("time") or 0).strftime("%H:%M:%S.%f")[:-3]
        rows.append(f'<tr data-level="{LEVELS.get(level, 0)}"><td>{clock}</td><td class="lvl-{escape(level)}">'
                    f'{escape(level)}</td><td>{escape(where)}</td><td class="msg">{escape(str(record.get("message")))}'
                    f"</td></tr>")
    more = len(logs) - MAX_LOGS
    note = f'<p class="note">… and {more} more records not included.</p>' if more > 0 else ""
    return (f'<section id="log-section"><h2>Logs</h2><label>Level <select id="level">{options}</select></label> '
            f'<span id="shown" class="note"></span><table id="logs"><thead><tr><th>time</th><th>level</th>'
            f'<th>task</th><th>message</th></tr></thead><tbody>{"".join(rows)}</tbody></table>{note}</section>')


def render_report(data: dict) -> str:
    """The whole page for ``data`` (the dict described in ``report_data``)."""
    title = escape(f"flowctl run report: {data.get('flow')}")
    graph = graph_svg(data.get("tasks") or [], data.get("edges") or [])
    timeline = gantt_svg(data.get("runs") or [], float(data.get("started") or 0.0),
                         float(data.get("duration_s") or 0.0))
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        'script-src \'unsafe-inline\'; img-src data:">',
        f"<title>{title}</title><style>{_STYLE}</style></head><body>",
        _header(data), _counts(data),
        f'<section id="graph-section"><h2>Flow graph</h2><div class="legend">{legend_html()}</div>{graph}</section>',
        f'<section id="timeline-section"><h2>Timeline</h2><p class="note">One lane per thread or worker; '
        f'hover a bar for the task run. Mapped tasks with many children show how many finished over time.</p>'
        f"{timeline}</section>",
        _failures(data), _parameters(data), _logs(data),
        f"<script>{_SCRIPT}</script></body></html>",
    ])


def write_report(path: str | os.PathLike, run_data: dict) -> None:
    """Write the report of ``run_data`` to ``path`` (directories are created)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(render_report(run_data))


__all__ = ["write_report", "render_report", "run_data_from_model", "run_data_from_record", "graph_record"]
