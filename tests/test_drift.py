"""`check` and `build` on another machine: torch's last bits may differ there, within the bound
the generator verified; anything else (an exact value, an input, a template, a page) may not."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from functools import partial
from pathlib import Path

import pytest
from conftest import ROOT, copy_project
from helpers import moved, tree_digest

from generator import render
from generator.cli import main
from generator.compare import compare
from generator.exact import enclosure
from generator.fingerprint import OVERRIDE
from generator.loading import load_scenarios
from generator.pipeline import render_scenario, run_scenario, typed
from generator.results import dumps, is_record
from generator.torch_process import fingerprint_here as fingerprint

OUT = "docs/scenarios"


def perturb(node, ulps: int, dtype: str, changed: dict[str, str]) -> int:
    """Move every finite torch value by `ulps` where that stays within its bound; return how many.
    `changed` collects repr(old) -> repr(new) for the printed output."""
    count = 0
    if is_record(node):
        value, bound = node["value"], node.get("bound")
        if isinstance(value, float) and bound is not None and value != 0:
            new = moved(value, ulps, dtype)
            if enclosure.within(new, enclosure.of_record(node), bound):
                node["value"] = new
                changed[repr(value)] = repr(new)
                return 1
        return 0
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        count += perturb(child, ulps, dtype, changed)
    return count


def replacement(changed: dict[str, str], match: re.Match) -> str:
    return changed.get(match.group(0), match.group(0))


def regenerate_elsewhere(project: Path, ulps: int = 2) -> int:
    """Make `project`'s docs look generated on another processor: torch values moved by a few
    ulps inside their bounds, in the results, the printed output, the pages and the plots."""
    os.chdir(project)
    total = 0
    for scenario in load_scenarios([project / "scenarios"]):
        path = project / OUT / f"{scenario.slug}.json"
        results = json.loads(path.read_text())
        changed: dict[str, str] = {}
        total += perturb(results, ulps, scenario.dtype, changed)
        results["printed"] = re.sub(r"-?\d+\.\d+(?:e[-+]\d+)?", partial(replacement, changed), results["printed"])
        results["platform"].update(cpu_capability="ELSEWHERE", fingerprint="e15e3e7e00000000")  # another machine's
        for name, content in render_scenario(scenario, typed(scenario, results)).files.items():
            (project / OUT / name).write_bytes(content)
    return total


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    """A copy of the project whose docs were generated 'on another machine'."""
    project = copy_project(tmp_path_factory.mktemp("elsewhere"))
    cwd = Path.cwd()
    try:
        moved_values = regenerate_elsewhere(project)
    finally:
        os.chdir(cwd)
    assert moved_values > 50
    return project


def test_check_passes_where_torch_rounds_differently(elsewhere, monkeypatch, capsys):
    monkeypatch.chdir(elsewhere)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    count = int(re.search(r"(\d+) torch values differ from the committed run in the last bits", out).group(1))
    assert count > 50 and "ELSEWHERE" in out and "all within their verified bounds" in out


def test_build_keeps_the_committed_record(elsewhere, monkeypatch, capsys):
    monkeypatch.chdir(elsewhere)
    before = tree_digest(elsewhere / "docs")
    assert main(["build"]) == 0
    assert "0 files changed" in capsys.readouterr().out
    assert tree_digest(elsewhere / "docs") == before
    assert main(["build"]) == 0  # from the cache now: still nothing to write
    assert tree_digest(elsewhere / "docs") == before
    # this machine's run instead, of one scenario (a refresh runs what it builds again; the folder
    # then holds that scenario's files only, so this is the last use of `elsewhere`)
    assert main(["build", "--refresh", "scenarios/mse-mean.toml"]) == 0
    assert "ELSEWHERE" not in (elsewhere / OUT / "mse-mean.json").read_text()


def test_a_real_avx2_run_is_reproduced_here():
    """The committed results of linreg-sgd-stable as an AVX2 machine produced them (before the
    bounds were recorded): grafted onto this machine's run, every value is within its bound."""
    data = ROOT / "tests/data/avx2"
    scenario = load_scenarios([data / "linreg-sgd-stable.toml"])[0]
    fresh = run_scenario(scenario).data()
    avx2 = json.loads((data / "linreg-sgd-stable.json").read_text())

    def graft(node, old):
        if is_record(node):
            return dict(node, value=old["value"])
        if isinstance(node, dict):
            return {k: graft(v, old[k]) if k in old else v for k, v in node.items()}
        if isinstance(node, list):
            return [graft(a, b) for a, b in zip(node, old, strict=True)]
        return node

    grafted = graft(fresh, avx2)
    grafted["platform"] = {key: value for key, value in fresh["platform"].items() if key != "fingerprint"}  # as old files: none
    comparison = compare(grafted, fresh, fingerprint())  # without a fingerprint, the bounds decide
    assert comparison.differences == []
    kept = {key: fresh[key] for key in avx2}  # keys added since (lr_sweep) are this machine's in both
    differing = sum(1 for a, b in zip(torch_values(avx2), torch_values(kept), strict=True) if a != b)
    assert comparison.rounded == differing  # zero on an AVX2 machine, 72 on this AVX-512 one


def torch_values(node):
    if is_record(node):
        yield node["value"]
    elif isinstance(node, dict):
        for key in sorted(node):
            yield from torch_values(node[key])
    elif isinstance(node, list):
        for child in node:
            yield from torch_values(child)


def edit_results(project: Path, change) -> None:
    path = project / OUT / "mse-mean.json"
    results = json.loads(path.read_text())
    change(results)
    path.write_text(dumps(results))


def test_a_value_past_its_bound_fails_and_is_named(one_scenario, capsys):
    capsys.readouterr()

    def push(results):
        v = results["loss"]
        v["value"] = float(Fraction(v["exact"]) + 2 * Fraction(v["bound"]))

    edit_results(one_scenario, push)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if ".loss" in line or line.startswith(f"{OUT}/mse-mean.json"))
    assert "docs/scenarios/mse-mean.json: scenarios/mse-mean.toml: loss: torch value: committed" in out, line
    assert "exact 17/6" in out and "outside the bound" in out


@pytest.mark.parametrize("what", ["exact value", "input", "structure", "printed text", "platform only"])
def test_a_real_difference_in_the_results_fails(one_scenario, capsys, monkeypatch, what):
    changes = {
        "exact value": lambda r: r["grad"][2][1].update(exact="-1/3"),
        "input": lambda r: r["X"][0].__setitem__(0, "4"),
        "structure": lambda r: r.pop("sum_squares"),
        "printed text": lambda r: r.update(printed=r["printed"].replace("X.grad:", "X.grad =")),
        "platform only": lambda r: r["platform"].update(cpu_capability="AVX2"),
    }
    edit_results(one_scenario, changes[what])
    capsys.readouterr()
    if what == "platform only":  # on another machine, which machine ran it is not a drift, but the footer must match it
        monkeypatch.setenv(OVERRIDE, "e15e3e7e00000000")  # (on this one it is a forgery: tests/test_forgery.py)
        assert main(["check"]) == 1
        assert "mse-mean.md (committed)" in capsys.readouterr().out
        return
    assert main(["check"]) == 1
    assert "docs/scenarios/mse-mean.json: scenarios/mse-mean.toml:" in capsys.readouterr().out


def test_one_byte_of_a_page_fails(one_scenario, capsys):
    page = one_scenario / OUT / "mse-mean.md"
    page.write_text(page.read_text().replace("## 3. Their squares", "## 3. Their square"))
    assert main(["check"]) == 1
    assert "-## 3. Their square\n+## 3. Their squares" in capsys.readouterr().out


def test_a_template_edited_without_a_rebuild_fails(one_scenario, monkeypatch, tmp_path, capsys):
    templates = shutil.copytree(render.TEMPLATES, tmp_path / "templates")
    template = templates / "en" / "mse.md.j2"
    template.write_text(template.read_text().replace("## 3. Their squares", "## 3. The squares"))
    monkeypatch.setattr(render, "TEMPLATES", templates)
    assert main(["check"]) == 1
    assert "+## 3. The squares" in capsys.readouterr().out


def test_pages_render_from_committed_results_without_torch(tmp_path):
    """Rendering imports no torch: every committed page, plot and results file comes back byte
    for byte from the committed results in a process where `import torch` fails."""
    script = f"""
import sys
sys.modules["torch"] = None  # any import of torch now raises ImportError
sys.path.insert(0, {str(ROOT)!r})
import json
from pathlib import Path
from generator.loading import load_scenarios
from generator.overview import errata_files
from generator.pipeline import render_scenario, typed
out = Path({str(tmp_path)!r})
generated = []
for scenario in load_scenarios([Path("scenarios")]):
    results = json.loads(Path("docs/scenarios", scenario.slug + ".json").read_text(encoding="utf-8"))
    generated.append(render_scenario(scenario, typed(scenario, results)))
for name, content in [item for page in generated for item in page.files.items()] + list(errata_files(generated).items()):
    (out / name).write_bytes(content)
assert "torch" not in {{name.split(".")[0] for name in sys.modules if sys.modules[name] is not None}}
"""
    completed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    rendered = sorted(p.name for p in tmp_path.iterdir())
    assert rendered == sorted(p.name for p in (ROOT / OUT).iterdir())
    assert [name for name in rendered if (tmp_path / name).read_bytes() != (ROOT / OUT / name).read_bytes()] == []
