"""Reading settings tables (from TOML files and control-API JSON) with errors
that name the offending key.

Every problem becomes one :class:`ConfigError` whose message starts with the
dotted key (``workflows[1].nodes[0].duration.dist``) and says what would be
accepted, so a user can fix a file from a single line.
"""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A setting that cannot be used. The message is one line: key, problem, remedy."""


class Table:
    """A mapping read key by key, remembering where it came from."""

    __slots__ = ("data", "path")

    def __init__(self, data: Any, path: str = "") -> None:
        if not isinstance(data, dict):
            raise ConfigError(
                f"{path or 'top level'}: expected a table (key = value pairs), got {_kind(data)}"
            )
        self.data = data
        self.path = path

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.key_path(key)}: {problem}")

    def has(self, key: str) -> bool:
        return key in self.data

    def check_known(self, allowed: set[str] | frozenset[str]) -> None:
        """Reject keys we do not know: a typo must not silently keep a default."""
        for key in self.data:
            if key not in allowed:
                names = ", ".join(sorted(allowed))
                raise self.error(key, f"unknown setting; known here: {names}")

    def number(
        self,
        key: str,
        default: float,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
    ) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"expected a number, got {_kind(value)}")
        _check_range(self, key, value, minimum, maximum, above)
        return float(value)

    def integer(
        self, key: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, got {_kind(value)}")
        _check_range(self, key, value, minimum, maximum, None)
        return value

    def optional_integer(self, key: str) -> int | None:
        if self.data.get(key) is None:
            return None
        return self.integer(key, 0)

    def ratio(self, key: str, default: float = 0.0) -> float:
        return self.number(key, default, minimum=0.0, maximum=1.0)

    def string(self, key: str, default: str | None = None, *, choices: tuple[str, ...] = ()) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            if key not in self.data:
                raise self.error(key, "required setting is missing")
            raise self.error(key, f"expected a string, got {_kind(value)}")
        if choices and value not in choices:
            raise self.error(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def optional_string(self, key: str) -> str | None:
        if self.data.get(key) is None:
            return None
        return self.string(key)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind(value)}")
        return value

    def sequence(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {_kind(value)}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.sequence(key)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise ConfigError(f"{self.key_path(key)}[{index}]: expected a string, got {_kind(item)}")
        return tuple(items)

    def table(self, key: str) -> Table:
        return Table(self.data.get(key, {}), self.key_path(key))

    def tables(self, key: str) -> list[Table]:
        return [Table(item, f"{self.key_path(key)}[{i}]") for i, item in enumerate(self.sequence(key))]


def _check_range(
    table: Table,
    key: str,
    value: float,
    minimum: float | None,
    maximum: float | None,
    above: float | None,
) -> None:
    if above is not None and value <= above:
        raise table.error(key, f"must be greater than {above:g}, got {value!r}")
    if minimum is not None and value < minimum:
        bound = f"from {minimum:g} to {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise table.error(key, f"must be {bound}, got {value!r}")
    if maximum is not None and value > maximum:
        bound = f"from {minimum:g} to {maximum:g}" if minimum is not None else f"at most {maximum:g}"
        raise table.error(key, f"must be {bound}, got {value!r}")


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)
