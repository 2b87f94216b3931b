"""``wfload sim``: run the simulator in the foreground until SIGINT/SIGTERM.

When it is listening it prints exactly one line to stdout,
``wfload-sim listening on http://HOST:PORT``, which is what
:class:`~loadtests.simulator.process.SimulatorProcess` waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from loadtests.simulator.config import SimConfig, load_config
from loadtests.simulator.server import SimulatorServer, listening_line, tune_gc
from loadtests.simulator.validation import ConfigError

# Exit status 2: a usage or configuration error (argparse's too), or an
# address it cannot listen on: the input is what has to change.
EXIT_CONFIG = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wfload sim",
        description="Run the embedded Workflows API simulator (see docs/simulator.md).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default 8080)")
    p.add_argument("--config", metavar="FILE", help="TOML configuration read on top of the defaults")
    p.add_argument("--seed", type=int, help="makes run outcomes and durations reproducible")
    p.add_argument("--workers", type=int, help="size of the worker pool (default 8)")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"wfload sim: --port {args.port} is not a port number; use 0 to 65535 (0 picks a free one)",
              file=sys.stderr)
        return EXIT_CONFIG
    try:
        config = load_config(args.config).with_overrides(seed=args.seed, workers=args.workers)
    except ConfigError as exc:
        print(f"wfload sim: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return asyncio.run(serve(config, args.host, args.port))
    except OSError as exc:
        print(
            f"wfload sim: cannot listen on {args.host}:{args.port} ({exc.strerror or exc});"
            " use another --port",
            file=sys.stderr,
        )
        return EXIT_CONFIG


async def serve(config: SimConfig, host: str, port: int) -> int:
    server = SimulatorServer(config)
    url = await server.start(host, port)
    tune_gc()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(listening_line(url), flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0
