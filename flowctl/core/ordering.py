"""A stable topological order: Kahn's algorithm, ties broken by insertion order.

"Stable" matters to users: the same flow code always lists, draws and
schedules its tasks in the same order, whatever the hashes of the tasks.
"""
from __future__ import annotations

import heapq
from typing import Any, Callable, Iterable


def topological_order(order: list, upstream_of: Callable[[Any], Iterable], downstream_of: Callable[[Any], Iterable],
                      ) -> tuple[list, list]:
    """``(sorted, stuck)``: ``order`` sorted so upstreams come first; ``stuck`` is non-empty on a cycle."""
    position = {node: i for i, node in enumerate(order)}
    waiting = {node: sum(1 for up in upstream_of(node) if up in position) for node in order}
    ready = [position[node] for node in order if waiting[node] == 0]
    heapq.heapify(ready)
    result: list = []
    while ready:
        node = order[heapq.heappop(ready)]
        result.append(node)
        for down in downstream_of(node):
            if down in waiting:
                waiting[down] -= 1
                if waiting[down] == 0:
                    heapq.heappush(ready, position[down])
    stuck = [node for node in order if waiting[node] > 0] if len(result) != len(order) else []
    return result, stuck


def reachable_from(roots: Iterable, downstream_of: Callable[[Any], Iterable]) -> set:
    """Every node reachable from ``roots`` (the roots included)."""
    seen: set = set()
    frontier = list(roots)
    while frontier:
        node = frontier.pop()
        if node not in seen:
            seen.add(node)
            frontier.extend(downstream_of(node))
    return seen


def find_cycle(stuck: list, upstream_of: Callable[[Any], Iterable]) -> list:
    """One cycle among ``stuck`` nodes, as ``[a, b, ..., a]`` in edge direction (like graphlib).

    Every node Kahn's algorithm could not emit waits on at least one other such
    node, so walking from any of them to a stuck upstream must revisit a node:
    the walk from that node's first visit is a cycle. Tasks merely downstream of
    the cycle are never part of the answer.
    """
    stuck_set = set(stuck)
    path: list = []
    seen_at: dict = {}
    node = stuck[0]
    while node not in seen_at:
        seen_at[node] = len(path)
        path.append(node)
        node = next(up for up in upstream_of(node) if up in stuck_set)
    cycle = path[seen_at[node]:]  # each entry waits on the next one
    cycle.reverse()
    position = {n: i for i, n in enumerate(stuck)}
    first = min(range(len(cycle)), key=lambda i: position[cycle[i]])  # start where the user's flow does
    cycle = cycle[first:] + cycle[:first]
    return [*cycle, cycle[0]]
