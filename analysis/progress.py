"""Progress lines on stderr for the steps of a report that take a while.

A quick report prints nothing. A step still running after ``after_s`` seconds
announces itself at once (``reading requests.csv … ``), so a long wait over
big results is never silent, and adds its time when it ends (``3.1 s``).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, after_s: float = 2.0, enabled: bool = True) -> None:
        self._stream = stream
        self.after_s = after_s
        self.enabled = enabled
        self._lock = threading.Lock()
        self.timings: dict[str, float] = {}

    @property
    def stream(self) -> TextIO:
        # Looked up late so that pytest's capsys (which swaps sys.stderr) sees it.
        return self._stream if self._stream is not None else sys.stderr

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        state = {"announced": False, "done": False}

        def announce() -> None:
            with self._lock:
                if state["done"]:
                    return
                state["announced"] = True
                self.stream.write(f"{name} … ")
                self.stream.flush()

        timer = threading.Timer(self.after_s, announce) if self.enabled else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.timings[name] = self.timings.get(name, 0.0) + elapsed
            if timer is not None:
                timer.cancel()
            with self._lock:
                state["done"] = True
                if state["announced"]:
                    self.stream.write(f"{elapsed:.1f} s\n")
                    self.stream.flush()


def silent() -> Progress:
    """A progress reporter that never prints (library use, tests)."""
    return Progress(enabled=False)
