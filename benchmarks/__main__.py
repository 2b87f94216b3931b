"""``python -m benchmarks [NAME ...]``: run every ``bench_*.py`` module (or the
named ones) and print each one's figures.

A benchmark module has ``main(argv) -> int`` and prints lines of the form
``name: ratio R (subject X unit vs baseline Y unit)``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = argv or discover()
    status = 0
    for name in names:
        module_name = name if name.startswith("bench_") else f"bench_{name}"
        print(f"== {module_name}", flush=True)
        module = importlib.import_module(f"benchmarks.{module_name}")
        status |= int(module.main([]) or 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
