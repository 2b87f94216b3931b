"""The ``[[workflows]]`` tables of a configuration, read into :class:`Workflow`
graphs and checked: unique IDs, edges between known nodes, no cycles (a run
must always end)."""

from __future__ import annotations

import itertools

from loadtests import contract
from loadtests.simulator.components import COMPONENTS, CONDITION
from loadtests.simulator.distributions import Constant, parse_duration
from loadtests.simulator.validation import ConfigError, Table
from loadtests.simulator.workflows import EDGE_LABELS, WHEN_ERROR, Edge, Node, Workflow

_WORKFLOW_KEYS = frozenset(
    {"id", "name", "description", "schedule_type", "is_active", "webhook_url", "nodes", "edges"}
)
_NODE_KEYS = frozenset(
    {
        "id",
        "component",
        "label",
        "duration",
        "duration_s",
        "fail_ratio",
        "error_message",
        "continue_on_error",
        "true_ratio",
    }
)
_EDGE_KEYS = frozenset({"from", "to", "when"})
_SCHEDULE_TYPES = ("manual", "scheduled", "webhook", "api")

# A node without a duration setting takes this long: quick, but not zero, so
# logs stay strictly ordered in time.
DEFAULT_NODE_DURATION = Constant(0.001)


def parse_workflows(tables: list[Table], created_at: float) -> tuple[Workflow, ...]:
    workflows: list[Workflow] = []
    seen: set[str] = set()
    for table in tables:
        workflow = parse_workflow(table, created_at)
        if workflow.id in seen:
            raise table.error("id", f"duplicate workflow id {workflow.id!r}; each workflow needs its own")
        seen.add(workflow.id)
        workflows.append(workflow)
    return tuple(workflows)


def parse_workflow(table: Table, created_at: float) -> Workflow:
    table.check_known(_WORKFLOW_KEYS)
    workflow_id = table.string("id")
    if not workflow_id.startswith(contract.WORKFLOW_PREFIX) or "/" in workflow_id:
        raise table.error(
            "id", f"{workflow_id!r} must start with {contract.WORKFLOW_PREFIX!r} and contain no '/'"
        )
    nodes = tuple(_parse_node(node) for node in table.tables("nodes"))
    if not nodes:
        raise table.error("nodes", "a workflow needs at least one node (its trigger first)")
    _check_unique_nodes(table, nodes)
    edges = _parse_edges(table, nodes)
    _check_acyclic(table, nodes, edges)
    return Workflow(
        id=workflow_id,
        name=table.string("name", workflow_id),
        description=table.string("description", ""),
        nodes=nodes,
        edges=edges,
        schedule_type=table.string("schedule_type", "manual", choices=_SCHEDULE_TYPES),
        is_active=table.boolean("is_active", True),
        webhook_url=table.optional_string("webhook_url"),
        created_at=created_at,
    )


def _parse_node(table: Table) -> Node:
    table.check_known(_NODE_KEYS)
    node_id = table.string("id")
    component_id = table.string("component")
    component = COMPONENTS.get(component_id)
    if component is None:
        raise table.error(
            "component", f"unknown component {component_id!r}; use one of {', '.join(COMPONENTS)}"
        )
    if table.has("true_ratio") and component.kind != CONDITION:
        raise table.error("true_ratio", "only condition nodes have a true_ratio")
    return Node(
        id=node_id,
        component=component,
        label=table.string("label", component_id.replace("_", " ").capitalize()),
        duration=parse_duration(table, DEFAULT_NODE_DURATION),
        fail_ratio=table.ratio("fail_ratio"),
        error_message=table.string("error_message", component.error_message),
        continue_on_error=table.boolean("continue_on_error", False),
        true_ratio=table.ratio("true_ratio", 0.5),
    )


def _check_unique_nodes(table: Table, nodes: tuple[Node, ...]) -> None:
    seen: set[str] = set()
    for index, node in enumerate(nodes):
        if node.id in seen:
            raise ConfigError(f"{table.key_path('nodes')}[{index}].id: duplicate node id {node.id!r}")
        seen.add(node.id)


def _parse_edges(table: Table, nodes: tuple[Node, ...]) -> tuple[Edge, ...]:
    if not table.has("edges"):
        # No edges given: the nodes run one after the other, in order.
        return tuple(Edge(a.id, b.id) for a, b in itertools.pairwise(nodes))
    known = {node.id: node for node in nodes}
    edges = []
    for edge_table in table.tables("edges"):
        edge_table.check_known(_EDGE_KEYS)
        source = edge_table.string("from")
        target = edge_table.string("to")
        for key, node_id in (("from", source), ("to", target)):
            if node_id not in known:
                raise edge_table.error(key, f"no node {node_id!r} in this workflow")
        when = edge_table.optional_string("when")
        if when is not None and when not in EDGE_LABELS:
            raise edge_table.error(
                "when", f"{when!r} is not one of {', '.join(EDGE_LABELS)} (omit for an ordinary edge)"
            )
        if when in ("true", "false") and known[source].component.kind != CONDITION:
            raise edge_table.error("when", f"only a condition node has {when!r} edges; {source!r} is not one")
        if when == WHEN_ERROR and not known[source].continue_on_error:
            raise edge_table.error("when", f"an error edge needs continue_on_error = true on node {source!r}")
        edges.append(Edge(source, target, when))
    return tuple(edges)


def _check_acyclic(table: Table, nodes: tuple[Node, ...], edges: tuple[Edge, ...]) -> None:
    following: dict[str, list[str]] = {node.id: [] for node in nodes}
    for edge in edges:
        following[edge.source].append(edge.target)
    done: set[str] = set()
    for node in nodes:
        _visit(table, node.id, following, done, ())


def _visit(
    table: Table,
    node_id: str,
    following: dict[str, list[str]],
    done: set[str],
    trail: tuple[str, ...],
) -> None:
    if node_id in trail:
        cycle = " -> ".join((*trail[trail.index(node_id) :], node_id))
        raise table.error("edges", f"the edges form a cycle ({cycle}); a run must always reach an end")
    if node_id in done:
        return
    for target in following[node_id]:
        _visit(table, target, following, done, (*trail, node_id))
    done.add(node_id)
