"""Shared fixtures: one generation of the built-in scenarios and one strict site build per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.pipeline import generate  # noqa: E402


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator ARGS` as a user would, from `cwd`."""
    environment = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600)


def copy_project(target: Path, with_site_config: bool = False) -> Path:
    """A scratch copy of what the generator reads and writes: scenarios/ and docs/; with
    `with_site_config`, also what MkDocs needs to build it (mkdocs.yml, the hooks' package and the
    templates it reads the section names from)."""
    for folder in ("scenarios", "docs"):
        shutil.copytree(ROOT / folder, target / folder)
    if with_site_config:
        for config in ROOT.glob("mkdocs*.yml"):
            shutil.copy(config, target / config.name)
        shutil.copytree(ROOT / "overrides", target / "overrides")
        shutil.copytree(ROOT / "generator", target / "generator", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "templates", target / "templates")
    return target


SITE_ADDRESSES = ("SITE_URL", "REPO_URL")  # read by mkdocs.yml (site_url, repo_url): the publishing workflow sets them


def mkdocs_build(project: Path, site: Path, strict: bool = True, editions: bool = True, builder: str = "mkdocs",
                 addresses: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Every edition, as `make site` builds them: mkdocs.yml into `site`, each mkdocs.<language>.yml
    into `site`/<language> (with `editions` false, the first only), by `builder` (`make site
    BUILDER=...`: mkdocs or properdocs). The builds run side by side, each into a folder of its own,
    moved into place when all are done. The first failing build is returned. SITE_URL and REPO_URL
    are `addresses`' (unset by default, whatever the caller's environment holds)."""
    environment = {k: v for k, v in os.environ.items() if k not in SITE_ADDRESSES} | {"NO_MKDOCS_2_WARNING": "1"} | (addresses or {})
    configs = sorted(project.glob("mkdocs*.yml"), key=lambda p: p.name != "mkdocs.yml")
    assert configs, f"no mkdocs*.yml in {project}"
    shutil.rmtree(site, ignore_errors=True)
    processes = []
    for config in configs if editions else configs[:1]:
        language = config.name.removeprefix("mkdocs").removesuffix(".yml").strip(".")
        target = site.with_name(f"{site.name}.{language}") if language else site
        shutil.rmtree(target, ignore_errors=True)
        command = [sys.executable, "-m", builder, "build", "-f", config.name, "--site-dir", str(target)] + (["--strict"] if strict else [])
        processes.append((language, target, command, subprocess.Popen(command, cwd=project, env=environment, stdout=subprocess.PIPE,
                                                                      stderr=subprocess.PIPE, text=True)))
    results = []
    for _, _, command, process in processes:
        out, err = process.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    for language, target, _, _ in processes:
        if language and target.exists():
            target.rename(site / language)
    return next((r for r in results if r.returncode != 0), results[0])


@pytest.fixture(scope="session")
def generated():
    """slug -> Generated for every built-in scenario, from one in-process run."""
    return {page.slug: page for page in generate([ROOT / "scenarios"])}


@pytest.fixture(scope="session")
def results(generated):
    return {slug: json.loads(page.files[f"{slug}.json"]) for slug, page in generated.items()}


@pytest.fixture(scope="session")
def pages(generated):
    return {slug: page.files[f"{slug}.md"].decode() for slug, page in generated.items()}


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The committed docs/ built by MkDocs in strict mode (fails the session's users if it warns)."""
    out = tmp_path_factory.mktemp("site")
    completed = mkdocs_build(ROOT, out)
    assert completed.returncode == 0, completed.stderr
    return out


@pytest.fixture
def one_scenario(tmp_path, monkeypatch):
    """A copy of the project with only mse-mean, built (fast), the working folder set to it."""
    project = copy_project(tmp_path)
    for path in (project / "scenarios").glob("*.toml"):
        if path.stem != "mse-mean":
            path.unlink()
    monkeypatch.chdir(project)
    from generator.cli import main

    assert main(["build"]) == 0
    assert main(["check"]) == 0
    return project
