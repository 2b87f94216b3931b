"""``wfload ui``: Locust's web UI with wfload's form fields and tabs, against the
embedded simulator unless ``-H`` names a target.

Prints the address to open; Ctrl-C stops the UI (draining a running test)
and then the simulator. Options this command does not know go to Locust.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from wfload.target import UsageError, add_target_arguments, locust, target, wait_forwarding_signals


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wfload ui",
        description="Start Locust's web UI for exploratory testing, with wfload's options and 'Workflow runs' tabs.",
    )
    add_target_arguments(parser)
    parser.add_argument("--web-port", type=int, default=8089, help="Port of the web UI. Default 8089.")
    parser.add_argument("--web-host", default="127.0.0.1", help="Interface of the web UI. Default 127.0.0.1.")
    return parser


def main(argv: list[str]) -> int:
    args, locust_args = build_parser().parse_known_args(argv)
    try:
        with target(args) as chosen:
            command = locust("--web-host", args.web_host, "--web-port", str(args.web_port),
                             *chosen.locust_arguments(args), *locust_args)
            print(f"wfload: web UI at http://{args.web_host}:{args.web_port}  (Ctrl-C to stop)", flush=True)
            child = subprocess.Popen(command, env=chosen.locust_env(args), start_new_session=True)
            return wait_forwarding_signals(child)
    except UsageError as exc:
        print(f"wfload ui: {exc}", file=sys.stderr)
        return 2
