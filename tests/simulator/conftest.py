"""Fixtures for the simulator tests: simulators on free loopback ports, run
in a thread of the test process (fast) unless a test needs a subprocess."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from loadtests.simulator import SimConfig, SimulatorThread, start_in_thread
from tests.simulator.sim_helpers import client, config


@pytest.fixture
def start_sim() -> Iterator[Callable[..., SimulatorThread]]:
    handles: list[SimulatorThread] = []

    def start(cfg: SimConfig | None = None, **kwargs: Any) -> SimulatorThread:
        handle = start_in_thread(cfg, **kwargs)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def sim(start_sim: Callable[..., SimulatorThread]) -> SimulatorThread:
    """The default catalogue, sped up 20 times so runs end within ~0.15 s."""
    return start_sim(config(time_scale=0.05), seed=1)


@pytest.fixture
def api(sim: SimulatorThread) -> Iterator[httpx.Client]:
    with client(sim.url) as c:
        yield c
