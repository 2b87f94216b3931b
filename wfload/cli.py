"""``wfload COMMAND ...``: dispatch to the command's own module.

Each command owns its arguments; this module only knows where they live, so
that importing the CLI imports neither Locust (which monkey-patches the
process with gevent) nor the analysis stack until a command needs it.
"""

from __future__ import annotations

import importlib
import sys

# name -> (module, leading arguments passed to its main, one-line help)
COMMANDS: dict[str, tuple[str, list[str], str]] = {
    "sim": ("loadtests.simulator.cli", [], "run the embedded Workflows API simulator"),
    "run": ("wfload.run", [], "run a load test (against the simulator unless -H is given)"),
    "ui": ("wfload.ui", [], "start Locust's web UI with wfload's tabs (against the simulator unless -H is given)"),
    "capacity": ("wfload.capacity", [], "find the maximum sustainable arrival rate (stepped open-model test)"),
    "report": ("analysis.cli", ["report"], "write report.html, summary.md and summary.json for a results directory"),
    "compare": ("analysis.cli", ["compare"], "check budgets and compare with a baseline (exit 1: broken or regressed)"),
    "baseline": ("analysis.cli", ["baseline"], "save a test as a named baseline for later comparisons, or list them"),
    "trend": ("analysis.cli", ["trend"], "plot headline figures across runs and flag change points"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: wfload COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, _, help_) in COMMANDS.items()]
    lines += ["", "'wfload COMMAND --help' shows a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if args[0] == "--version":
        from wfload import __version__

        print(f"wfload {__version__}")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"wfload: unknown command {args[0]!r}; run 'wfload --help' for the list", file=sys.stderr)
        return 2
    module_name, leading, _ = entry
    module = importlib.import_module(module_name)
    return int(module.main([*leading, *args[1:]]) or 0)


if __name__ == "__main__":
    sys.exit(main())
