"""Simulated workflows: a graph of nodes, and the walk that decides what one
run does.

A run's walk is planned when a worker takes it: every node's duration and
outcome is drawn from the run's own random generator, so the plan depends on
the seed and the run's sequence number only, never on what else is running.
The engine then lets the plan play out in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random
from typing import Any

from loadtests import contract
from loadtests.simulator.components import CONDITION, DELAY, UI_INTERACTION, Component
from loadtests.simulator.distributions import Distribution

# The published execution limits (workflows-api.md, "How execution behaves").
NODE_TIMEOUT_S = 300.0
RUN_TIMEOUT_S = 3600.0
MAX_DELAY_S = 900.0

# Edge labels: which way a walk leaves a node. ``None`` is the ordinary edge.
WHEN_TRUE = "true"
WHEN_FALSE = "false"
WHEN_ERROR = "error"
EDGE_LABELS = (WHEN_TRUE, WHEN_FALSE, WHEN_ERROR)


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    component: Component
    label: str
    duration: Distribution
    fail_ratio: float = 0.0
    error_message: str = ""
    continue_on_error: bool = False
    true_ratio: float = 0.5  # conditions only: how often the condition holds

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.component.node_type,
            "data": {
                "componentId": self.component.id,
                "label": self.label,
                "continue_on_error": self.continue_on_error,
            },
        }


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    when: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": f"e_{self.source}_{self.target}",
            "source": self.source,
            "target": self.target,
            "sourceHandle": self.when,
        }


@dataclass
class Workflow:
    id: str
    name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    description: str = ""
    schedule_type: str = "manual"
    is_active: bool = True
    webhook_url: str | None = None
    created_at: float = 0.0
    nodes_by_id: dict[str, Node] = field(init=False, repr=False)
    # node id -> {edge label or None: target node id}
    successors: dict[str, dict[str | None, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.nodes_by_id = {node.id: node for node in self.nodes}
        self.successors = {node.id: {} for node in self.nodes}
        for edge in self.edges:
            self.successors[edge.source].setdefault(edge.when, edge.target)

    @property
    def start(self) -> Node:
        return self.nodes[0]

    def to_json(self) -> dict[str, Any]:
        stamp = contract.format_timestamp(self.created_at)
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "nodes": [node.to_json() for node in self.nodes],
            "edges": [edge.to_json() for edge in self.edges],
            "schedule_type": self.schedule_type,
            "is_active": self.is_active,
            "webhook_url": self.webhook_url,
            "created_at": stamp,
            "updated_at": stamp,
        }

    def mean_service_s(self) -> float:
        """Mean run duration along the ordinary path (ignores branches and
        failures): what a capacity estimate W / S needs for linear workflows."""
        total, node = 0.0, self.start
        seen: set[str] = set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            total += node.duration.mean
            following = self.successors[node.id]
            target = following.get(None) or following.get(WHEN_TRUE)
            node = self.nodes_by_id.get(target) if target else None
        return total


@dataclass(slots=True)
class Step:
    """One executed node: what its log entry will say, and when it ends,
    in seconds after the run started."""

    node_id: str
    component_id: str
    status: str
    output: Any
    end_s: float


@dataclass(slots=True)
class Plan:
    steps: list[Step]
    status: str
    error_message: str | None
    total_s: float


def plan_run(workflow: Workflow, rng: Random, time_scale: float, start_node: str | None = None) -> Plan:
    """Walk the graph from ``start_node`` (default: the first node), drawing
    each node's duration and outcome."""
    node: Node | None = workflow.nodes_by_id[start_node] if start_node else workflow.start
    steps: list[Step] = []
    elapsed = 0.0
    while node is not None:
        component = node.component
        kind = component.kind
        duration = node.duration.sample(rng) * time_scale
        timed_out = False
        if kind == DELAY:
            duration = min(duration, MAX_DELAY_S)
        elif duration > NODE_TIMEOUT_S:
            duration, timed_out = NODE_TIMEOUT_S, True
        over_budget = elapsed + duration > RUN_TIMEOUT_S
        if over_budget:
            duration = RUN_TIMEOUT_S - elapsed
        elapsed += duration
        if timed_out or over_budget or (node.fail_ratio and rng.random() < node.fail_ratio):
            message = _failure_message(node, timed_out, over_budget)
            if node.continue_on_error and not over_budget:
                steps.append(Step(node.id, component.id, "warning", {"error": message}, elapsed))
                node = _follow(workflow, node, WHEN_ERROR)
                continue
            steps.append(Step(node.id, component.id, "error", {"error": message}, elapsed))
            return Plan(steps, contract.FAILED, message, elapsed)
        if kind == CONDITION:
            holds = rng.random() < node.true_ratio
            steps.append(Step(node.id, component.id, "success", {"result": holds}, elapsed))
            node = _follow(workflow, node, WHEN_TRUE if holds else WHEN_FALSE)
            continue
        output = {"waited_seconds": round(duration, 6)} if kind == DELAY else component.output
        steps.append(Step(node.id, component.id, "success", output, elapsed))
        if kind == UI_INTERACTION:
            return Plan(steps, contract.AWAITING_UI, None, elapsed)
        node = _follow(workflow, node, None)
    return Plan(steps, contract.COMPLETED, None, elapsed)


def _failure_message(node: Node, timed_out: bool, over_budget: bool) -> str:
    if over_budget:
        return f"Workflow run exceeded the maximum duration of {RUN_TIMEOUT_S:g} seconds"
    if timed_out:
        return f"Node {node.id} timed out after {NODE_TIMEOUT_S:g} seconds"
    return node.error_message or node.component.error_message


def _follow(workflow: Workflow, node: Node, label: str | None) -> Node | None:
    """The next node: the edge with ``label`` if there is one, else the ordinary edge."""
    following = workflow.successors[node.id]
    target = following.get(label) or following.get(None)
    return workflow.nodes_by_id[target] if target is not None else None
