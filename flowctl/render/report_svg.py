"""The two drawings of the HTML report, as inline SVG built here (no script, no network).

``graph_svg`` lays the flow out in layers (longest path from the sources,
left to right; each layer ordered by its predecessors' positions) and
colours each task by its final state. ``gantt_svg`` draws every task run as
a bar in the lane of the thread or worker that ran it; a mapped task with
many children becomes one lane holding a histogram of its children, so a
100,000-child map costs a few hundred shapes, not 100,000.
"""
from __future__ import annotations

import functools
from html import escape
from flowctl.engine import state as state_module

COLOURS = {"success": "#2f9e55", "failed": "#d9363e", "skipped": "#d4a106", "cancelled": "#9b4dca",
           "running": "#1d8fc4", "retrying": "#e07b00", "pending": "#9aa0a6"}
LEGEND = [("success", "Success / Cached / Mapped"), ("failed", "Failed / TriggerFailed / TimedOut"),
          ("skipped", "Skipped"), ("cancelled", "Cancelled"), ("running", "Running (interrupted)"),
          ("retrying", "Retrying"), ("pending", "Pending / not run")]
NODE_W, NODE_H, LAYER_GAP, ROW_GAP = 176, 46, 64, 14
MAX_NODES = 1500
MAX_BARS = 2000  # above this, mapped tasks with many children are drawn as histograms
AGGREGATE_OVER = 50
PLOT_W, LABEL_W, LANE_H, BINS = 960, 200, 20, 160


@functools.lru_cache(maxsize=256)
def bucket(state_name: str | None) -> str:
    """The colour bucket of a state name (states are classes; names come from records too)."""
    kind = getattr(state_module, str(state_name), None)
    if not isinstance(kind, type) or not issubclass(kind, state_module.State):
        return "pending"
    for base, name in ((state_module.Failed, "failed"), (state_module.Skipped, "skipped"),
                       (state_module.Cancelled, "cancelled"), (state_module.Success, "success"),
                       (state_module.Retrying, "retrying"), (state_module.Running, "running"),
                       (state_module.Looped, "running")):
        if issubclass(kind, base):
            return name
    return "pending"


def task_bucket(task: dict) -> str:
    """A mapped task is as good as its children: red if any failed."""
    children = task.get("children") or {}
    if task.get("mapped") and children:
        buckets = {bucket(name) for name, count in children.items() if count}
        for name in ("failed", "cancelled", "running", "retrying", "pending", "skipped"):
            if name in buckets and (name != "skipped" or buckets == {"skipped"}):
                return name
        return "success"
    return bucket(task.get("state"))


def _layers(tasks: list[dict], edges: list[dict]) -> dict[str, int]:
    names = [t["id"] for t in tasks]
    preds: dict[str, list[str]] = {n: [] for n in names}
    for edge in edges:
        if edge["to"] in preds and edge["from"] in preds and edge["from"] != edge["to"]:
            preds[edge["to"]].append(edge["from"])
    # Tasks arrive in topological order, so one pass gives each its longest path from a source.
    layer: dict[str, int] = {}
    for name in names:
        layer[name] = max((layer[p] + 1 for p in preds[name] if p in layer), default=0)
    return layer


def _positions(tasks: list[dict], edges: list[dict]) -> dict[str, tuple[float, float]]:
    layer = _layers(tasks, edges)
    preds: dict[str, list[str]] = {}
    for edge in edges:
        preds.setdefault(edge["to"], []).append(edge["from"])
    columns: dict[int, list[str]] = {}
    for task in tasks:
        columns.setdefault(layer[task["id"]], []).append(task["id"])
    pos: dict[str, tuple[float, float]] = {}
    for index in sorted(columns):
        column = columns[index]
        order = {name: i for i, name in enumerate(column)}

        def centre(name: str) -> float:
            ys = [pos[p][1] for p in preds.get(name, ()) if p in pos]
            return sum(ys) / len(ys) if ys else order[name] * (NODE_H + ROW_GAP)

        for row, name in enumerate(sorted(column, key=lambda n: (centre(n), order[n]))):
            pos[name] = (20 + index * (NODE_W + LAYER_GAP), 20 + row * (NODE_H + ROW_GAP))
    return pos


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node(task: dict, x: float, y: float) -> str:
    colour = COLOURS[task_bucket(task)]
    shape = (f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="{NODE_H / 2 if task.get("kind") == "parameter" else 6}" '
             f'fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-width="2"/>')
    title = task["name"] + (f" ×{task.get('n', 0)}" if task.get("mapped") else "")
    if task.get("mapped") and task.get("children"):
        detail = " ".join(f"{name} {count}" for name, count in sorted(task["children"].items()))
    else:
        detail = str(task.get("state") or "not run")
    return (f'<g class="node" data-state="{escape(str(task.get("state")))}">{shape}'
            f'<title>{escape(task["name"])}: {escape(detail)}</title>'
            f'<text x="{x + 10}" y="{y + 19}" class="name">{escape(_clip(title, 24))}</text>'
            f'<text x="{x + 10}" y="{y + 36}" class="detail">{escape(_clip(detail, 28))}</text></g>')


def graph_svg(tasks: list[dict], edges: list[dict]) -> str:
    shown = tasks[:MAX_NODES]
    names = {t["id"] for t in shown}
    edges = [e for e in edges if e["from"] in names and e["to"] in names]
    pos = _positions(shown, edges)
    label = {t["id"]: t["name"] for t in shown}
    width = max((x for x, _ in pos.values()), default=0) + NODE_W + 40
    height = max((y for _, y in pos.values()), default=0) + NODE_H + 40
    parts = [f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="flow graph">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>']
    for edge in edges:
        (x1, y1), (x2, y2) = pos[edge["from"]], pos[edge["to"]]
        x1, y1, x2, y2 = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
        bend = max(24.0, (x2 - x1) / 2)
        dash = ' stroke-dasharray="5 3"' if not edge.get("key") else ""
        width_attr = "2.5" if edge.get("mapped") else "1.3"
        parts.append(f'<path class="edge" d="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}" fill="none" '
                     f'stroke="#777" stroke-width="{width_attr}"{dash} marker-end="url(#arrow)">'
                     f'<title>{escape(label[edge["from"]])} → {escape(label[edge["to"]])}'
                     f'{" (" + escape(str(edge["key"])) + ")" if edge.get("key") else ""}'
                     f'{" mapped" if edge.get("mapped") else ""}</title></path>')
    for task in shown:
        parts.append(_node(task, *pos[task["id"]]))
    parts.append("</svg>")
    return "".join(parts)


def legend_html() -> str:
    return "".join(f'<span class="chip"><i style="background:{COLOURS[key]}"></i>{escape(text)}</span>'
                   for key, text in LEGEND)


def _lanes(runs: list[dict]) -> list[tuple[str, list[dict]]]:
    """Bars grouped by lane; a lane whose bars overlap (events relayed from workers) is split."""
    by_lane: dict[str, list[list[dict]]] = {}
    ends: dict[str, list[float]] = {}
    for run in sorted(runs, key=lambda r: r["start"]):
        slots, slot_ends = by_lane.setdefault(run["lane"], []), ends.setdefault(run["lane"], [])
        for i, end in enumerate(slot_ends):
            if end <= run["start"] + 1e-6:
                slots[i].append(run)
                slot_ends[i] = run["end"]
                break
        else:
            slots.append([run])
            slot_ends.append(run["end"])
    lanes = []
    for lane, slots in sorted(by_lane.items()):
        for i, slot in enumerate(slots):
            lanes.append((lane if i == 0 else f"{lane} #{i + 1}", slot))
    return lanes


def _aggregate(runs: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    """Runs drawn one by one, and the children of big mapped tasks grouped per task."""
    if len(runs) <= MAX_BARS:
        return runs, {}
    per_task: dict[str, int] = {}
    for run in runs:
        if run["map_index"] is not None:
            per_task[run["task"]] = per_task.get(run["task"], 0) + 1
    big = {name for name, count in per_task.items() if count > AGGREGATE_OVER}
    single = [r for r in runs if not (r["map_index"] is not None and r["task"] in big)]
    grouped: dict[str, list[dict]] = {}
    for run in runs:
        if run["map_index"] is not None and run["task"] in big:
            grouped.setdefault(run["task"], []).append(run)
    return single[:MAX_BARS], grouped


def _x(at: float, t0: float, span: float) -> float:
    return LABEL_W + (at - t0) / span * PLOT_W


def _bar(run: dict, y: float, t0: float, span: float) -> str:
    x1, x2 = _x(run["start"], t0, span), _x(run["end"], t0, span)
    label = run["task"] if run["map_index"] is None else f"{run['task']}[{run['map_index']}]"
    return (f'<rect class="bar" x="{x1:.1f}" y="{y + 3}" width="{max(1.0, x2 - x1):.1f}" height="{LANE_H - 6}" '
            f'fill="{COLOURS[bucket(run["state"])]}"><title>{escape(label)}: {escape(run["state"])} '
            f'{run["end"] - run["start"]:.3f}s</title></rect>')


def _histogram(name: str, runs: list[dict], y: float, t0: float, span: float) -> str:
    """Children finished per time bin, as bars scaled to the lane; failed ones stacked in red."""
    done, failed = [0] * BINS, [0] * BINS
    for run in runs:
        slot = min(BINS - 1, max(0, int((run["end"] - t0) / span * BINS)))
        (failed if bucket(run["state"]) == "failed" else done)[slot] += 1
    peak = max((d + f for d, f in zip(done, failed)), default=1) or 1
    step = PLOT_W / BINS
    parts = []
    for i, (d, f) in enumerate(zip(done, failed)):
        if not d + f:
            continue
        x = LABEL_W + i * step
        total_h = (LANE_H * 2 - 6) * (d + f) / peak
        fail_h = total_h * f / (d + f)
        parts.append(f'<rect x="{x:.1f}" y="{y + LANE_H * 2 - 3 - total_h:.1f}" width="{step:.1f}" '
                     f'height="{total_h - fail_h:.1f}" fill="{COLOURS["success"]}"/>')
        if f:
            parts.append(f'<rect x="{x:.1f}" y="{y + LANE_H * 2 - 3 - fail_h:.1f}" width="{step:.1f}" '
                         f'height="{max(1.0, fail_h):.1f}" fill="{COLOURS["failed"]}"/>')
    n_failed = sum(failed)
    title = f"{name}: {len(runs)} children finished ({n_failed} failed) — children finished over time"
    return f'<g class="aggregate"><title>{escape(title)}</title>{"".join(parts)}</g>'


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.1f}s"


def gantt_svg(runs: list[dict], started: float, duration: float) -> str:
    t0 = min([started] + [r["start"] for r in runs]) if runs else started
    end = max([t0 + duration] + [r["end"] for r in runs]) if runs else t0 + duration
    span = max(end - t0, 1e-3)
    single, grouped = _aggregate(runs)
    lanes = _lanes(single)
    height = 30 + LANE_H * (len(lanes) + 2 * len(grouped)) + 10
    parts = [f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + PLOT_W + 20}" '
             f'height="{height}" viewBox="0 0 {LABEL_W + PLOT_W + 20} {height}" role="img" '
             f'aria-label="timeline of task runs">']
    for i in range(6):
        x = LABEL_W + PLOT_W * i / 5
        parts.append(f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height - 6}" class="tick"/>'
                     f'<text x="{x:.1f}" y="12" class="axis" text-anchor="middle">{_seconds(span * i / 5)}</text>')
    y = 24.0
    for lane, bars in lanes:
        parts.append(f'<text x="4" y="{y + 14}" class="lane">{escape(_clip(lane, 28))}</text>')
        parts.extend(_bar(run, y, t0, span) for run in bars)
        y += LANE_H
    for name, children in grouped.items():
        parts.append(f'<text x="4" y="{y + 14}" class="lane">{escape(_clip(name, 18))} ×{len(children)}</text>')
        parts.append(_histogram(name, children, y, t0, span))
        y += LANE_H * 2
    parts.append("</svg>")
    return "".join(parts)
