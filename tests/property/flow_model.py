"""Random flow descriptions and a reference evaluator for them, in plain Python.

A description is a list of nodes in topological order. Every node runs the
same arithmetic rule (``decide``) on a digest of its inputs, so whether it
returns, fails (``ValueError``) or skips (``SKIP``) is a pure function of what
it receives. The evaluator below predicts, without flowctl, every node's final
state class and result from the documented semantics:

* a unit (a plain task, or one mapped child) first skips when an upstream was
  skipped (unless ``skip_on_upstream_skip=False``), then checks its trigger,
  then runs; a mapped upstream reached through a plain edge (a reduce) counts
  as its children, both for the skip check and for the trigger, and its result
  is the list of the children's results;
* a mapped parent, as Prefect 1.4.1: it skips like a unit; with no successful
  mapped input, or a successful plain mapped input that is not a list, it
  fails with no result (its trigger is not consulted); otherwise it has one
  child per element of its shortest mapped input, child ``i`` seeing element
  ``i`` of list inputs, child ``i`` of mapped upstreams (so a failure stays in
  its own pipeline) and a valueless copy of any input that did not succeed.

Nothing here imports flowctl: the same ``decide`` drives the real tasks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

MODULUS = 60
INPUT_KEYS = ("a", "b", "c")
KEY_WEIGHTS = {"a": 1, "b": 3, "c": 7}
TRIGGERS = ("all_successful", "all_finished", "any_failed", "any_successful", "all_failed")
MAX_MAP_LEVEL = 3

# Digests of the exceptions a task can receive as an input (through an
# all_finished/any_failed trigger, or a reduce over failed children).
EXCEPTION_DIGESTS = {"ValueError": 7, "SKIP": 5, "TRIGGERFAIL": 3, "FAIL": 2}


@dataclass(frozen=True)
class Raised:
    """The evaluator's stand-in for an exception held as a state's result."""

    name: str


@dataclass(frozen=True)
class Rule:
    """What a node does with the digest of its inputs."""

    salt: int
    fail_mod: int  # 0: never fails; else fails when value % fail_mod == 0
    skip_mod: int  # 0: never skips; else skips when value % skip_mod == 1
    returns_list: bool


STATE_ONLY = ("after", "mapped_after", "unmapped_after")


@dataclass(frozen=True)
class Input:
    """An edge into a node.

    ``how`` is "plain" (a plain node's data input), "mapped" or "unmapped" (a
    mapped node's data inputs), or a state-only dependency (``upstream_tasks``):
    "after" for a plain node, "mapped_after" or "unmapped_after" for a mapped
    node (``upstream_tasks`` of ``map`` are mapped unless wrapped in ``unmapped``).
    """

    source: int  # index of the upstream node
    how: str

    @property
    def is_mapped(self) -> bool:
        return self.how in ("mapped", "mapped_after")

    @property
    def carries_data(self) -> bool:
        return self.how not in STATE_ONLY


def keyed(inputs: tuple[Input, ...]) -> list[tuple[str | None, Input]]:
    """Each input with the run() argument it feeds (None for a state-only dependency)."""
    keys = iter(INPUT_KEYS)
    return [(next(keys) if inp.carries_data else None, inp) for inp in inputs]


@dataclass(frozen=True)
class Node:
    mapped: bool
    inputs: tuple[Input, ...]
    rule: Rule
    trigger: str
    skip_on_upstream_skip: bool


@dataclass(frozen=True)
class FlowDescription:
    nodes: tuple[Node, ...]

    def terminal_nodes(self) -> list[int]:
        used = {inp.source for node in self.nodes for inp in node.inputs}
        return [i for i in range(len(self.nodes)) if i not in used]


@dataclass
class Outcome:
    """A predicted (or observed, normalised) final state."""

    cls: str  # Success, Failed, TriggerFailed, Skipped or Mapped
    result: Any = None
    children: list[Outcome] | None = field(default=None)

    @property
    def value(self) -> Any:
        """What a downstream task receives from this state."""
        if self.cls == "Mapped":
            return [child.result for child in self.children]
        return self.result

    def is_failed(self) -> bool:
        return self.cls in ("Failed", "TriggerFailed")

    def is_successful(self) -> bool:
        return self.cls in ("Success", "Skipped", "Mapped")


# -- the rule every task runs ------------------------------------------------------------------


def digest(value: Any) -> int:
    """A small number standing for any input a task may receive."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        return (sum(digest(item) for item in value) + 11 * len(value)) % MODULUS
    name = value.name if isinstance(value, Raised) else type(value).__name__
    return EXCEPTION_DIGESTS.get(name, 1)


def decide(rule: Rule, inputs: dict) -> tuple[str, Any]:
    """("fail", value), ("skip", value) or ("return", result) for these inputs."""
    value = (rule.salt + sum(KEY_WEIGHTS[key] * digest(inputs.get(key)) for key in INPUT_KEYS)) % MODULUS
    if rule.fail_mod and value % rule.fail_mod == 0:
        return "fail", value
    if rule.skip_mod and value % rule.skip_mod == 1:
        return "skip", value
    if rule.returns_list:
        return "return", [(value + i) % MODULUS for i in range(value % 5)]
    return "return", value


# -- the reference evaluator ----------------------------------------------------------------


def _trigger_passes(trigger: str, states: list[Outcome]) -> bool:
    if trigger == "all_successful":
        return all(s.is_successful() for s in states)
    if trigger == "all_finished":
        return True
    if trigger == "all_failed":
        return all(s.is_failed() for s in states)
    # (a task with upstreams whose seen states are none, a reduce over a map of nothing, fails
    # both: nothing failed, nothing succeeded; Prefect 1.4.1 says so, checked by hand)
    if trigger == "any_failed":
        return any(s.is_failed() for s in states)
    if trigger == "any_successful":
        return any(s.is_successful() for s in states)
    raise AssertionError(f"unknown trigger {trigger}")


def _seen_states(upstream: list[tuple[str, Outcome, bool]]) -> list[Outcome]:
    """Upstream states as triggers see them: mapped parents count as their children."""
    states = []
    for _key, outcome, _mapped_edge in upstream:
        if outcome.cls == "Mapped":
            states.extend(outcome.children)
        else:
            states.append(outcome)
    return states


def evaluate_unit(node: Node, upstream: list[tuple[str, Outcome, bool]]) -> Outcome:
    """One plain task or one mapped child; ``upstream`` is (key, state, edge is mapped)."""
    if upstream:
        if node.skip_on_upstream_skip:
            for _key, outcome, mapped_edge in upstream:
                if outcome.cls == "Skipped" or (
                    outcome.cls == "Mapped" and not mapped_edge
                    and any(child.cls == "Skipped" for child in outcome.children)
                ):
                    return Outcome("Skipped", None)
        if not _trigger_passes(node.trigger, _seen_states(upstream)):
            return Outcome("TriggerFailed", Raised("TRIGGERFAIL"))
    inputs = {key: outcome.value for key, outcome, _mapped_edge in upstream if key is not None}
    verdict, result = decide(node.rule, inputs)
    if verdict == "fail":
        return Outcome("Failed", Raised("ValueError"))
    if verdict == "skip":
        return Outcome("Skipped", Raised("SKIP"))
    return Outcome("Success", result)


def evaluate_mapped(node: Node, upstream: list[tuple[str, Outcome, bool]]) -> Outcome:
    """A mapped parent, as Prefect 1.4.1 decides it: its own fate, or ``Mapped`` with its children.

    It skips like a unit (a mapped upstream reached through a mapped edge counts
    as itself, not its children), then needs a successful mapped input and a
    list from every successful plain one; an input that did not succeed gives
    each child a copy of its state holding no value, or, when that state holds
    no result at all (a map that failed), leaves the parent no children.
    """
    seen = []
    for _key, outcome, mapped in upstream:
        seen.extend(outcome.children if outcome.cls == "Mapped" and not mapped else [outcome])
    if node.skip_on_upstream_skip and any(o.cls == "Skipped" for o in seen):
        return Outcome("Skipped", None)
    mapped_inputs = [o for _k, o, mapped in upstream if mapped]
    if not any(o.is_successful() for o in mapped_inputs):
        return Outcome("Failed", None)  # "No upstream states can be mapped over."
    lengths = []
    for outcome in mapped_inputs:
        if outcome.cls == "Mapped":
            lengths.append(len(outcome.children))
        elif outcome.is_successful():
            if not isinstance(outcome.result, list):
                return Outcome("Failed", None)  # "At least one upstream state has an unmappable result."
            lengths.append(len(outcome.result))
    if any(mapped and not o.is_successful() and o.result is None for _k, o, mapped in upstream):
        return Outcome("Mapped", [], [])  # a mapped input holding no result at all (a failed map): no children
    children = []
    for index in range(min(lengths)):
        child_upstream = []
        for key, outcome, mapped in upstream:
            if mapped and outcome.cls == "Mapped":
                outcome = outcome.children[index]
            elif mapped and outcome.is_successful():
                outcome = Outcome("Success", outcome.result[index])
            elif mapped:
                outcome = Outcome(outcome.cls, None)
            child_upstream.append((key, outcome, mapped))
        children.append(evaluate_unit(node, child_upstream))
    return Outcome("Mapped", [child.result for child in children], children)


def evaluate(description: FlowDescription) -> list[Outcome]:
    """The predicted final state of every node, in node order."""
    outcomes: list[Outcome] = []
    for node in description.nodes:
        upstream = [(key, outcomes[inp.source], inp.is_mapped) for key, inp in keyed(node.inputs)]
        outcomes.append(evaluate_mapped(node, upstream) if node.mapped else evaluate_unit(node, upstream))
    return outcomes


def expected_flow_class(description: FlowDescription, outcomes: list[Outcome]) -> str:
    """Success iff every terminal task (mapped children expanded) succeeded."""
    expanded = []
    for index in description.terminal_nodes():
        outcome = outcomes[index]
        expanded.extend(outcome.children if outcome.cls == "Mapped" else [outcome])
    return "Failed" if any(s.is_failed() for s in expanded) else "Success"


# -- the strategy ------------------------------------------------------------------------------

rules = st.builds(
    Rule,
    salt=st.integers(0, MODULUS - 1),
    fail_mod=st.sampled_from([0, 0, 0, 2, 3, 5, 7]),
    skip_mod=st.sampled_from([0, 0, 0, 0, 3, 5, 7]),
    returns_list=st.booleans(),
)


@st.composite
def flow_descriptions(draw: Any, max_nodes: int = 8) -> FlowDescription:
    """Chains, fan-in/out, mapped pipelines up to three levels, reduces and unmapped inputs."""
    count = draw(st.integers(1, max_nodes))
    nodes: list[Node] = []
    levels: list[int] = []  # 0 for a plain node, else how deep in a mapped pipeline
    for index in range(count):
        rule = draw(rules)
        trigger = draw(st.sampled_from(TRIGGERS + ("all_successful",) * 2))
        skip_on_upstream_skip = draw(st.sampled_from([True, True, False]))
        mappable = [i for i in range(index)
                    if (nodes[i].mapped and levels[i] < MAX_MAP_LEVEL)
                    or (not nodes[i].mapped and nodes[i].rule.returns_list)]
        if mappable and draw(st.integers(0, 2)) > 0:
            mapped_sources = draw(st.lists(st.sampled_from(mappable), min_size=1, max_size=2))
            inputs = [Input(source, "mapped") for source in mapped_sources]
            if draw(st.booleans()):
                inputs.append(Input(draw(st.integers(0, index - 1)), "unmapped"))
            if draw(st.integers(0, 3)) == 0:
                inputs.append(Input(draw(st.sampled_from(mappable)), "mapped_after"))
            elif draw(st.integers(0, 3)) == 0:
                inputs.append(Input(draw(st.integers(0, index - 1)), "unmapped_after"))
            inputs = draw(st.permutations(inputs))
            level = 1 + max((levels[inp.source] for inp in inputs if inp.is_mapped), default=0)
            nodes.append(Node(True, tuple(inputs), rule, trigger, skip_on_upstream_skip))
            levels.append(level)
        else:
            sources = draw(st.lists(st.integers(0, index - 1), max_size=3)) if index else []
            mapped_nodes = [i for i in range(index) if nodes[i].mapped]
            if mapped_nodes and len(sources) < 3 and draw(st.booleans()):
                sources.append(draw(st.sampled_from(mapped_nodes)))  # a reduce
            inputs = [Input(source, "plain") for source in sources]
            if index and draw(st.integers(0, 3)) == 0:
                inputs.append(Input(draw(st.integers(0, index - 1)), "after"))
            inputs = tuple(draw(st.permutations(inputs)))
            nodes.append(Node(False, inputs, rule, trigger, skip_on_upstream_skip))
            levels.append(0)
    return FlowDescription(tuple(nodes))
