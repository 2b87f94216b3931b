"""The simulator's configuration: a TOML file read into a :class:`SimConfig`.

The shipped ``default.toml`` holds the default catalogue and settings. A
user's file is read on top of it: every setting it leaves out keeps the
default, and if it has ``[[workflows]]`` they replace the default catalogue.
The format is documented in ``docs/simulator.md``.

Any problem raises :class:`ConfigError` with one line naming the file and the
key, e.g. ``sim.toml: workflows[0].nodes[1].duration.p99_s: must be above
median_s (0.5) for a lognormal``.
"""

from __future__ import annotations

import dataclasses
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.simulator.catalogue import parse_workflows
from loadtests.simulator.faults import FaultSettings, parse_faults
from loadtests.simulator.ratelimit import RateLimit, parse_rate_limit
from loadtests.simulator.store import Retention, parse_retention
from loadtests.simulator.validation import ConfigError, Table
from loadtests.simulator.workflows import Workflow

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default.toml")

_TOP_KEYS = frozenset(
    {
        "seed",
        "workers",
        "time_scale",
        "per_page",
        "max_body_bytes",
        "auth",
        "rate_limit",
        "retention",
        "faults",
        "workflows",
    }
)

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class SimConfig:
    workflows: tuple[Workflow, ...]
    workers: int = 8
    time_scale: float = 1.0
    seed: int | None = None  # None: a random seed, reported by /__sim/config
    per_page: int = 15
    max_body_bytes: int = 65_536
    tokens: tuple[str, ...] = ()  # accepted bearer tokens; empty accepts any non-empty token
    rate_limit: RateLimit = field(default_factory=RateLimit)
    retention: Retention = field(default_factory=Retention)
    faults: FaultSettings = field(default_factory=FaultSettings)
    source: str = "<default>"

    def with_overrides(self, *, seed: int | None = None, workers: int | None = None) -> SimConfig:
        """Command-line settings win over the file's."""
        changes: dict[str, Any] = {}
        if seed is not None:
            changes["seed"] = _checked_seed(seed)
        if workers is not None:
            if workers < 1:
                raise ConfigError(f"--workers: must be at least 1, got {workers}")
            changes["workers"] = workers
        return dataclasses.replace(self, **changes)


def default_config() -> SimConfig:
    return load_config(None)


def load_config(path: str | Path | None = None) -> SimConfig:
    """The default configuration, with the file at ``path`` (if any) read on top."""
    base = _parse(_read(DEFAULT_CONFIG_PATH), None, "<default>")
    if path is None:
        return base
    return _parse(_read(Path(path)), base, str(path))


def parse_config(data: dict[str, Any], base: SimConfig | None = None, source: str = "<dict>") -> SimConfig:
    """A configuration from already-decoded TOML, e.g. built by a test."""
    return _parse(data, base or default_config(), source)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the file ({exc.strerror or exc}); check the path given to --config"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}); save the file as UTF-8") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from exc


def _parse(data: dict[str, Any], base: SimConfig | None, source: str) -> SimConfig:
    try:
        return _parse_table(Table(data), base, source)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _parse_table(top: Table, base: SimConfig | None, source: str) -> SimConfig:
    top.check_known(_TOP_KEYS)
    if base is None:
        base = SimConfig(workflows=())
    auth = top.table("auth")
    auth.check_known(frozenset({"tokens"}))
    workflows = (
        parse_workflows(top.tables("workflows"), time.time()) if top.has("workflows") else base.workflows
    )
    if not workflows:
        raise top.error("workflows", "no workflows defined; add at least one [[workflows]] table")
    seed = top.optional_integer("seed") if top.has("seed") else base.seed
    return SimConfig(
        workflows=workflows,
        workers=top.integer("workers", base.workers, minimum=1, maximum=100_000),
        time_scale=top.number("time_scale", base.time_scale, minimum=0.0),
        seed=_checked_seed(seed) if seed is not None else None,
        per_page=top.integer("per_page", base.per_page, minimum=1, maximum=1000),
        max_body_bytes=top.integer("max_body_bytes", base.max_body_bytes, minimum=64),
        tokens=auth.strings("tokens") if auth.has("tokens") else base.tokens,
        rate_limit=parse_rate_limit(top.table("rate_limit"), base.rate_limit),
        retention=parse_retention(top.table("retention"), base.retention),
        faults=parse_faults(top.table("faults"), base.faults),
        source=source,
    )


def _checked_seed(seed: int) -> int:
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed: must be a whole number from 0 to {MAX_SEED}, got {seed}")
    return seed


def fixed_service_toml(workflow_id: str, seconds: float, workers: int, component: str = "delay") -> str:
    """The configuration of a service of known capacity: one workflow, one
    node lasting exactly ``seconds``, ``workers`` workers, so it sustains
    ``workers / seconds`` runs per second. For capacity tests and benchmarks."""
    return f"""workers = {workers}

[[workflows]]
id = "{workflow_id}"
name = "Fixed service time of {seconds:g} s"
  [[workflows.nodes]]
  id = "n1"
  component = "{component}"
  duration_s = {seconds}
"""
