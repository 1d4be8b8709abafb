"""The downloads beside every page: <slug>.py (the shown program and a self-check), the notebooks
<slug>.ipynb and <slug>.zh.ipynb, all rendered from the results."""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
import tokenize

import pytest
from conftest import ROOT
from helpers import chinese_titles, foreign_numbers

from generator import codec
from generator import results as res
from generator.compare import PRINTED_FLOAT
from generator.kinds import KINDS
from generator.languages import page_name
from generator.program import run_program
from generator.write import is_owned

CJK = re.compile(r"[\u4e00-\u9fff]")
AGREE = re.compile(r"^all (\d+) values agree with the exact derivation \(largest error [\d.e+-]+, within its bound [\d.e+-]+\)")


def test_each_kind_names_every_printed_value_in_order(results):
    """The kind's `printed` values pair with the floats the program printed, one to one and equal,
    and each one's path names that value in the results file."""
    for slug, result in results.items():
        kind = KINDS[result["kind"]]
        printed = kind.printed(res.read_run(kind.results, result, slug).body)
        found = PRINTED_FLOAT.findall(result["printed"])
        assert len(printed) == len(found) > 5, slug
        assert [repr(p.value.value) for p in printed] == [repr(float(x)) for x in found], slug
        assert all(names(res.at(result, p.path), p) for p in printed), slug


def names(recorded, p) -> bool:
    """The results' record at a printed value's path is that value: its record, or (cross-entropy's
    naive softmax, which has no verified bound and is not compared) torch's float as Python prints it."""
    if isinstance(recorded, str):
        return p.value.bound is None and recorded == repr(p.value.value)
    return recorded == codec.encode(p.value)


def printed_values(kind: str, results: bytes) -> list:
    return KINDS[kind].printed(res.read_run(KINDS[kind].results, json.loads(results), kind).body)


def scripts(generated):
    for slug, page in generated.items():
        for language in ("en", "zh"):
            yield slug, language, page.files[page_name(slug, language, ".py")].decode(), page.files[page_name(slug, language)].decode()


def program_part(script: str) -> str:
    """The program between the two dividers of a download (# ---- words ----)."""
    return re.split(r"\n# ---- [^\n]* -+\n\n", script)[1]


def test_the_download_holds_the_program_the_page_shows(generated):
    for slug, language, script, page in scripts(generated):
        shown = re.search(r'```python title="([^"]+)"\n(.*?)```', page, flags=re.S)
        assert shown.group(1) == page_name(slug, language, ".py"), (slug, language)
        assert len(re.findall(r"\n# ---- [^\n]* -+\n\n", script)) == 2
        assert program_part(script) == shown.group(2), (slug, language)
        assert is_owned_text(script, ".py", tmp=ROOT / "test-artifacts")


def comments_of(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]


def test_the_chinese_script_is_the_program_that_ran_with_chinese_comments(generated):
    """<slug>.zh.py: the English download's code token for token (its comments aside), so its program
    is the one that ran; every comment but the marker line in Chinese, every English one in English."""
    from generator.loading import load_scenarios

    ran = {s.slug: KINDS[s.kind].program(s) for s in load_scenarios([ROOT / "scenarios"])}
    for slug, page in generated.items():
        english, chinese = page.files[f"{slug}.py"].decode(), page.files[f"{slug}.zh.py"].decode()
        assert ast.dump(ast.parse(chinese)) == ast.dump(ast.parse(english)), slug
        assert ast.dump(ast.parse(program_part(chinese))) == ast.dump(ast.parse(ran[slug])), slug
        assert english.split("\n", 1)[0] == chinese.split("\n", 1)[0], slug  # the marker
        said = comments_of(chinese)[1:]
        assert len(said) >= 5 and [c for c in said if not CJK.search(c)] == [], slug
        assert [c for c in comments_of(english) if CJK.search(c)] == [], slug
        translated = program_part(chinese) != program_part(english)  # the program has comments: the Chinese page says so
        assert translated == bool(comments_of(ran[slug])), slug
        assert ("注释原为英文" in page.files[f"{slug}.zh.md"].decode()) == translated, slug


def test_a_comment_is_translated_whole_and_the_code_never(monkeypatch):
    from generator import comments

    entries = {"one {} two": "一 {} 二", "a comment over two lines": "两行\n注释", "words": "文字"}
    monkeypatch.setattr(comments, "words", lambda name, language: {"comments": entries} if language == "xx" else {"comments": {}})
    comments.table.cache_clear()
    try:
        source = ('x = "# words"  # words\n'
                  "    # a comment over\n    # two lines\n"
                  "y = 1  # one 3 two\n"
                  "# ---- words ----------\n"
                  "# not in the table\n")
        assert comments.translate(source, "xx") == ('x = "# words"  # 文字\n'
                                                    "    # 两行\n    # 注释\n"
                                                    "y = 1  # 一 3 二\n"
                                                    "# ---- 文字 -----------\n"  # as wide as the English: a Chinese character is two columns
                                                    "# not in the table\n")
        assert comments.translate(source, "yy") == source
    finally:
        comments.table.cache_clear()


def is_owned_text(text: str, suffix: str, tmp) -> bool:
    tmp.mkdir(exist_ok=True)
    path = tmp / f"owned-probe{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        return is_owned(path)
    finally:
        path.unlink()


def test_every_script_runs_and_agrees(generated):
    """Each built-in <slug>.py, run as a program (forked from the program server): exit 0, the
    agreement line. <slug>.zh.py is the same syntax tree (its comments aside), so it runs the same:
    its run would add nothing but time."""
    for slug, language, script, _ in scripts(generated):
        page = generated[slug]
        if language != "en":
            assert ast.dump(ast.parse(script)) == ast.dump(ast.parse(page.files[f"{slug}.py"].decode())), (slug, language)
            continue
        output = run_program(script, slug, slug)
        last = output.rstrip("\n").split("\n")[-1]
        assert AGREE.match(last), (slug, language, last)
        compared = [p for p in printed_values(page.kind, page.files[f"{slug}.json"]) if p.value.bound is not None]
        assert int(AGREE.match(last).group(1)) == len(compared), slug


def run_script(text: str, folder) -> subprocess.CompletedProcess[str]:
    """A download as a reader runs it: a new interpreter, in a folder of its own."""
    script = folder / "download.py"
    script.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, script.name], cwd=folder, capture_output=True, text=True, timeout=300)


def test_a_script_with_a_wrong_exact_value_exits_1_and_names_it(generated, tmp_path):
    script = generated["mse-mean"].files["mse-mean.py"].decode()
    good = run_script(script, tmp_path)
    assert good.returncode == 0 and AGREE.match(good.stdout.splitlines()[-1]), good.stdout + good.stderr
    tampered = script.replace("('grad[2][0]', '-1/3',", "('grad[2][0]', '-1/4',", 1)
    assert tampered != script
    bad = run_script(tampered, tmp_path)
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[-1].startswith("self-check: grad[2][0] is -0.3333333432674408, the exact value is -1/4"), bad.stdout


def test_the_self_check_skips_values_after_an_overflow_and_says_so():
    from generator.downloads import check_output

    values = [("a", "1/3", 1e-7), ("b", "10", None)]
    assert check_output("0.3333333432674408 inf\n", values) == (
        0, "all 1 values agree with the exact derivation (largest error 9.9e-09, within its bound 1e-07); "
        "1 values with no verified bound not compared\n")
    assert check_output("0.3333333432674408\n", values)[0] == 1  # a value missing from the output
    assert check_output("nan inf\n", values)[0] == 1  # a compared value that is not finite


def test_the_self_check_line_is_its_own_run_s_when_pages_render_in_threads():
    """The pipeline renders pages in threads, and each stores its self-check's line in its notebook:
    a process-wide stdout redirect once put one page's line in another page's notebook."""
    from concurrent.futures import ThreadPoolExecutor

    from generator.downloads import check_output

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can, so an overlap is near certain
    try:
        def lines(count: int) -> set[str]:
            values = [(f"v{i}", "1/2", 1e-7) for i in range(count)]
            return {check_output("0.5 " * count, values)[1] for _ in range(200)}

        with ThreadPoolExecutor(4) as pool:
            seen = dict(zip(range(1, 5), pool.map(lines, range(1, 5))))
    finally:
        sys.setswitchinterval(previous)
    for count, found in seen.items():
        assert found == {f"all {count} values agree with the exact derivation (largest error 0, within its bound 1e-07)\n"}, found


# --- notebooks -------------------------------------------------------------------------------------


def notebooks(generated):
    for slug, page in generated.items():
        for name in (f"{slug}.ipynb", f"{slug}.zh.ipynb"):
            yield slug, name, page.files[name].decode()


def test_every_notebook_is_valid_and_owned(generated):
    import nbformat

    for slug, name, text in notebooks(generated):
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata["generated_by"].endswith(f"scenarios/{slug}.toml; do not edit"), name
        assert is_owned_text(text, ".ipynb", tmp=ROOT / "test-artifacts"), name
        kinds = [cell.cell_type for cell in notebook.cells]
        assert kinds.count("markdown") >= 4 and kinds.count("code") >= 4, (name, kinds)
        assert all(cell.get("execution_count") is None for cell in notebook.cells if cell.cell_type == "code"), name
        assert all(cell.id == f"cell-{i}" for i, cell in enumerate(notebook.cells)), name


def test_the_notebooks_markdown_holds_only_numbers_from_the_results(generated, results):
    english = {slug: result["title"] for slug, result in results.items()}  # a link may say another page's title
    chinese = chinese_titles(generated)
    for slug, name, text in notebooks(generated):
        titles = chinese if name.endswith(".zh.ipynb") else english
        markdown = "\n\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "markdown")
        markdown = re.sub(r"attachment:[\w.-]+", "", markdown)
        assert foreign_numbers("---\n---\n" + markdown, results[slug], titles) == [], name


def test_the_notebooks_math_and_plots_come_with_them(generated):
    for _, name, text in notebooks(generated):
        cells = json.loads(text)["cells"]
        markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert "$$" in markdown and "\\begin{" in markdown, name
        assert "!!!" not in markdown and "???" not in markdown and "{ .plot" not in markdown, name
        for cell in cells:
            for attached in re.findall(r"attachment:([\w.-]+)", "".join(cell["source"])):
                assert attached in cell["attachments"], (name, attached)


def code_of(notebook: dict) -> list[str]:
    """A notebook's code cells as syntax trees, the program in its PROGRAM string parsed too, each
    with its metadata (a tag such as skip-execution changes what nbclient runs): what runs, without
    the comments that an edition translates."""
    trees = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["PROGRAM"]:
                node.value = ast.Constant(ast.dump(ast.parse(node.value.value)))
        trees.append(json.dumps(cell.get("metadata", {}), sort_keys=True) + "\n" + ast.dump(tree))
    return trees


def test_each_edition_s_notebook_runs_the_same_code(generated):
    """<slug>.zh.ipynb has the English notebook's code cells, tree for tree (comments aside, in the
    cells and in the program they run again), and stores the same outputs: so executing the English
    notebooks (`executed`) runs the Chinese ones too."""
    for slug, page in generated.items():
        english, chinese = (json.loads(page.files[name]) for name in (f"{slug}.ipynb", f"{slug}.zh.ipynb"))
        assert code_of(chinese) == code_of(english), slug
        assert chinese["metadata"] == english["metadata"], slug  # the kernel it runs in
        assert len(code_of(english)) >= 4 and any("PROGRAM" in tree for tree in code_of(english)), slug
        outputs = [[c.get("outputs") for c in notebook["cells"] if c["cell_type"] == "code"] for notebook in (english, chinese)]
        assert outputs[0] == outputs[1], slug


def test_code_of_sees_a_changed_value_in_the_program_and_not_a_comment(generated):
    notebook = json.loads(generated["linreg-sgd"].files["linreg-sgd.ipynb"])
    source = "".join(notebook["cells"][-1]["source"])
    assert "lr=0.5" in source and "# one permutation" in source
    for edit, same in ((source.replace("# one permutation", "# 每个 epoch 一个排列; one permutation"), True),
                       (source.replace("lr=0.5", "lr=0.25"), False)):
        assert edit != source
        changed = json.loads(json.dumps(notebook))
        changed["cells"][-1]["source"] = [edit]
        assert (code_of(changed) == code_of(notebook)) is same, edit
    skipped = json.loads(json.dumps(notebook))
    skipped["cells"][-1]["metadata"] = {"tags": ["skip-execution"]}
    assert code_of(skipped) != code_of(notebook)


@pytest.fixture(scope="module")
def executed(generated):
    """Every English notebook, executed by nbclient in one kernel (torch imported once), in order.
    The Chinese ones run the same code (test_each_edition_s_notebook_runs_the_same_code)."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=os.environ | {"OMP_NUM_THREADS": "1"})
    done = {}
    try:
        for _, name, text in notebooks(generated):
            if name.endswith(".zh.ipynb"):
                continue
            notebook = nbformat.reads(text, as_version=4)
            client = NotebookClient(notebook, km=manager, timeout=300)
            try:
                client.execute(reset_kc=False)
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()
            done[name] = (json.loads(text), notebook)
    finally:
        manager.shutdown_kernel(now=True)
        manager.cleanup_resources()
        manager.context.destroy(linger=0)
    return done


def test_every_notebook_runs_and_its_self_check_agrees(executed):
    for name, (stored, ran) in executed.items():
        last = "".join(output["text"] for output in ran.cells[-1].outputs if output.get("name") == "stdout")
        assert AGREE.match(last), (name, last)
        assert "".join(stored["cells"][-1]["outputs"][0]["text"]) == last, name  # the stored output is the run's
        for cell in ran.cells:
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            assert errors == [], (name, errors)


# --- on the page, and in `check` -------------------------------------------------------------------


def test_every_page_links_its_downloads(site, generated):
    for slug in generated:
        for prefix, language in (("", "en"), ("zh/", "zh")):
            html = (site / prefix / "scenarios" / slug / "index.html").read_text(encoding="utf-8")
            for name in (page_name(slug, language, ".py"), page_name(slug, language, ".ipynb"), f"{slug}.json"):
                assert f'<a download href="../{name}">' in html, (prefix, slug, name)
                assert (site / prefix / "scenarios" / name).is_file(), (prefix, name)
            assert "colab.research.google.com" not in html  # mkdocs.yml names no repository


def test_a_colab_link_only_when_the_site_names_a_github_repository():
    from generator.mkdocs_hooks import colab_links

    page = "- [a.py](a.py)\n    <!-- colab: a.zh.ipynb -->\n"
    assert colab_links(page, None, "docs/scenarios", "Open") == "- [a.py](a.py)\n\n"
    assert colab_links(page, "https://gitlab.com/o/r", "docs/scenarios", "Open") == "- [a.py](a.py)\n\n"
    linked = colab_links(page, "https://github.com/owner/repo.git", "docs/scenarios", "Open")
    assert linked == "- [a.py](a.py)\n    - [Open](https://colab.research.google.com/github/owner/repo/blob/main/docs/scenarios/a.zh.ipynb)\n"


@pytest.mark.parametrize("name, old, new", [
    ("mse-mean.py", "('loss', '17/6',", "('loss', '17/5',"),
    ("mse-mean.zh.ipynb", "## 自检", "## 检查"),
    ("mse-mean.zh.py", "# 标准输出，", "# 输出，"),
])
def test_check_covers_the_downloads(one_scenario, capsys, name, old, new):
    from generator.cli import main

    download = one_scenario / "docs/scenarios" / name
    text = download.read_text(encoding="utf-8")
    assert old in text
    download.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["check"]) == 1
    assert f"docs/scenarios/{name} (committed)" in capsys.readouterr().out
