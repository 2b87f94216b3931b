"""Context templates: how each run's ``context`` is generated.

A template is the ``context`` table of a scenario workflow. Plain values are
sent as they are; a table with a ``gen`` key is a generator, evaluated for
every run. Nested tables and arrays are templates themselves.

- ``sequence`` (``start`` 1, ``step`` 1, ``format``): 1, 2, 3… for this field,
  unique across users and workers; ``format`` is a Python format string
  such as ``"usr_{:06d}"``.
- ``choice`` (``values``, optional ``weights``): one of the values.
- ``int`` (``min``, ``max``): an integer in [min, max].
- ``float`` (``min``, ``max``, optional ``decimals``): a float in [min, max].
- ``bool`` (``p`` 0.5): ``true`` with probability p.
- ``uuid``: a random (seeded) UUID4 string.
- ``timestamp`` (``offset_s`` 0): now + offset, ISO-8601 UTC with microseconds.
- ``row`` (``file``, optional ``column``, ``order`` sequential or random):
  a row of a CSV or JSONL file (relative to the scenario file), whole or
  one column.
- ``padding`` (``to_bytes``): a string that brings the whole context's JSON
  to ``to_bytes`` bytes (top level only).

Templates are compiled once into small closures, so generating a context on
the hot path costs a few function calls, not a walk over the TOML.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

import orjson

from loadtests.contract import format_timestamp


class TemplateError(ValueError):
    """A template that cannot work; ``path`` names the offending key."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class GenerationState:
    """What a generator needs from whoever asks for a context: the asking
    user's RNG (seeded, so a user's stream of contexts is reproducible) and
    where this process stands among the workers, so that worker k of n hands
    out sequence numbers k, k+n, k+2n… and none collide."""

    rng: Random
    worker_index: int = 0
    worker_count: int = 1


Generator = Callable[[GenerationState], Any]


class ContextTemplate:
    """A compiled context template: ``render(state)`` gives a fresh context."""

    def __init__(self, template: dict[str, Any], base_dir: str | Path, path: str = "context") -> None:
        base_dir = Path(base_dir)
        if not isinstance(template, dict):
            raise TemplateError(path, "must be a table of field = value")
        self._padding: tuple[str, int] | None = None
        self._fields: list[tuple[str, Generator]] = []
        for key, value in template.items():
            if _is_padding(value):
                _only_keys(value, {"gen", "to_bytes"}, f"{path}.{key}")
                self._padding = (key, _positive_int(value, "to_bytes", f"{path}.{key}"))
            else:
                self._fields.append((key, _compile(value, base_dir, f"{path}.{key}")))

    def render(self, state: GenerationState) -> dict[str, Any]:
        context = {key: generate(state) for key, generate in self._fields}
        if self._padding is not None:
            _pad(context, *self._padding)
        return context


def _is_padding(value: Any) -> bool:
    return isinstance(value, dict) and value.get("gen") == "padding"


def _compile(value: Any, base_dir: Path, path: str) -> Generator:
    if _is_padding(value):
        raise TemplateError(path, "a 'padding' generator pads the whole context: put it at the top level")
    if isinstance(value, dict) and "gen" in value:
        return compile_generator(value, base_dir, path)
    if isinstance(value, dict):
        fields = [(k, _compile(v, base_dir, f"{path}.{k}")) for k, v in value.items()]
        return lambda state: {k: generate(state) for k, generate in fields}
    if isinstance(value, list):
        items = [_compile(v, base_dir, f"{path}[{i}]") for i, v in enumerate(value)]
        return lambda state: [generate(state) for generate in items]
    return lambda state: value


def compile_generator(spec: dict[str, Any], base_dir: Path, path: str) -> Generator:
    kind = spec["gen"]
    builder = _BUILDERS.get(kind)
    if builder is None:
        known = ", ".join(sorted([*_BUILDERS, "padding"]))
        raise TemplateError(path, f"unknown generator {kind!r}; use one of {known}")
    return builder(spec, base_dir, path)


# --------------------------------------------------------------------------
# generators


def _sequence(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen", "start", "step", "format"}, path)
    start = _int(spec, "start", path, default=1)
    step = _int(spec, "step", path, default=1)
    fmt = spec.get("format")
    counter = itertools.count()

    def number(state: GenerationState) -> int:
        return start + step * (next(counter) * state.worker_count + state.worker_index)

    if fmt is None:
        return number
    if not isinstance(fmt, str):
        raise TemplateError(path, "'format' must be a string such as \"usr_{:06d}\"")
    try:
        fmt.format(1)
    except (ValueError, IndexError, KeyError) as exc:
        raise TemplateError(path, f"'format' {fmt!r} is not a format string for one number ({exc})") from None
    return lambda state: fmt.format(number(state))


def _choice(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen", "values", "weights"}, path)
    values = spec.get("values")
    if not isinstance(values, list) or not values:
        raise TemplateError(path, "'values' must be a non-empty array")
    weights = spec.get("weights")
    if weights is None:
        return lambda state: state.rng.choice(values)
    if (
        not isinstance(weights, list)
        or len(weights) != len(values)
        or not all(_is_number(w) and w >= 0 for w in weights)
        or sum(weights) <= 0
    ):
        raise TemplateError(path, "'weights' must be non-negative numbers, one per value, not all zero")
    cumulative = list(itertools.accumulate(weights))
    return lambda state: state.rng.choices(values, cum_weights=cumulative)[0]


def _integer(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen", "min", "max"}, path)
    low, high = _int(spec, "min", path), _int(spec, "max", path)
    _check_range(low, high, path)
    return lambda state: state.rng.randint(low, high)


def _float(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen", "min", "max", "decimals"}, path)
    low, high = _number(spec, "min", path), _number(spec, "max", path)
    _check_range(low, high, path)
    decimals = spec.get("decimals")
    if decimals is None:
        return lambda state: state.rng.uniform(low, high)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 15:
        raise TemplateError(path, "'decimals' must be a whole number from 0 to 15")
    return lambda state: round(state.rng.uniform(low, high), decimals)


def _boolean(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen", "p"}, path)
    p = _number(spec, "p", path, default=0.5)
    if not 0 <= p <= 1:
        raise TemplateError(path, "'p' must be a probability from 0 to 1")
    return lambda state: state.rng.random() < p


def _uuid(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen"}, path)
    return lambda state: random_uuid4(state.rng)


def random_uuid4(rng: Random) -> str:
    """``str(uuid.uuid4())``'s form drawn from ``rng`` (seeded, so reproducible),
    at a quarter of the cost of building a UUID object: it is on every run's path."""
    n = rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | (0x4 << 76) | (0x2 << 62)
    text = f"{n:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _timestamp(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen", "offset_s"}, path)
    offset = _number(spec, "offset_s", path, default=0)
    return lambda state: format_timestamp(time.time() + offset)


def _row(spec: dict, base_dir: Path, path: str) -> Generator:
    _only_keys(spec, {"gen", "file", "column", "order"}, path)
    file = spec.get("file")
    if not isinstance(file, str) or not file:
        raise TemplateError(path, "'file' must name a CSV or JSONL file (relative to the scenario file)")
    rows = load_rows(base_dir / file, path)
    column = spec.get("column")
    if column is not None:
        missing = [i for i, row in enumerate(rows) if column not in row]
        if missing:
            raise TemplateError(path, f"column {column!r} is missing in {file} (row {missing[0] + 1})")
        rows = [row[column] for row in rows]
    order = spec.get("order", "sequential")
    if order == "random":
        return lambda state: state.rng.choice(rows)
    if order != "sequential":
        raise TemplateError(path, "'order' must be \"sequential\" or \"random\"")
    cursor = itertools.cycle(rows)
    return lambda state: next(cursor)


_BUILDERS: dict[str, Callable[[dict, Path, str], Generator]] = {
    "sequence": _sequence,
    "choice": _choice,
    "int": _integer,
    "float": _float,
    "bool": _boolean,
    "uuid": _uuid,
    "timestamp": _timestamp,
    "row": _row,
}


def load_rows(file: Path, path: str) -> list[dict[str, Any]]:
    """Rows of a CSV (header row) or JSONL (one object a line) data file."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(path, f"cannot read data file {file}: {exc.strerror}") from None
    if file.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise TemplateError(path, f"{file}:{number}: not a JSON object") from None
            if not isinstance(row, dict):
                raise TemplateError(path, f"{file}:{number}: not a JSON object")
            rows.append(row)
    else:
        rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise TemplateError(path, f"data file {file} has no rows")
    return rows


def _pad(context: dict[str, Any], key: str, to_bytes: int) -> None:
    """Add ``key`` so the context's JSON is ``to_bytes`` long where possible
    (never shorter than without padding). ASCII ``x``s: one character, one byte."""
    context[key] = ""
    deficit = to_bytes - len(orjson.dumps(context))
    if deficit > 0:
        context[key] = "x" * deficit


# --------------------------------------------------------------------------
# validation helpers


def _only_keys(spec: dict, allowed: set[str], path: str) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise TemplateError(path, f"unknown key {unknown[0]!r} for generator {spec['gen']!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(spec: dict, key: str, path: str, default: float | None = None) -> float:
    value = spec.get(key, default)
    if not _is_number(value):
        raise TemplateError(path, f"{key!r} must be a number")
    return value


def _int(spec: dict, key: str, path: str, default: int | None = None) -> int:
    value = spec.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TemplateError(path, f"{key!r} must be a whole number")
    return value


def _positive_int(spec: dict, key: str, path: str) -> int:
    value = _int(spec, key, path)
    if value <= 0:
        raise TemplateError(path, f"{key!r} must be greater than 0")
    return value


def _check_range(low: float, high: float, path: str) -> None:
    if low > high:
        raise TemplateError(path, f"'min' ({low}) is greater than 'max' ({high})")
