"""The embedded simulator of the Workflows API: a queue in front of a bounded
pool of workers, serving the contract of ``loadtests.contract``.

Start it with ``wfload sim`` (see docs/simulator.md), or from Python::

    from loadtests.simulator import SimulatorProcess, start_in_thread

    with SimulatorProcess(seed=1) as sim:      # a subprocess on a free port
        ...sim.url...
    with start_in_thread(seed=1) as sim:       # an event loop in a thread
        ...sim.url...

This module imports lazily so that ``wfload`` commands that never start a
simulator do not pay for aiohttp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loadtests.simulator.config import SimConfig, load_config, parse_config
    from loadtests.simulator.process import (
        SimulatorProcess,
        SimulatorStartError,
        SimulatorThread,
        start_in_thread,
    )
    from loadtests.simulator.validation import ConfigError

__all__ = [
    "ConfigError",
    "SimConfig",
    "SimulatorProcess",
    "SimulatorStartError",
    "SimulatorThread",
    "load_config",
    "parse_config",
    "start_in_thread",
]

_HOMES = {
    "ConfigError": "loadtests.simulator.validation",
    "SimConfig": "loadtests.simulator.config",
    "load_config": "loadtests.simulator.config",
    "parse_config": "loadtests.simulator.config",
    "SimulatorProcess": "loadtests.simulator.process",
    "SimulatorStartError": "loadtests.simulator.process",
    "SimulatorThread": "loadtests.simulator.process",
    "start_in_thread": "loadtests.simulator.process",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'loadtests.simulator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
