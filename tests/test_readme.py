"""The README's terminal examples print what the README shows (scores aside)."""

from __future__ import annotations

import importlib.util
import os

from .conftest import CORPUS, ROOT


def _examples():
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_readme_examples_print_what_the_readme_shows(tmp_path):
    ex = _examples()
    text = ex.README.read_text("utf-8")
    assert len(ex.blocks(text)) >= 8  # the check reads the README's examples, not nothing
    env = {**os.environ, "KODOKU_SEARCH_INDEX": str(tmp_path / "index"), "KODOKU_SEARCH_CORPUS": str(CORPUS)}
    problems = ex.stale(text, env)
    assert not problems, "\n".join(problems) + "\n(python scripts/readme_examples.py --update refreshes the scores)"


def test_the_check_notices_a_stale_example(tmp_path):
    ex = _examples()
    text = ex.README.read_text("utf-8")
    env = {**os.environ, "KODOKU_SEARCH_INDEX": str(tmp_path / "index"), "KODOKU_SEARCH_CORPUS": str(CORPUS)}
    first, block = ex.blocks(text)[0]
    hit = next(line for line in block if line.startswith("1. "))
    upto = first + len(block) + 1  # (only the first example is run: each command is a process)
    wrong = text.replace(hit, hit.replace("1. ", "1. 〇〇", 1), 1)
    assert ex.stale("\n".join(wrong.split("\n")[:upto]), env)
    # a score that moved is not a stale example
    moved = text.replace(hit, hit.rsplit("[", 1)[0] + "[99.99]", 1)
    assert not ex.stale("\n".join(moved.split("\n")[:upto]), env)


def test_a_score_of_another_width_is_not_a_stale_line():
    ex = _examples()
    assert ex._same("       3.92  縦 → text:縦", "      10.92  縦 → text:縦")
    assert ex._same("| advice-2025-10.txt:52  [6.45]         |", "| advice-2025-10.txt:52  [16.45]        |")
    assert not ex._same("       3.92  縦 → text:縦", "       3.92  横 → text:横")


def test_the_readme_python_examples_run(tmp_path, monkeypatch, capsys):
    """Each ```python block of the README runs as written (default corpus and index,
    here pointed at the real corpus and a private index)."""
    import re

    monkeypatch.setenv("KODOKU_SEARCH_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("KODOKU_SEARCH_CORPUS", str(CORPUS))
    text = (ROOT / "README.md").read_text("utf-8")
    code = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(code) >= 3
    for block in code:
        exec(compile(block, "README.md", "exec"), {})
    assert "熊本市" in capsys.readouterr().out


def test_every_name_the_readme_says_the_package_exports_imports():
    """The README's names (KodokuError and its subclasses among them) are
    importable from the package, as a script would catch them."""
    import re

    import kodoku_search

    text = (ROOT / "README.md").read_text("utf-8")
    said = set(re.findall(r"`kodoku_search\.(\w+)`", text)) | set(re.findall(r"`(\w*Error_?)`", text))
    assert {"KodokuError", "UsageError", "CorpusError", "IndexError_"} <= said
    for name in said:
        assert name in kodoku_search.__all__, name
        exec(f"from kodoku_search import {name}", {})
    # (Listed by dir() too before any is used, imported on first use as they are: tab
    # completion showed none of them, the stop-41 review.)
    import subprocess
    import sys

    listed = subprocess.run([sys.executable, "-c", "import kodoku_search; print(' '.join(dir(kodoku_search)))"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert set(kodoku_search.__all__) <= set(listed), listed
