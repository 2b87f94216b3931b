"""The container image and Kubernetes manifests: well-formed and consistent with the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from loadtests.scenario import parse_scenario
from loadtests.tokens import TOKEN_ENV
from tests.harness.conftest import ROOT

DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def manifests():
    documents = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents}


# Locust's --help lists only its own options; build its parser with ours, as loading the locustfile does.
KNOWN_FLAGS = """
import json
from locust.argument_parser import get_parser
from loadtests.options import add_arguments
parser = get_parser()
add_arguments(parser)
print(json.dumps([flag for action in parser._actions for flag in action.option_strings]))
"""


@pytest.fixture(scope="module")
def known_flags():
    result = subprocess.run([sys.executable, "-c", KNOWN_FLAGS], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def container(deployment):
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return only


def args_of(deployment) -> dict[str, str]:
    return dict(arg.partition("=")[::2] for arg in container(deployment)["args"])


def test_the_expected_objects_exist(manifests):
    assert set(manifests) == {
        ("ConfigMap", "wfload-scenario"), ("Secret", "wfload-token"), ("Deployment", "wfload-master"),
        ("Service", "wfload-master"), ("Deployment", "wfload-worker"),
    }


def test_every_flag_is_one_the_cli_knows(manifests, known_flags):
    assert {"--scenario", "--master", "--users"} <= known_flags
    for name in ("wfload-master", "wfload-worker"):
        for flag in args_of(manifests[("Deployment", name)]):
            assert flag in known_flags, f"{name}: unknown flag {flag}"


def test_master_service_and_workers_agree(manifests):
    master = manifests[("Deployment", "wfload-master")]
    service = manifests[("Service", "wfload-master")]
    worker_args = args_of(manifests[("Deployment", "wfload-worker")])
    master_args = args_of(master)
    ports = {p["name"]: p["port"] for p in service["spec"]["ports"]}
    assert int(master_args["--master-bind-port"]) == ports["workers"] == int(worker_args["--master-port"])
    assert worker_args["--master-host"] == service["metadata"]["name"]
    assert service["spec"]["selector"].items() <= master["spec"]["template"]["metadata"]["labels"].items()
    container_ports = {p["name"] for p in container(master)["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports
    assert int(master_args["--expect-workers"]) == manifests[("Deployment", "wfload-worker")]["spec"]["replicas"]
    # A worker gives up on a silent master after 60 s: the drain must end before.
    assert float(master_args["--drain-timeout"]) < 60


def test_scenario_and_results_paths_are_mounted(manifests):
    scenario_text = manifests[("ConfigMap", "wfload-scenario")]["data"]["scenario.toml"]
    assert parse_scenario(scenario_text).workflows
    for name in ("wfload-master", "wfload-worker"):
        deployment = manifests[("Deployment", name)]
        mounts = {m["name"]: m["mountPath"] for m in container(deployment)["volumeMounts"]}
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        assert volumes["scenario"]["configMap"]["name"] == "wfload-scenario"
        assert mounts["scenario"] == "/config"
    master_args = args_of(manifests[("Deployment", "wfload-master")])
    assert master_args["--scenario"] == "/config/scenario.toml"
    assert master_args["--results-dir"].startswith("/results/")


def test_the_token_comes_from_the_secret_under_the_harness_variable(manifests):
    secret = manifests[("Secret", "wfload-token")]
    assert TOKEN_ENV in secret["stringData"]
    for name in ("wfload-master", "wfload-worker"):
        env = {e["name"]: e for e in container(manifests[("Deployment", name)])["env"]}
        assert env[TOKEN_ENV]["valueFrom"]["secretKeyRef"] == {"name": "wfload-token", "key": TOKEN_ENV}
        assert "--token" not in args_of(manifests[("Deployment", name)])


def test_the_image_copies_what_exists_and_runs_the_locustfile():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.MULTILINE):
        assert (ROOT / source).exists(), source
    workdir = re.search(r"^WORKDIR (\S+)", dockerfile, flags=re.MULTILINE).group(1)
    entry = re.search(r"^ENTRYPOINT (.+)$", dockerfile, flags=re.MULTILINE).group(1)
    assert f"{workdir}/loadtests/locustfile.py" in entry
    assert Path(ROOT / "loadtests" / "locustfile.py").exists()
