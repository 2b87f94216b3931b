"""The results directory on disk: the one process that writes it.

Locally that is the Locust process itself; in a distributed test it is the
master, fed by the workers' batches. Rows are appended and flushed to the
operating system at every batch, so a test killed with SIGKILL leaves every
batch written so far readable (at worst a torn last line, which readers
drop). ``meta.json`` is replaced atomically, never half-written.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path
from typing import IO, Any

import orjson

from loadtests.records import SCHEMA, SCHEMA_VERSION, TABLES

META_FILE = "meta.json"
EVENTS_FILE = "events.jsonl"


def default_results_dir(root: str | Path = "reports", tag: str = "run") -> Path:
    """``reports/20261204-153000-run``: sortable, and unique within a second
    (a numeric suffix is added when needed)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{stamp}-{tag}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


class ResultsDirectory:
    """Appends records to ``runs.csv``, ``requests.csv``, ``nodes.csv`` and
    events to ``events.jsonl``; keeps ``meta.json`` current."""

    def __init__(self, path: str | Path, meta: dict[str, Any]) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.counts = dict.fromkeys(TABLES, 0)
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        for table, columns in TABLES.items():
            handle = open(self.path / f"{table}.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            handle.flush()
            self._files[table], self._writers[table] = handle, writer
        self._events = open(self.path / EVENTS_FILE, "wb")  # noqa: SIM115
        self.meta = {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "status": "running",
            "started_at": time.time(),
            "ended_at": None,
            "notes": [],
            **meta,
        }
        self.write_meta()

    def write_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self._writers[table].writerows(rows)
        self._files[table].flush()
        self.counts[table] += len(rows)

    def write_event(self, event: str, t: float | None = None, **fields: Any) -> None:
        record = {"t": round(time.time() if t is None else t, 6), "event": event, **fields}
        self._events.write(orjson.dumps(record) + b"\n")
        self._events.flush()

    def note(self, text: str) -> None:
        """Something a reader of the results must know (shown in reports)."""
        self.meta["notes"].append(text)
        self.write_meta()

    def update_meta(self, **fields: Any) -> None:
        self.meta.update(fields)
        self.write_meta()

    def write_meta(self) -> None:
        temporary = self.path / f".{META_FILE}.tmp"
        temporary.write_bytes(orjson.dumps(self.meta, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        os.replace(temporary, self.path / META_FILE)

    def close(self, status: str) -> None:
        """Finish: flush everything and mark how the test ended."""
        for handle in self._files.values():
            handle.close()
        self._events.close()
        self.update_meta(status=status, ended_at=time.time(), counts=dict(self.counts))
