"""Load shape specs: levels over time and one-line errors."""

import pytest

from loadtests.shapes import ShapeError, parse_duration, parse_shape, steps_shape


def test_ramp_interpolates_then_holds():
    shape = parse_shape("ramp:0-50/60s")
    assert [shape.level_at(t) for t in (0, 30, 59.999, 60, 600)] == pytest.approx([0, 25, 50, 50, 50], abs=0.01)
    assert shape.duration_s is None


def test_steps_hold_each_level_then_end():
    shape = parse_shape("steps:5,10,20/30s")
    assert [shape.level_at(t) for t in (0, 29.9, 30, 61, 89.9)] == [5, 5, 10, 20, 20]
    assert shape.level_at(90) is None and shape.duration_s == 90
    assert [shape.stage_at(t) for t in (0, 45, 75, 100)] == [0, 1, 2, 2]
    assert steps_shape([1.5, 3], 10).spec == "steps:1.5,3/10s"


def test_spike_and_soak():
    spike = parse_shape("spike:10,100@1m/15s")
    assert [spike.level_at(t) for t in (0, 59, 60, 74.9, 75, 500)] == [10, 10, 100, 100, 10, 10]
    soak = parse_shape("soak:50/2m")
    assert soak.level_at(60) == pytest.approx(25) and soak.level_at(7200) == 50


def test_durations():
    assert [parse_duration(t) for t in ("90", "90s", "5m", "1h30m", "2.5s")] == [90, 90, 300, 5400, 2.5]


@pytest.mark.parametrize(
    ("spec", "message"),
    [("wobble:1/2s", "use one of"), ("ramp:0-50", "missing a duration"), ("steps:1,x/5s", "'x' is not a number"),
     ("ramp:5/10s", "two levels"), ("spike:1,2/5s", "after '@'"), ("steps:1,2/0s", "more than 0"),
     ("soak:-5/1m", "negative"), ("ramp:0-5/soon", "not a duration")],
)
def test_bad_specs_are_one_line_with_an_example(spec, message):
    with pytest.raises(ShapeError) as error:
        parse_shape(spec)
    assert message in str(error.value) and "\n" not in str(error.value)
