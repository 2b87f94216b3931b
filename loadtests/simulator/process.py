"""Starting and stopping a simulator from Python: as a subprocess (what
``wfload run`` and end-to-end tests use) or on an event loop in a thread of
this process (fast unit tests).

Both listen on a free loopback port by default and hand back the base URL
once the simulator really answers.
"""

from __future__ import annotations

import asyncio
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

from loadtests.simulator.config import SimConfig, load_config
from loadtests.simulator.server import SimulatorServer, listening_line

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_READY_PREFIX = listening_line("")


class SimulatorStartError(RuntimeError):
    """The simulator did not come up: it exited, or did not listen in time."""


class SimulatorProcess:
    """``python -m loadtests.simulator`` in a subprocess.

    ``with SimulatorProcess(seed=1) as sim: httpx.get(sim.url + "/workflows", ...)``
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: str | Path | None = None,
        seed: int | None = None,
        workers: int | None = None,
        extra_args: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.args = ["--host", host, "--port", str(port)]
        if config is not None:
            self.args += ["--config", str(config)]
        if seed is not None:
            self.args += ["--seed", str(seed)]
        if workers is not None:
            self.args += ["--workers", str(workers)]
        self.args += list(extra_args)
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        # The child's stderr, kept for error messages; a file, because an
        # undrained pipe would block a chatty child.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as this object

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "loadtests.simulator", *self.args]

    def start(self) -> str:
        """Start and wait for the listening line; returns the base URL."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        # Its own session: a Ctrl-C at the terminal must not kill the target
        # while the harness drains the runs in flight; the owner stops it.
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )
        try:
            line = self._read_ready_line()
        except BaseException:
            self.stop()
            raise
        self.url = line[len(_READY_PREFIX) :].strip()
        return self.url

    def stop(self) -> int | None:
        """SIGTERM, wait, then SIGKILL; returns the exit status."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def _read_ready_line(self) -> str:
        process = self.process
        assert process is not None and process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SimulatorStartError(
                        f"simulator did not listen within {START_TIMEOUT_S:g} s: {self._tail()}"
                    )
                if not selector.select(left):
                    continue
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    status = process.wait()
                    raise SimulatorStartError(
                        f"simulator exited with status {status} before listening: {self._tail()}"
                    )
                buffer += chunk
        line = buffer.split(b"\n", 1)[0].decode()
        if not line.startswith(_READY_PREFIX):
            raise SimulatorStartError(f"unexpected first line from the simulator: {line!r}")
        return line

    def _tail(self) -> str:
        return self.stderr_text().strip()[-2000:] or "(no error output)"

    def __enter__(self) -> SimulatorProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __del__(self) -> None:
        self._stderr.close()


class SimulatorThread:
    """A simulator on its own event loop in a daemon thread. ``simulation``
    is the live object: read it for introspection, but change it only
    through the control API (it belongs to the other thread)."""

    def __init__(self, config: SimConfig, host: str, port: int) -> None:
        self.server = SimulatorServer(config)
        self.simulation = self.server.simulation
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="wfload-sim", daemon=True)
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._address = (host, port)

    def start(self) -> str:
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S):
            raise SimulatorStartError(f"in-thread simulator did not listen within {START_TIMEOUT_S:g} s")
        if self._error is not None:
            raise SimulatorStartError(f"in-thread simulator failed to start: {self._error}") from self._error
        return self.url

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop)
        try:
            future.result(STOP_TIMEOUT_S)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(STOP_TIMEOUT_S)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self.url = self._loop.run_until_complete(self.server.start(*self._address))
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._started.set()
            return
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def __enter__(self) -> SimulatorThread:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_in_thread(
    config: SimConfig | str | Path | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int | None = None,
    workers: int | None = None,
) -> SimulatorThread:
    """Start a simulator in this process; returns a handle with ``.url`` and
    ``.stop()`` (also a context manager). ``config`` is a :class:`SimConfig`
    or the path of a TOML file; None means the defaults."""
    if not isinstance(config, SimConfig):
        config = load_config(config)
    handle = SimulatorThread(config.with_overrides(seed=seed, workers=workers), host, port)
    handle.start()
    return handle
