"""Context templates: every generator, seeding, uniqueness across workers, errors."""

import json
import uuid
from random import Random

import orjson
import pytest

from loadtests.contexts import ContextTemplate, GenerationState, TemplateError


def render(template, state=None, base_dir=None, times=1):
    compiled = ContextTemplate(template, base_dir or ".")
    state = state or GenerationState(Random(7))
    return [compiled.render(state) for _ in range(times)]


def test_literals_pass_through_and_nested_templates_are_generated():
    [context] = render({"a": 1, "b": "x", "c": {"d": [1, {"gen": "int", "min": 3, "max": 3}]}})
    assert context == {"a": 1, "b": "x", "c": {"d": [1, 3]}}


def test_sequence_is_per_field_formatted_and_strided_across_workers():
    template = {"u": {"gen": "sequence", "format": "usr_{:04d}"}, "n": {"gen": "sequence", "start": 10, "step": 5}}
    worker0 = ContextTemplate(template, ".")
    contexts = [worker0.render(GenerationState(Random(1), 0, 2)) for _ in range(3)]
    assert [c["u"] for c in contexts] == ["usr_0001", "usr_0003", "usr_0005"]
    assert [c["n"] for c in contexts] == [10, 20, 30]
    worker1 = ContextTemplate(template, ".")
    assert [worker1.render(GenerationState(Random(1), 1, 2))["u"] for _ in range(3)] == [
        "usr_0002", "usr_0004", "usr_0006"]


def test_ranges_and_choices_stay_in_bounds():
    template = {
        "i": {"gen": "int", "min": -2, "max": 2},
        "f": {"gen": "float", "min": 1.5, "max": 2.5, "decimals": 1},
        "c": {"gen": "choice", "values": ["a", "b"], "weights": [0, 1]},
        "b": {"gen": "bool", "p": 1},
    }
    for context in render(template, times=300):
        assert -2 <= context["i"] <= 2
        assert 1.5 <= context["f"] <= 2.5 and round(context["f"], 1) == context["f"]
        assert context["c"] == "b" and context["b"] is True
    assert {c["i"] for c in render(template, times=300)} == {-2, -1, 0, 1, 2}


def test_same_seed_same_contexts():
    template = {"id": {"gen": "uuid"}, "x": {"gen": "float", "min": 0, "max": 1}}
    first = render(template, GenerationState(Random("s")), times=5)
    again = render(template, GenerationState(Random("s")), times=5)
    other = render(template, GenerationState(Random("t")), times=5)
    assert first == again and first != other
    assert uuid.UUID(first[0]["id"]).version == 4


def test_timestamp_is_contract_format():
    [context] = render({"at": {"gen": "timestamp", "offset_s": -60}})
    assert context["at"].endswith("Z") and len(context["at"]) == len("2025-10-31T12:00:00.000000Z")


def test_rows_from_csv_and_jsonl(tmp_path):
    (tmp_path / "people.csv").write_text("name,age\nada,36\ngrace,45\n")
    (tmp_path / "sites.jsonl").write_text('{"site": "s1"}\n\n{"site": "s2"}\n')
    template = {"name": {"gen": "row", "file": "people.csv", "column": "name"},
                "site": {"gen": "row", "file": "sites.jsonl"}}
    contexts = render(template, base_dir=tmp_path, times=3)
    assert [c["name"] for c in contexts] == ["ada", "grace", "ada"]
    assert [c["site"] for c in contexts] == [{"site": "s1"}, {"site": "s2"}, {"site": "s1"}]


def test_padding_brings_the_context_to_the_size():
    [context] = render({"a": 1, "pad": {"gen": "padding", "to_bytes": 1000}})
    assert len(orjson.dumps(context)) == 1000
    [small] = render({"a": "y" * 50, "pad": {"gen": "padding", "to_bytes": 10}})
    assert small["pad"] == ""


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({"x": {"gen": "nope"}}, "unknown generator 'nope'"),
        ({"x": {"gen": "int", "min": 5, "max": 1}}, "'min' (5) is greater than 'max' (1)"),
        ({"x": {"gen": "int", "min": 1.5, "max": 3}}, "'min' must be a whole number"),
        ({"x": {"gen": "choice", "values": []}}, "'values' must be a non-empty array"),
        ({"x": {"gen": "choice", "values": [1, 2], "weights": [1]}}, "one per value"),
        ({"x": {"gen": "sequence", "format": "{:d}{:d}"}}, "is not a format string"),
        ({"x": {"gen": "uuid", "extra": 1}}, "unknown key 'extra'"),
        ({"x": {"gen": "row", "file": "missing.csv"}}, "cannot read data file"),
        ({"x": {"y": {"gen": "padding", "to_bytes": 5}}}, "top level"),
        ({"x": {"gen": "bool", "p": 2}}, "probability"),
    ],
)
def test_bad_templates_name_the_field(template, message):
    with pytest.raises(TemplateError) as error:
        ContextTemplate(template, ".")
    assert message in str(error.value)
    assert str(error.value).startswith("context.x")


def test_rendered_contexts_are_json():
    [context] = render({"a": {"gen": "uuid"}, "b": [{"gen": "int", "min": 1, "max": 2}]})
    assert json.loads(json.dumps(context)) == context
