"""The components a simulated node can be: what kind of node each is, what a
successful step logs as output, and how its failure reads.

The messages follow the vendor's style (``Webhook request failed: 503 Service
Unavailable``) so reports built on the simulator look like the real thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Node kinds decide how the graph walk leaves a node.
TRIGGER = "trigger"
ACTION = "action"
CONDITION = "condition"
DELAY = "delay"
UI_INTERACTION = "ui_interaction"


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    kind: str
    node_type: str  # the node's ``type`` in workflow objects
    output: Any
    error_message: str


def _trigger(component_id: str) -> Component:
    return Component(component_id, TRIGGER, "trigger", {"triggered": True}, "Trigger failed: invalid payload")


def _action(component_id: str, output: Any, error_message: str) -> Component:
    return Component(component_id, ACTION, "action", output, error_message)


COMPONENTS: dict[str, Component] = {
    c.id: c
    for c in (
        _trigger("manual_trigger"),
        _trigger("webhook_trigger"),
        _trigger("scheduled_trigger"),
        _trigger("api_trigger"),
        _trigger("subflow_trigger"),
        _action(
            "webhook",
            {"status": 200, "body": {"message": "ok"}},
            "Webhook request failed: 503 Service Unavailable",
        ),
        _action("altostrat_api", {"status": 200}, "Altostrat API request failed: 502 Bad Gateway"),
        _action("data_mapper", {"mapped": True}, "Data mapping failed: source path not found"),
        _action("json_parser", {"parsed": True}, "JSON parsing failed: Syntax error"),
        _action("text_transform", {"text": "ok"}, "Text transform failed: invalid template"),
        _action("date_transform", {"date": "ok"}, "Date transform failed: invalid date format"),
        _action("iterator", {"items": 0}, "Iterator failed: input is not a list"),
        _action("notification", {"delivered": True}, "Notification delivery failed: provider timeout"),
        _action("smtp", {"accepted": True}, "SMTP error: 421 Service not available"),
        _action("ssh", {"exit_code": 0}, "SSH connection failed: Connection timed out"),
        _action("mikrotik_api", {"done": True}, "MikroTik API request failed: connection refused"),
        Component("delay", DELAY, "action", None, "Delay failed"),
        Component(
            "condition", CONDITION, "condition", None, "Condition evaluation failed: undefined variable"
        ),
        Component(
            "ui_interaction",
            UI_INTERACTION,
            "action",
            {"message": "Waiting for user interaction"},
            "UI interaction step failed",
        ),
    )
}
