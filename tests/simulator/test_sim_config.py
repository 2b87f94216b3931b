"""Configuration files: the defaults, overrides, and one clear line (exit
status 2) for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.simulator import ConfigError, load_config
from loadtests.simulator.cli import main

NODE = '[[workflows]]\nid = "fl_x"\n[[workflows.nodes]]\nid = "n1"\ncomponent = "manual_trigger"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sim.toml"
    path.write_text(text)
    return path


def test_defaults() -> None:
    cfg = load_config()
    assert cfg.workers == 8 and cfg.time_scale == 1.0 and cfg.seed is None
    assert cfg.rate_limit.limit == 0 and cfg.tokens == ()
    assert [w.id for w in cfg.workflows] == [
        "fl_quick_notify",
        "fl_webhook_check",
        "fl_delayed_report",
        "fl_approval",
    ]
    assert not cfg.faults.any_request_fault and cfg.faults.hang.ratio == 0


def test_a_file_overrides_settings_and_keeps_the_catalogue(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "workers = 3\n[rate_limit]\nlimit = 60\n[faults.latency]\nms = 20\n"))
    assert cfg.workers == 3 and cfg.rate_limit.limit == 60 and cfg.rate_limit.window_s == 60
    assert cfg.faults.latency.ms == 20
    assert len(cfg.workflows) == 4


def test_a_file_with_workflows_replaces_the_catalogue(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, NODE))
    assert [w.id for w in cfg.workflows] == ["fl_x"]
    assert cfg.workflows[0].nodes[0].duration.mean == 0.001


def test_command_line_wins(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "seed = 1\nworkers = 2\n")).with_overrides(seed=9, workers=5)
    assert (cfg.seed, cfg.workers) == (9, 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wrkers = 3\n", "wrkers: unknown setting; known here:"),
        ("workers = 0\n", "workers: must be from 1 to 100000, got 0"),
        ('workers = "8"\n', "workers: expected a whole number, got the string '8'"),
        ("time_scale = -1\n", "time_scale: must be at least 0"),
        ("[rate_limit]\nlimit = 1.5\n", "rate_limit.limit: expected a whole number"),
        ("[retention]\nmax_age_s = 0\n", "retention.max_age_s: must be greater than 0"),
        ("[faults.errors]\nratio = 1.5\n", "faults.errors.ratio: must be from 0 to 1"),
        ("[auth]\ntokens = [1]\n", "auth.tokens[0]: expected a string"),
        ("seed = -1\n", "seed: must be a whole number from 0"),
        ('[[workflows]]\nid = "wf"\n', "workflows[0].id: 'wf' must start with 'fl_'"),
        ('[[workflows]]\nid = "fl_a"\n', "workflows[0].nodes: a workflow needs at least one node"),
        (NODE + NODE, "workflows[1].id: duplicate workflow id 'fl_x'"),
        (
            NODE.replace("manual_trigger", "teleport"),
            "workflows[0].nodes[0].component: unknown component 'teleport'",
        ),
        (
            NODE + 'duration = { dist = "normal" }\n',
            "workflows[0].nodes[0].duration.dist: 'normal' is not one of",
        ),
        (
            NODE + 'duration = { dist = "lognormal", median_s = 1, p99_s = 0.5 }\n',
            "workflows[0].nodes[0].duration.p99_s: must be above median_s",
        ),
        (NODE + "duration_s = 1\nduration = { dist = 'constant', value_s = 1 }\n", "duration_s: give either"),
        (NODE + "true_ratio = 0.5\n", "workflows[0].nodes[0].true_ratio: only condition nodes"),
        (NODE + '[[workflows.edges]]\nfrom = "n1"\nto = "n9"\n', "workflows[0].edges[0].to: no node 'n9'"),
        (
            NODE + '[[workflows.edges]]\nfrom = "n1"\nto = "n1"\n',
            "workflows[0].edges: the edges form a cycle (n1 -> n1)",
        ),
        (
            NODE + '[[workflows.edges]]\nfrom = "n1"\nto = "n1"\nwhen = "true"\n',
            "workflows[0].edges[0].when: only a condition node has 'true' edges",
        ),
        (
            NODE + '[[workflows.edges]]\nfrom = "n1"\nto = "n1"\nwhen = "error"\n',
            "workflows[0].edges[0].when: an error edge needs continue_on_error",
        ),
        ("workers = \n", "not valid TOML"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the file .*check the path given to --config"):
        load_config(tmp_path / "absent.toml")


def test_cli_prints_one_line_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[faults.stall]\nevery_s = 1\nfor_s = 2\n")
    assert main(["--config", str(path), "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"wfload sim: {path}: faults.stall.for_s: must be shorter than every_s")


def test_cli_rejects_a_bad_worker_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workers", "0", "--port", "0"]) == 2
    assert capsys.readouterr().err == "wfload sim: --workers: must be at least 1, got 0\n"
