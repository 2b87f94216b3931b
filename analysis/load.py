"""Reading a results directory (``docs/results-format.md``) into pandas.

``load_results(path)`` returns the three tables and the meta. It reads with
pyarrow's multi-threaded CSV reader, straight from a memory map, and hands
pandas categoricals for the low-cardinality strings, so ten million request
rows take seconds and a few hundred megabytes.

Whatever cannot be reported on raises :class:`ResultsError`, whose message is
one line saying what is wrong, where, and what to do about it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analysis import schema
from analysis.progress import Progress, silent

# Bigger blocks than pyarrow's 1 MB default: fewer, larger tasks for the
# thread pool, measurably faster on files of hundreds of megabytes.
_BLOCK_SIZE = 8 << 20
_QUOTE = ord('"')
_NEWLINE = ord("\n")
# Quote counting walks the file in slices this big, to bound the temporary
# boolean array numpy builds for the comparison.
_SCAN_CHUNK = 64 << 20


class ResultsError(Exception):
    """A results directory that cannot be reported on.

    The message is always one line (what, where, what to do): the command
    line prints it as is and exits with status 2.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass
class Results:
    """A results directory as read: the meta, three tables and the events.

    ``runs`` has every column of runs.csv plus ``status`` (the same values as
    ``outcome``) and the server timestamps parsed to epoch seconds
    (``started_at_s``, ``completed_at_s``); ``nodes`` has ``created_at_s``.
    ``notes`` says what the reader had to do (a torn last line dropped, a
    file missing); the writer's own notes stay in ``meta["notes"]``.
    """

    path: Path
    meta: dict[str, Any]
    runs: pd.DataFrame
    requests: pd.DataFrame
    nodes: pd.DataFrame
    events: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.meta.get("status") or "unknown")

    @property
    def killed(self) -> bool:
        """The test never rewrote its meta: it was killed (SIGKILL, power loss)."""
        return self.status == "running"

    @property
    def complete(self) -> bool:
        return self.status == "completed"


def load_results(path: str | Path, progress: Progress | None = None) -> Results:
    """Read the results directory at ``path``.

    Raises :class:`ResultsError` for a directory that is missing, empty,
    damaged or written in a newer schema version than this reader knows.
    """
    progress = progress or silent()
    directory = Path(path)
    _check_directory(directory)
    meta = read_meta(directory)
    notes: list[str] = []
    runs_path = directory / schema.RUNS_FILE
    if not runs_path.is_file():
        raise ResultsError(
            f"no {schema.RUNS_FILE} in {directory}: the test recorded no runs; run it again "
            "or give the directory that 'wfload run' wrote"
        )
    with progress.step(f"reading {schema.RUNS_FILE}"):
        runs = read_table(runs_path, notes)
    if runs.empty:
        raise ResultsError(f"{runs_path} holds no runs: the test ended before any run was recorded; nothing to report")
    runs["status"] = runs["outcome"]
    tables = {}
    for name in (schema.REQUESTS_FILE, schema.NODES_FILE):
        file_path = directory / name
        if file_path.is_file():
            with progress.step(f"reading {name}"):
                tables[name] = read_table(file_path, notes)
        else:
            notes.append(f"{name} is missing: its figures are empty")
            tables[name] = empty_table(name)
    events = read_events(directory / schema.EVENTS_FILE, notes)
    return Results(
        path=directory,
        meta=meta,
        runs=runs,
        requests=tables[schema.REQUESTS_FILE],
        nodes=tables[schema.NODES_FILE],
        events=events,
        notes=notes,
    )


def _check_directory(directory: Path) -> None:
    if not directory.exists():
        raise ResultsError(
            f"{directory} does not exist: give the results directory that 'wfload run' wrote (under reports/)"
        )
    if not directory.is_dir():
        raise ResultsError(
            f"{directory} is not a directory: give the results directory that 'wfload run' wrote, not a file in it"
        )


def read_meta(directory: Path) -> dict[str, Any]:
    """meta.json, checked for the schema and a version this reader knows."""
    path = directory / schema.META_FILE
    if not path.is_file():
        raise ResultsError(
            f"no results in {directory}: {schema.META_FILE} is missing; give the directory that "
            "'wfload run' wrote (it holds meta.json, runs.csv and requests.csv)"
        )
    try:
        meta = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ResultsError(f"{path} is not valid JSON ({exc}): the results directory is damaged") from exc
    if not isinstance(meta, dict) or meta.get("schema") != schema.SCHEMA:
        found = meta.get("schema") if isinstance(meta, dict) else type(meta).__name__
        raise ResultsError(
            f"{path} is not a wfload results file (schema {found!r}, expected {schema.SCHEMA!r}): "
            "give the directory that 'wfload run' wrote"
        )
    version = meta.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ResultsError(f"{path} has no valid schema_version ({version!r}): the results directory is damaged")
    if version > schema.SCHEMA_VERSION:
        raise ResultsError(
            f"results in {directory} use schema version {version}; this wfload reads up to "
            f"{schema.SCHEMA_VERSION}: upgrade wfload"
        )
    if version not in schema.KNOWN_VERSIONS:
        known = ", ".join(str(v) for v in sorted(schema.KNOWN_VERSIONS))
        raise ResultsError(
            f"results in {directory} use schema version {version}, which this wfload does not read "
            f"(it reads {known}): use the wfload version that wrote them"
        )
    return meta


def read_table(path: Path, notes: list[str]) -> pd.DataFrame:
    """One CSV file of the results directory as a DataFrame with typed columns."""
    columns = schema.COLUMNS[path.name]
    with pa.memory_map(str(path)) as source:
        data = source.read_buffer()
        length, torn = complete_records_length(data)
        if torn:
            notes.append(f"{path.name}: dropped a torn last line (the test was killed while writing it)")
        data = data.slice(0, length)
        header = _header(data)
        if header is None:
            return empty_table(path.name)
        missing = [name for name in columns if name not in header]
        if missing:
            raise ResultsError(
                f"{path} lacks the column(s) {', '.join(missing)}: it is not a schema "
                f"{schema.SCHEMA_VERSION} {path.name}; write it with a current wfload"
            )
        table = _parse_csv(path, data, columns)
    return _to_frame(table, path.name, notes)


def _parse_csv(path: Path, data: pa.Buffer, columns: dict[str, pa.DataType]) -> pa.Table:
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=_BLOCK_SIZE),
            # Quoted values (error messages, details) may hold newlines.
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=columns,
                include_columns=list(columns),
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ResultsError(f"{path} cannot be read ({first_line}): the file is damaged") from exc


def _to_frame(table: pa.Table, name: str, notes: list[str]) -> pd.DataFrame:
    parsed = {
        f"{column}_s": epoch_seconds(table[column], f"{name} {column}", notes)
        for column in schema.SERVER_TIMESTAMPS.get(name, ())
    }
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    for column, values in parsed.items():
        frame[column] = values
    return frame


def empty_table(name: str) -> pd.DataFrame:
    """A file's table with its columns and no rows (a file missing or without a header)."""
    columns = schema.COLUMNS[name]
    table = pa.table({column: pa.array([], type=kind) for column, kind in columns.items()})
    return _to_frame(table, name, [])


def epoch_seconds(column: pa.ChunkedArray | pa.Array, label: str, notes: list[str]) -> np.ndarray:
    """Server ISO-8601 timestamps as epoch seconds (NaN where missing or unreadable).

    Arrow's vectorised cast reads the documented form (``...T12:00:00.000000Z``
    and explicit offsets); anything it refuses (a timestamp without a zone,
    junk) sends the whole column through pandas' lenient ISO parser instead,
    which turns what it cannot read into NaN.
    """
    try:
        micros = pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.int64())
        seconds = pc.divide(pc.cast(micros, pa.float64()), 1e6).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = pd.to_datetime(pd.Series(column.to_pandas()), format="ISO8601", utc=True, errors="coerce")
        seconds = (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)
        unreadable = int(np.isnan(seconds).sum()) - column.null_count
        if unreadable > 0:
            notes.append(f"{label}: {unreadable} value(s) are not ISO-8601 timestamps (left out of time figures)")
    return np.asarray(seconds, dtype=float)


def complete_records_length(data: pa.Buffer) -> tuple[int, bool]:
    """How many leading bytes of a CSV file hold whole records, and whether a
    torn last record was cut off.

    The format's rule: a last line that does not end in a newline is torn.
    Because quoted values may hold newlines, the cut must be at a newline
    outside quotes, that is one with an even number of ``"`` before it.
    """
    size = data.size
    if size == 0:
        return 0, False
    octets = np.frombuffer(data, dtype=np.uint8)
    if octets[size - 1] == _NEWLINE:
        return size, False
    quotes = _count_quotes(octets, 0, size)
    end = size
    while True:
        newline = _last_newline_before(octets, end)
        if newline < 0:
            return 0, True
        quotes -= _count_quotes(octets, newline, end)
        if quotes % 2 == 0:
            return newline + 1, True
        end = newline


def _count_quotes(octets: np.ndarray, start: int, end: int) -> int:
    return sum(
        int(np.count_nonzero(octets[lo : min(end, lo + _SCAN_CHUNK)] == _QUOTE))
        for lo in range(start, end, _SCAN_CHUNK)
    )


def _last_newline_before(octets: np.ndarray, end: int) -> int:
    window = 1 << 16
    while True:
        start = max(0, end - window)
        found = octets[start:end].tobytes().rfind(b"\n")
        if found >= 0:
            return start + found
        if start == 0:
            return -1
        window *= 4


def _header(data: pa.Buffer) -> list[str] | None:
    octets = np.frombuffer(data, dtype=np.uint8)
    newline = octets[: 1 << 20].tobytes().find(b"\n")
    if newline < 0:
        return None
    line = octets[:newline].tobytes().decode("utf-8-sig").rstrip("\r")
    return next(csv.reader([line]), None) or None


def read_events(path: Path, notes: list[str]) -> list[dict[str, Any]]:
    """events.jsonl: one object a line; a torn last line or a bad line is skipped."""
    if not path.is_file():
        return []
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if lines and lines[-1]:
        notes.append(f"{path.name}: dropped a torn last line")
    events = []
    bad = 0
    for line in lines[:-1]:
        if not line.strip():
            continue
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            bad += 1
            continue
        if isinstance(event, dict):
            events.append(event)
        else:
            bad += 1
    if bad:
        notes.append(f"{path.name}: skipped {bad} line(s) that are not JSON objects")
    return events
