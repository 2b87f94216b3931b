"""Running a :class:`Simulation` behind an HTTP listener on an event loop.

The socket is bound before anything is announced, so ``port=0`` yields a
free port that is already ours: callers read the real URL and never race
another process for it.
"""

from __future__ import annotations

import asyncio
import gc
import socket

from aiohttp import web

from loadtests.simulator.app import SimulatorApp
from loadtests.simulator.config import SimConfig
from loadtests.simulator.simulation import Simulation

# How long stopping waits for requests in flight (a stalled or dribbled
# answer must not hold a shutdown for long).
SHUTDOWN_TIMEOUT_S = 1.0


# Full (generation 2) collections at most a tenth as often as by default.
FULL_GC_EVERY = 100


def tune_gc() -> None:
    """Keep the cycle collector from pausing a long soak.

    The simulator keeps up to ``retention.max_runs`` finished runs, about ten
    objects each, none in a reference cycle (eviction frees them by reference
    counting). A full collection walks them all: 0.2 s at 100,000 runs, a
    pause the harness would measure as server latency. Freezing what exists
    at startup and making full collections rarer keeps those pauses rare;
    young collections still reclaim short-lived cycles. For a simulator that
    owns its process (``wfload sim``), not for one in a thread of another.
    """
    gc.freeze()
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, FULL_GC_EVERY)


def listening_line(url: str) -> str:
    """The one line the simulator prints when it is ready."""
    return f"wfload-sim listening on {url}"


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class SimulatorServer:
    def __init__(self, config: SimConfig) -> None:
        self.simulation = Simulation(config)
        self.url = ""
        self._runner: web.ServerRunner | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` and start the engine; returns the base URL."""
        sock = bind(host, port)
        handler = SimulatorApp(self.simulation).build()
        self._runner = web.ServerRunner(handler, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.simulation.engine.bind(asyncio.get_running_loop())
        self.url = url_of(sock)
        return self.url

    async def stop(self) -> None:
        self.simulation.engine.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
