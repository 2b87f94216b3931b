"""Scenario files: the default, shortcuts, and one clear line for every bad file."""

from collections import Counter
from random import Random

import pytest

from loadtests.scenario import ScenarioError, load_scenario, parse_scenario, with_shortcuts


def test_default_scenario_is_the_simulator_catalogue():
    scenario = load_scenario()
    assert scenario.workflow_ids == ["fl_quick_notify", "fl_webhook_check", "fl_delayed_report", "fl_approval"]


def test_pick_follows_weights():
    scenario = parse_scenario('[[workflows]]\nid = "fl_a"\nweight = 3\n[[workflows]]\nid = "fl_b"\n')
    rng = Random(3)
    counts = Counter(scenario.pick(rng).id for _ in range(8000))
    assert 0.72 < counts["fl_a"] / 8000 < 0.78


def test_shortcuts_keep_known_templates_and_weights():
    base = load_scenario()
    scenario = with_shortcuts(["fl_approval:2,fl_custom"], base)
    assert [(w.id, w.weight) for w in scenario.workflows] == [("fl_approval", 2.0), ("fl_custom", 1.0)]
    from loadtests.contexts import GenerationState

    state = GenerationState(Random(1))
    assert "change_id" in scenario.workflows[0].context.render(state)
    assert scenario.workflows[1].context.render(state)["source"] == "wfload"


@pytest.mark.parametrize("item", ["fl_a:0", "fl_a:x", ":3"])
def test_bad_shortcuts(item):
    with pytest.raises(ScenarioError, match="--workflow"):
        with_shortcuts([item], load_scenario())


BAD_FILES = [
    ('[[workflows]]\nid = "fl_a"\nweight = -1\n', 3, "workflows[0].weight: must be a number greater than 0"),
    ('[[workflows]]\nid = "fl_a"\n[[workflows]]\nweight = 2\n', 3, "workflows[1].id"),
    ('[[workflows]]\nid = "fl_a"\ncolour = "red"\n', 3, "unknown key 'colour'"),
    ('seed = "x"\n[[workflows]]\nid = "fl_a"\n', 1, "'seed' must be a whole number"),
    ('[[workflows]]\nid = "fl_a"\n[workflows.context]\nn = 1\nx = { gen = "int", min = 9, max = 1 }\n', 5,
     "workflows[0].context.x: 'min' (9) is greater than 'max' (1)"),
    ('[[workflows]]\nid = "fl a"\n', 2, "cannot be part of a URL path"),
    ('surprise = 1\n', 1, "unknown key 'surprise'"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_FILES)
def test_bad_files_give_one_line_with_file_line_and_field(text, line, message):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, source="s.toml")
    text_of_error = str(error.value)
    assert "\n" not in text_of_error
    assert text_of_error.startswith(f"s.toml:{line}: ")
    assert message in text_of_error


def test_syntax_errors_and_missing_files(tmp_path):
    with pytest.raises(ScenarioError, match="not valid TOML"):
        parse_scenario("[[workflows]\n", source="s.toml")
    with pytest.raises(ScenarioError, match="no \\[\\[workflows\\]\\]"):
        parse_scenario("seed = 1\n", source="s.toml")
    with pytest.raises(ScenarioError, match="cannot read the scenario file"):
        load_scenario(tmp_path / "nope.toml")


def test_data_files_resolve_next_to_the_scenario(tmp_path):
    (tmp_path / "ids.csv").write_text("id\nA\nB\n")
    (tmp_path / "s.toml").write_text(
        '[[workflows]]\nid = "fl_a"\n[workflows.context]\nx = { gen = "row", file = "ids.csv", column = "id" }\n')
    scenario = load_scenario(tmp_path / "s.toml")
    from loadtests.contexts import GenerationState

    assert scenario.workflows[0].context.render(GenerationState(Random(1))) == {"x": "A"}
