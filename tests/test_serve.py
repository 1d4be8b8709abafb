"""`make serve` follows the author's edits: a scenario edit reruns it, a broken scenario shows its
problems on its page while the server stays up, a template edit re-renders, and docs/ is untouched."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import copy_project

LIMIT = 90.0  # seconds a change may take to show, on a loaded machine (the speed is measured in `make bench`)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


def served(url: str, *texts: str, absent: str | None = None) -> str:
    """The page at `url` once it holds every one of `texts` (and not `absent`); fails after LIMIT."""
    start = time.monotonic()
    while True:
        status, page = fetch(url)
        if status == 200 and all(text in page for text in texts) and (absent is None or absent not in page):
            return page
        assert time.monotonic() - start < LIMIT, f"{url} never showed {texts} (status {status})"
        time.sleep(0.1)


@pytest.fixture
def server(tmp_path):
    """`mkdocs serve` on a copy of the project with one scenario (mse-mean), as `make serve` runs it."""
    project = copy_project(tmp_path / "project", with_site_config=True)
    for path in (project / "scenarios").glob("*.toml"):
        if path.stem != "mse-mean":
            path.unlink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=project,
                               env=os.environ | {"NO_MKDOCS_2_WARNING": "1"}, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield project, f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(20)
        log.close()
    assert process.returncode in (0, -15), (tmp_path / "serve.log").read_text()


def docs_bytes(project) -> dict[str, bytes]:
    return {p.relative_to(project).as_posix(): p.read_bytes() for p in (project / "docs").rglob("*") if p.is_file()}


def test_the_served_page_follows_scenario_and_template_edits(server):
    project, base, pid = server
    page = f"{base}/scenarios/mse-mean/"
    scenario = project / "scenarios/mse-mean.toml"
    original = scenario.read_text()
    before = docs_bytes(project)
    served(page, r"\frac{17}{6}", "3 - 2")

    # a number edited: X[0][0] 3 -> 9, the differences 7, -1, 3, -2, -1, 1 and the loss (49+1+9+4+1+1)/6
    scenario.write_text(original.replace("X = [[3, 1]", "X = [[9, 1]"))
    served(page, "9 - 2", r"\frac{65}{6}", absent=r"\frac{17}{6}")
    # torch ran in the program server's workers (generator/torch_process.py), not in MkDocs' process
    with open(f"/proc/{pid}/maps", encoding="utf-8") as maps:
        assert "libtorch" not in maps.read()

    # broken: the page shows the CLI's line, the rest of the site is still served
    scenario.write_text(original.replace("X = [[3, 1]", 'X = [["nine", 1]'))
    broken = served(page, "does not build")
    assert "scenarios/mse-mean.toml: X[0][0]: &#39;nine&#39; is not a number" in broken or \
        "scenarios/mse-mean.toml: X[0][0]: 'nine' is not a number" in broken
    assert fetch(base + "/")[0] == 200

    # fixed: the page recovers
    scenario.write_text(original.replace("X = [[3, 1]", "X = [[9, 1]"))
    served(page, r"\frac{65}{6}", absent="does not build")

    # a template sentence, in both editions' templates: the page shows it
    template = project / "templates/en/mse.md.j2"
    template.write_text(template.read_text().replace("## 3. Their squares", "## 3. Their entrywise squares"))
    served(page, "Their entrywise squares")

    assert docs_bytes(project) == before  # the preview is served from memory; `make docs` writes docs/


def test_the_server_never_hangs_on_a_file_name_or_a_template_that_fails(server):
    """A scenario file named like another edition's page (a.zh.toml), a page template with a syntax
    error, and a broken template every page shares: each shows its problem on a page, and every
    other page keeps being served (each fetch has a timeout)."""
    project, base, _ = server
    page = f"{base}/scenarios/mse-mean/"
    served(page, r"\frac{17}{6}")
    scenario = project / "scenarios/a.zh.toml"
    scenario.write_text((project / "scenarios/mse-mean.toml").read_text())
    served(f"{base}/scenarios/a-zh/", "does not build", "a.zh.toml")
    served(page, r"\frac{17}{6}")
    scenario.unlink()

    template = project / "templates/en/mse.md.j2"
    original = template.read_text()
    template.write_text("{% if %}\n" + original)
    served(page, "template syntax error", "mse.md.j2")
    served(f"{base}/", "ML math")
    template.write_text(original)
    served(page, r"\frac{17}{6}")

    shared = project / "templates/en/_index-pages.md.j2"
    original = shared.read_text()
    shared.write_text("{% if %}\n" + original)
    served(f"{base}/", "This page does not build", "_index-pages.md.j2")
    served(page, r"\frac{17}{6}")
    shared.write_text(original)
    served(f"{base}/", "ML math", absent="This page does not build")
