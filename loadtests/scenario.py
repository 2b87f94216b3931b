"""Scenario files: which workflows a test triggers, how often, with what context.

```toml
seed = 42                      # optional: makes contexts reproducible

[[workflows]]
id = "fl_quick_notify"
weight = 4                     # relative; default 1
[workflows.context]            # a context template (see loadtests.contexts)
user_id = { gen = "sequence", format = "usr_{:06d}" }
channel = { gen = "choice", values = ["email", "sms"] }
```

A scenario is validated completely before any load is sent; the first
problem is reported as one line naming the file, the line and the field.
"""

from __future__ import annotations

import bisect
import itertools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from loadtests.contexts import ContextTemplate, TemplateError

DEFAULT_SCENARIO = Path(__file__).parent / "scenarios" / "default.toml"

# The context of a workflow named only on the command line (--workflow ID).
SHORTCUT_CONTEXT: dict[str, Any] = {
    "source": "wfload",
    "seq": {"gen": "sequence"},
    "request_id": {"gen": "uuid"},
}

_TOP_KEYS = {"seed", "workflows"}
_WORKFLOW_KEYS = {"id", "weight", "context"}


class ScenarioError(ValueError):
    """A scenario that cannot be used. Its message is one line: where, what,
    and what to do."""


@dataclass
class Workflow:
    id: str
    weight: float
    context: ContextTemplate
    # The template as written, so that a shortcut can reuse it.
    raw_context: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Scenario:
    workflows: list[Workflow]
    seed: int | None = None
    source: str = "<built-in>"

    def __post_init__(self) -> None:
        self._cumulative = list(itertools.accumulate(w.weight for w in self.workflows))

    def pick(self, rng: Random) -> Workflow:
        """A workflow drawn by weight (on every run's path: bisect, not choices())."""
        if len(self.workflows) == 1:
            return self.workflows[0]
        return self.workflows[bisect.bisect(self._cumulative, rng.random() * self._cumulative[-1])]

    @property
    def workflow_ids(self) -> list[str]:
        return [w.id for w in self.workflows]

    def describe(self) -> dict[str, Any]:
        """What meta.json records of the scenario."""
        return {
            "source": self.source,
            "seed": self.seed,
            "workflows": {w.id: w.weight for w in self.workflows},
        }


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read and validate a scenario file (the default scenario when None)."""
    file = Path(path) if path else DEFAULT_SCENARIO
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{file}: cannot read the scenario file ({exc.strerror}); check the path") from None
    return parse_scenario(text, source=str(file), base_dir=file.parent)


def parse_scenario(text: str, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    locate = _Locator(text, source)
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ScenarioError(locate(unknown[0], f"unknown key {unknown[0]!r}; a scenario has 'seed' and [[workflows]]"))
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ScenarioError(locate("seed", "'seed' must be a whole number"))
    entries = data.get("workflows")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(f"{source}: no [[workflows]]; add at least one with an 'id'")
    base = base_dir or Path.cwd()
    workflows = [_workflow(entry, i, base, locate) for i, entry in enumerate(entries)]
    return Scenario(workflows, seed=seed, source=source)


def with_shortcuts(shortcuts: list[str], base: Scenario) -> Scenario:
    """The scenario that ``--workflow ID[:WEIGHT]`` options ask for.

    A workflow the base scenario knows keeps its context template; another
    gets a small generated context.
    """
    known = {w.id: w for w in base.workflows}
    workflows = []
    for item in _split_shortcuts(shortcuts):
        workflow_id, weight = _parse_shortcut(item)
        template = known[workflow_id].raw_context if workflow_id in known else SHORTCUT_CONTEXT
        path = f"--workflow {workflow_id}"
        try:
            context = ContextTemplate(template, Path.cwd(), path)
        except TemplateError as exc:  # pragma: no cover - the base was validated already
            raise ScenarioError(str(exc)) from None
        workflows.append(Workflow(workflow_id, weight, context, template))
    return Scenario(workflows, seed=base.seed, source=f"{base.source} + --workflow")


# --------------------------------------------------------------------------


def _workflow(entry: Any, index: int, base_dir: Path, locate: _Locator) -> Workflow:
    where = f"workflows[{index}]"
    if not isinstance(entry, dict):
        raise ScenarioError(locate.block(index, f"{where}: must be a table"))
    unknown = sorted(set(entry) - _WORKFLOW_KEYS)
    if unknown:
        raise ScenarioError(
            locate.field(index, unknown[0], f"{where}: unknown key {unknown[0]!r}; use id, weight, context")
        )
    workflow_id = entry.get("id")
    if not isinstance(workflow_id, str) or not workflow_id.strip():
        raise ScenarioError(locate.block(index, f"{where}.id: each workflow needs an 'id' such as \"fl_…\""))
    if "/" in workflow_id or any(ch.isspace() for ch in workflow_id):
        raise ScenarioError(locate.field(index, "id", f"{where}.id: {workflow_id!r} cannot be part of a URL path"))
    weight = entry.get("weight", 1)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        raise ScenarioError(locate.field(index, "weight", f"{where}.weight: must be a number greater than 0"))
    raw_context = entry.get("context", {})
    try:
        context = ContextTemplate(raw_context, base_dir, f"{where}.context")
    except TemplateError as exc:
        key = exc.path.split(".")[-1].split("[")[0]
        raise ScenarioError(locate.field(index, key, str(exc))) from None
    return Workflow(workflow_id, float(weight), context, raw_context)


def _split_shortcuts(shortcuts: list[str]) -> list[str]:
    # The web UI form gives one comma-separated field; the command line may repeat the option.
    return [part.strip() for item in shortcuts for part in item.split(",") if part.strip()]


def _parse_shortcut(item: str) -> tuple[str, float]:
    workflow_id, _, weight_text = item.partition(":")
    if not workflow_id:
        raise ScenarioError(f"--workflow {item!r}: give a workflow id, optionally with :WEIGHT (fl_abc:3)")
    if not weight_text:
        return workflow_id, 1.0
    try:
        weight = float(weight_text)
    except ValueError:
        weight = -1.0
    if weight <= 0:
        raise ScenarioError(f"--workflow {item!r}: the weight after ':' must be a number greater than 0")
    return workflow_id, weight


class _Locator:
    """Finds the line a problem is on, so the error can name it. TOML
    parsers keep no positions, so this scans the text: good enough to point a
    person at the right place."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.blocks = [i for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*workflows\s*\]\]", line)]

    def __call__(self, key: str, message: str) -> str:
        return self._format(self._find_key(key, 0, len(self.lines)), message)

    def block(self, index: int, message: str) -> str:
        line = self.blocks[index] if index < len(self.blocks) else None
        return self._format(line, message)

    def field(self, index: int, key: str, message: str) -> str:
        if index >= len(self.blocks):
            return self._format(None, message)
        start = self.blocks[index]
        end = self.blocks[index + 1] if index + 1 < len(self.blocks) else len(self.lines)
        line = self._find_key(key, start, end)
        return self._format(start if line is None else line, message)

    def _find_key(self, key: str, start: int, end: int) -> int | None:
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        return next((i for i in range(start, end) if pattern.match(self.lines[i])), None)

    def _format(self, line: int | None, message: str) -> str:
        return f"{self.source}:{line + 1}: {message}" if line is not None else f"{self.source}: {message}"
