"""Pages rendered in a second process (generator/aside.py, as `python -m generator build` does) are
the bytes this process renders, and any failure there leaves the render to this process."""

from __future__ import annotations

import pytest
from conftest import ROOT

from generator.aside import Aside
from generator.loading import load_scenarios
from generator.pipeline import render_scenario, run_scenario

SLUGS = ("mse-sum", "regression-losses-beta")  # a page with links and a scenario file; one with a plot


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    scenarios = [s for s in load_scenarios([ROOT / "scenarios"]) if s.slug in SLUGS]
    assert [s.slug for s in scenarios] == sorted(SLUGS)
    return [(s, run_scenario(s)) for s in scenarios]


def test_the_second_process_renders_the_same_bytes(runs):
    with Aside() as aside:
        for scenario, run in runs:
            aside.submit(scenario.slug, scenario, run, run.dumps().encode("utf-8"))
        taken = {scenario.slug: aside.take(scenario.slug) for scenario, _ in runs}
    for scenario, run in runs:
        here = render_scenario(scenario, run)
        assert taken[scenario.slug] is not None, scenario.slug
        assert taken[scenario.slug].files == here.files, scenario.slug
        assert any(name.endswith(".svg") for name in here.files) == (scenario.slug == "regression-losses-beta")


def test_a_render_that_fails_there_is_left_to_this_process(runs):
    scenario, run = runs[0]
    with Aside() as aside:
        aside.submit(scenario.slug, scenario, run, b"not the results")  # json.loads fails in the render
        assert aside.take(scenario.slug) is None


def test_a_second_process_that_died_is_left_alone(runs):
    (first, first_run), (second, second_run) = runs
    with Aside() as aside:
        aside.submit(first.slug, first, first_run, first_run.dumps().encode("utf-8"))
        assert aside.take(first.slug) is not None
        aside._process.kill()
        aside._process.join()
        aside.submit(second.slug, second, second_run, second_run.dumps().encode("utf-8"))  # to a pipe nobody reads
        assert aside.take(second.slug) is None
    assert aside.take("never-sent") is None
